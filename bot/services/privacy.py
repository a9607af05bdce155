"""A person's own data: what is stored about them, erasing it, and the retention period.

Erasing keeps only what cannot point back to anyone: the person's row loses its Telegram id
(it is replaced by a negative number) and keeps audience, value chain, language and source for
anonymous counts; their cases lose the question, files, phone number and every relayed message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.models import (
    Case,
    CaseEvent,
    Conversation,
    OutboxMessage,
    Person,
    StaffAccount,
    StaffInvite,
    Subscription,
)
from bot.services import outbox
from bot.services.cases import OPEN, CaseStatus, language_of
from bot.services.cases.status import move
from bot.services.outbox import NotificationKind
from bot.services.people import Profile

log = logging.getLogger(__name__)

ERASED = "[erased]"
DRAFT_DAYS = 30  # a question left unsent this long is removed (DRAFT_DAYS in the settings)


@dataclass(frozen=True)
class CaseRecord:
    """One of the person's cases, as /mydata shows it."""

    id: int
    status: str
    created_at: datetime
    provider_id: str | None
    question: str
    files: int
    phone: str | None
    consent_at: str | None
    rating: int | None
    outcome: str | None


@dataclass(frozen=True)
class MyData:
    """Everything the bot stores about one person."""

    profile: Profile
    cases: tuple[CaseRecord, ...]
    writing_a_question: bool
    staff_of: str | None
    news: tuple[str, ...]


async def my_data(db: Database, telegram_id: int) -> MyData | None:
    """Collect everything stored about the person, or None if nothing is."""
    async with db.read() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        if person is None:
            return None
        cases = list(
            await session.scalars(select(Case).where(Case.person_id == person.id).order_by(Case.id))
        )
        records = []
        for case in cases:
            consent = await session.scalar(
                select(CaseEvent.detail).where(
                    CaseEvent.case_id == case.id, CaseEvent.kind == "opened"
                )
            )
            records.append(
                CaseRecord(
                    id=case.id,
                    status=case.status,
                    created_at=case.created_at,
                    provider_id=case.provider_id,
                    question=case.question or "",
                    files=len(case.attachments or ()),
                    phone=case.phone,
                    consent_at=(consent or {}).get("consent_at"),
                    rating=case.rating,
                    outcome=case.outcome,
                )
            )
        conversation = await session.get(Conversation, telegram_id)
        staff = await session.scalar(
            select(StaffAccount.provider_id).where(
                StaffAccount.telegram_id == telegram_id, StaffAccount.active
            )
        )
        news = await session.scalars(
            select(Subscription.topic)
            .where(Subscription.person_id == person.id)
            .order_by(Subscription.topic)
        )
        return MyData(
            profile=Profile.from_row(person),
            cases=tuple(records),
            writing_a_question=conversation is not None and conversation.kind == "draft",
            staff_of=staff,
            news=tuple(news),
        )


@dataclass(frozen=True)
class Erased:
    """What /forget did."""

    cases: int
    withdrawn: tuple[int, ...]


async def forget(
    db: Database,
    telegram_id: int,
    *,
    now: datetime,
    manager_ids: frozenset[int],
    default_language: str,
) -> Erased:
    """Erase the person's personal data; withdraw their open cases and tell who handles them."""
    async with db.write() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.telegram_id == telegram_id)
        )
        if account is not None:
            await _forget_staff(session, account, manager_ids, default_language, now)
        conversation = await session.get(Conversation, telegram_id)
        if conversation is not None:
            await session.delete(conversation)
        if person is None:
            return Erased(0, ())
        cases = list(await session.scalars(select(Case).where(Case.person_id == person.id)))
        withdrawn = []
        for case in cases:
            if case.status in OPEN:
                withdrawn.append(case.id)
                move(case, CaseStatus.CLOSED)
                case.closed_at = now
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        actor_role="client",
                        kind="withdrawn",
                        detail={},
                        created_at=now,
                    )
                )
                recipients = set(manager_ids)
                if case.assignee_id is not None:
                    staff = await session.get(StaffAccount, case.assignee_id)
                    if staff is not None:
                        recipients.add(staff.telegram_id)
                for recipient in sorted(recipients):
                    lang = await language_of(session, recipient, default_language)
                    payload = {"case_id": case.id, "lang": lang}
                    await outbox.enqueue(
                        session, recipient, NotificationKind.CASE_WITHDRAWN, payload, now=now
                    )
        await _scrub_cases(session, cases, now)
        # Whoever was writing a reply on one of these cases is not any more.
        if cases:
            await session.execute(
                delete(Conversation).where(Conversation.case_id.in_([c.id for c in cases]))
            )
        # Nothing more goes to the person: their chat id is about to disappear.
        pending = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.chat_id == telegram_id, OutboxMessage.sent_at.is_(None)
            )
        )
        for row in list(pending):
            row.failed_at, row.last_error = now, "erased at the person's request"
        # Notifications already written about them keep no personal content either.
        sent = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == telegram_id)
        )
        for row in list(sent):
            row.payload = {"erased": True}
            row.chat_id = -person.id
        await session.execute(delete(Subscription).where(Subscription.person_id == person.id))
        person.telegram_id = -person.id
        person.consent_at = None
        log.info("person %s erased their data (%s cases)", person.id, len(cases))
        return Erased(len(cases), tuple(withdrawn))


async def _forget_staff(
    session: AsyncSession,
    account: StaffAccount,
    manager_ids: frozenset[int],
    default_language: str,
    now: datetime,
) -> None:
    """A staff member's /forget: they stop answering (their open cases are handed on), and
    their name and Telegram id leave the staff account, the invite they used, the "linked"
    notification and the cases' history."""
    from bot.services.staff import release_cases

    telegram_id, name = account.telegram_id, account.display_name
    if account.active:
        account.active = False
        await session.flush()
        await release_cases(
            session, account, account.provider_id, reason="forgotten", manager_ids=manager_ids,
            default_language=default_language, now=now,
        )  # fmt: skip
    account.display_name = None
    account.telegram_id = -account.id
    invites = await session.scalars(select(StaffInvite).where(StaffInvite.used_by == telegram_id))
    for invite in list(invites):
        invite.used_by = None
    if name:
        linked = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_linked")
        )
        for row in list(linked):
            if (row.payload or {}).get("name") == name[:64]:
                row.payload = {**row.payload, "name": ERASED}
    events = await session.scalars(
        select(CaseEvent).where(CaseEvent.actor_telegram_id == telegram_id)
    )
    for event in list(events):
        event.actor_telegram_id = None
    log.info("staff account %s erased its data", account.id)


async def apply_retention(
    db: Database, *, now: datetime, days: int, draft_days: int = DRAFT_DAYS
) -> int:
    """Erase the personal content of cases closed or resolved more than `days` ago, and
    questions left unsent for `draft_days` (their text, files and phone number)."""
    cutoff = now - timedelta(days=days)
    async with db.write() as session:
        stale = delete(Conversation).where(
            Conversation.kind == "draft",
            Conversation.updated_at < now - timedelta(days=draft_days),
        )
        removed = cast("CursorResult[Any]", await session.execute(stale)).rowcount
        if removed:
            log.info("retention: removed %s questions left unsent", removed)
        cases = list(
            await session.scalars(
                select(Case).where(
                    Case.status.in_((CaseStatus.RESOLVED, CaseStatus.CLOSED)),
                    Case.updated_at < cutoff,
                    (Case.question.is_not(None)) | (Case.phone.is_not(None)),
                )
            )
        )
        await _scrub_cases(session, cases, now)
        if cases:
            log.info("retention: erased the content of %s cases", len(cases))
        return len(cases)


async def _scrub_cases(session: AsyncSession, cases: list[Case], now: datetime) -> None:
    """Remove the question, files, phone number and relayed messages of some cases."""
    if not cases:
        return
    ids = {case.id for case in cases}
    for case in cases:
        case.question = None
        case.attachments = []
        case.phone = None
    events = await session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids)))
    for event in list(events):
        if "part" in (event.detail or {}):
            event.detail = {**event.detail, "part": {"type": "erased"}}
        if event.actor_role == "client":
            event.actor_telegram_id = None
    rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.case_id.in_(ids)))
    for row in list(rows):
        payload = row.payload or {}
        cleaned = {k: v for k, v in payload.items() if k not in _PERSONAL}
        if cleaned == payload:
            continue
        if (
            row.sent_at is None
            and row.failed_at is None
            and _PERSONAL & {"part", "file_id"} & set(payload)
        ):
            row.failed_at, row.last_error = now, "erased at the person's request"
        row.payload = cleaned


_PERSONAL = {"question", "part", "phone", "file_id", "caption"}
