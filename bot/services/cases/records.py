"""What every part of the case desk shares: its settings, views of a case, the case's events,
who may touch it, and the notifications it causes (written to the outbox in the same transaction).

Functions here take the session of a transaction the desk's public methods opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.knowledge import KnowledgeBase
from bot.models import Case, CaseEvent, Conversation, Person, StaffAccount
from bot.services import outbox
from bot.services.cases.errors import Actor, CaseError
from bot.services.cases.status import OPEN, PROVIDERS_TURN, CaseStatus
from bot.services.outbox import NotificationKind
from bot.services.worktime import WorkingHours

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseView:
    """A case as the people allowed to see it see it."""

    id: int
    status: CaseStatus
    client_telegram_id: int | None
    language: str
    audience: str | None
    value_chain: str | None
    entry_id: str | None
    topic: str | None
    question: str
    attachments: tuple[dict[str, Any], ...]
    phone: str | None
    provider_id: str | None
    suggested_provider: str | None
    assignee_telegram_id: int | None
    due_at: datetime | None
    created_at: datetime
    first_answer_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    rating: int | None

    def overdue(self, now: datetime) -> bool:
        """Tell whether the provider's (or the manager's) deadline has passed."""
        return self.status in PROVIDERS_TURN and self.due_at is not None and self.due_at < now

    def snapshot(self) -> dict[str, Any]:
        """Return the values a notification about this case is rendered with."""
        return {
            "case_id": self.id,
            "status": self.status.value,
            "client_language": self.language,
            "audience": self.audience,
            "value_chain": self.value_chain,
            "entry_id": self.entry_id,
            "question": self.question,
            "attachments": len(self.attachments),
            "phone": self.phone,
            "provider_id": self.provider_id,
            "suggested_provider": self.suggested_provider,
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }


@dataclass(frozen=True)
class EventView:
    """One line of a case's history."""

    kind: str
    actor_role: str
    detail: dict[str, Any]
    created_at: datetime


@dataclass
class DeskBase:
    """The case desk's settings, shared by each of its parts."""

    db: Database
    knowledge: Callable[[], KnowledgeBase]
    manager_ids: frozenset[int]
    hours: WorkingHours
    default_language: str = "kk"
    due_hours: float = 16.0
    remind_before: timedelta = timedelta(hours=4)
    followup_after: timedelta = timedelta(days=7)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())

    def due_from(self, now: datetime) -> datetime:
        """Return the deadline of an answer asked for at `now`, in working hours."""
        return self.hours.add(now, self.due_hours)

    async def notify(
        self,
        session: AsyncSession,
        chat_id: int,
        kind: NotificationKind,
        view: CaseView,
        now: datetime,
        *,
        dedup: str | None = None,
        **extra: Any,
    ) -> None:
        """Write a notification about a case, in the reader's language, to the outbox."""
        lang = await language_of(session, chat_id, self.default_language)
        payload = {**view.snapshot(), "lang": lang, **extra}
        await outbox.enqueue(session, chat_id, kind, payload, dedup_key=dedup, now=now)

    async def notify_managers(
        self,
        session: AsyncSession,
        kind: NotificationKind,
        view: CaseView,
        now: datetime,
        **extra: Any,
    ) -> None:
        """Write the same notification to every OSS manager."""
        for manager in sorted(self.manager_ids):
            await self.notify(session, manager, kind, view, now, **extra)


def restart_clock(desk: DeskBase, case: Case, now: datetime) -> None:
    """Give the case a new deadline from now, with its reminder and overdue notices reset."""
    case.due_at = desk.due_from(now)
    case.reminded_at = case.overdue_at = None


# ---- who may act ------------------------------------------------------------------------------


def require(actor: Actor, role: str) -> None:
    """Allow only `role`."""
    if actor.role != role:
        raise CaseError("forbidden", f"{actor.role} is not {role}")


def require_handler(actor: Actor, case: Case) -> None:
    """Allow the OSS manager, or the staff of the case's provider."""
    if actor.role != "manager":
        require_provider(actor, case)


def require_provider(actor: Actor, case: Case) -> None:
    """Allow the staff of the case's provider."""
    if actor.role != "staff" or actor.provider_id != case.provider_id:
        raise CaseError("forbidden", "not this case's provider")


async def require_client(session: AsyncSession, actor: Actor, case: Case) -> None:
    """Allow the case's own client."""
    person = await session.scalar(select(Person).where(Person.telegram_id == actor.telegram_id))
    if person is None or case.person_id != person.id:
        raise CaseError("forbidden", "not this case's client")


def may_see(actor: Actor, case: Case) -> bool:
    """Tell whether the actor may see the case: the manager, or the case's provider."""
    return actor.role == "manager" or (
        actor.role == "staff"
        and actor.provider_id is not None
        and actor.provider_id == case.provider_id
    )


# ---- reading and recording --------------------------------------------------------------------


async def load_case(session: AsyncSession, case_id: int) -> Case:
    """Load a case to change it (locked on PostgreSQL), or raise not_found."""
    query = select(Case).where(Case.id == case_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    case = await session.scalar(query)
    if case is None:
        raise CaseError("not_found", str(case_id))
    return case


async def active_staff(session: AsyncSession, telegram_id: int) -> StaffAccount | None:
    """Return the active staff account of a Telegram account, if any."""
    staff: StaffAccount | None = await session.scalar(
        select(StaffAccount).where(StaffAccount.telegram_id == telegram_id, StaffAccount.active)
    )
    return staff


async def least_loaded_staff(session: AsyncSession, provider_id: str) -> StaffAccount | None:
    """Return the provider's active staff member with the fewest open cases."""
    load = (
        select(func.count(Case.id))
        .where(Case.assignee_id == StaffAccount.id, Case.status.in_(OPEN))
        .correlate(StaffAccount)
        .scalar_subquery()
    )
    staff: StaffAccount | None = await session.scalar(
        select(StaffAccount)
        .where(StaffAccount.provider_id == provider_id, StaffAccount.active)
        .order_by(load, StaffAccount.id)
        .limit(1)
    )
    return staff


async def view(session: AsyncSession, case: Case) -> CaseView:
    """Return the plain view of a case, with its client's and assignee's Telegram ids."""
    client = None
    if case.person_id is not None:
        client = await session.scalar(select(Person.telegram_id).where(Person.id == case.person_id))
    assignee = None
    if case.assignee_id is not None:
        assignee = await session.scalar(
            select(StaffAccount.telegram_id).where(StaffAccount.id == case.assignee_id)
        )
    return view_of(case, client, assignee)


def view_of(case: Case, client: int | None, assignee: int | None) -> CaseView:
    """Copy a case row into a plain view."""
    return CaseView(
        id=case.id,
        status=CaseStatus(case.status),
        client_telegram_id=client,
        language=case.language,
        audience=case.audience,
        value_chain=case.value_chain,
        entry_id=case.entry_id,
        topic=case.topic,
        question=case.question or "",
        attachments=tuple(case.attachments or ()),
        phone=case.phone,
        provider_id=case.provider_id,
        suggested_provider=case.suggested_provider,
        assignee_telegram_id=assignee,
        due_at=case.due_at,
        created_at=case.created_at,
        first_answer_at=case.first_answer_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        rating=case.rating,
    )


def record(
    session: AsyncSession, case: Case, actor: Actor, kind: str, now: datetime, **detail: Any
) -> None:
    """Add a case event (the audit trail: who did what, when)."""
    case.updated_at = now
    session.add(
        CaseEvent(
            case_id=case.id,
            actor_telegram_id=actor.telegram_id or None,
            actor_role=actor.role,
            kind=kind,
            detail=detail,
            created_at=now,
        )
    )
    log.info("case %s: %s by %s", case.id, kind, actor.role)


async def language_of(session: AsyncSession, telegram_id: int, default: str) -> str:
    """Return the language a person reads the bot in."""
    lang = await session.scalar(select(Person.language).where(Person.telegram_id == telegram_id))
    return lang or default


# ---- what a person is in the middle of ------------------------------------------------------


async def set_conversation(
    session: AsyncSession, telegram_id: int, kind: str, case_id: int | None, data: dict[str, Any]
) -> None:
    """Remember what the person is writing (a draft, a reply to a case)."""
    row = await session.get(Conversation, telegram_id)
    if row is None:
        row = Conversation(telegram_id=telegram_id)
        session.add(row)
    row.kind, row.case_id, row.data = kind, case_id, data


async def end_conversation_of(session: AsyncSession, telegram_id: int) -> None:
    """Forget what the person was writing."""
    row = await session.get(Conversation, telegram_id)
    if row is not None:
        await session.delete(row)


async def end_reply_on(session: AsyncSession, telegram_id: int, case_id: int) -> None:
    """Forget the reply the person was writing on this case (not anything else)."""
    row = await session.get(Conversation, telegram_id)
    if row is not None and row.case_id == case_id:
        await session.delete(row)


async def end_conversations(session: AsyncSession, case_id: int) -> None:
    """Forget every reply being written on the case."""
    rows = await session.scalars(select(Conversation).where(Conversation.case_id == case_id))
    for row in list(rows):
        await session.delete(row)
