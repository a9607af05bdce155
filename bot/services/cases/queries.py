"""Reading cases: who is who, the open cases, one case with its history, the day's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.db import Database
from bot.models import Case, CaseEvent, Person, StaffAccount
from bot.services.cases.errors import Actor, CaseError
from bot.services.cases.records import (
    CaseView,
    DeskBase,
    EventView,
    active_staff,
    may_see,
    view,
    view_of,
)
from bot.services.cases.status import OPEN, PROVIDERS_TURN, CaseStatus

RECENT = timedelta(days=30)  # a client's ended cases stay in "my questions" this long
MY_CASES = 10


@dataclass(frozen=True)
class ClientCase:
    """One of a client's own questions, as "my questions" lists it."""

    id: int
    status: CaseStatus
    provider_id: str | None  # who has it (None: the OSS itself)
    question: str
    last_message: str | None  # the latest text written on it, by either side
    last_from: str | None  # "client", "staff" or "manager"
    created_at: datetime


@dataclass(frozen=True)
class Digest:
    """The morning summary for the OSS manager."""

    new: int
    open: int
    overdue: int
    by_provider: tuple[tuple[str, int, int], ...]  # provider id ("" = OSS queue), open, overdue


class Queries(DeskBase):
    """What the desk tells without changing anything."""

    async def actor(self, telegram_id: int) -> Actor:
        """Return the role of a Telegram account: manager, staff or client."""
        if telegram_id in self.manager_ids:
            return Actor(telegram_id, "manager")
        async with self.db.read() as session:
            staff = await active_staff(session, telegram_id)
        if staff is not None:
            return Actor(telegram_id, "staff", staff.provider_id, staff.id)
        return Actor(telegram_id, "client")

    async def linked_providers(self) -> set[str]:
        """Return the providers that have at least one linked staff account."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(StaffAccount.provider_id).where(StaffAccount.active).distinct()
            )
            return set(rows)

    async def open_cases(self, actor: Actor) -> list[CaseView]:
        """List open cases: all for the manager, the provider's own for staff."""
        if actor.role not in ("manager", "staff"):
            raise CaseError("forbidden")
        query = (  # the clients' and assignees' Telegram ids in the same query, not 2 per case
            select(Case, Person.telegram_id, StaffAccount.telegram_id)
            .outerjoin(Person, Person.id == Case.person_id)
            .outerjoin(StaffAccount, StaffAccount.id == Case.assignee_id)
            .where(Case.status.in_(OPEN))
            .order_by(Case.due_at, Case.id)
        )
        if actor.role == "staff":
            query = query.where(Case.provider_id == actor.provider_id)
        async with self.db.read() as session:
            rows = (await session.execute(query.limit(200))).all()
            return [view_of(case, client, assignee) for case, client, assignee in rows]

    async def client_cases(self, actor: Actor) -> list[ClientCase]:
        """A client's open questions, then those ended in the last 30 days; newest first."""
        since = self.clock() - RECENT
        async with self.db.read() as session:
            person = await session.scalar(
                select(Person).where(Person.telegram_id == actor.telegram_id)
            )
            if person is None:
                return []
            cases = list(
                await session.scalars(
                    select(Case)
                    .where(Case.person_id == person.id)
                    .where(Case.status.in_(OPEN) | (Case.updated_at >= since))
                    .order_by(Case.id.desc())
                    .limit(MY_CASES)
                )
            )
            found = []
            for case in cases:
                message = await session.scalar(
                    select(CaseEvent)
                    .where(CaseEvent.case_id == case.id)
                    .where(CaseEvent.kind.in_(("provider_message", "client_message")))
                    .order_by(CaseEvent.id.desc())
                    .limit(1)
                )
                part = dict(message.detail).get("part", {}) if message is not None else {}
                text = part.get("text") or part.get("caption")
                found.append(
                    ClientCase(
                        case.id,
                        CaseStatus(case.status),
                        case.provider_id,
                        case.question or "",
                        str(text) if text else None,
                        message.actor_role if message is not None and text else None,
                        case.created_at,
                    )
                )
        found.sort(key=lambda c: (c.status not in OPEN, -c.id))
        return found

    async def case_with_history(
        self, actor: Actor, case_id: int
    ) -> tuple[CaseView, list[EventView]]:
        """Return a case and its history to the manager or the case's own provider."""
        async with self.db.read() as session:
            case = await session.get(Case, case_id)
            if case is None or not may_see(actor, case):
                raise CaseError("not_found", str(case_id))
            events = await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
            history = [
                EventView(e.kind, e.actor_role, dict(e.detail), e.created_at) for e in events
            ]
            return await view(session, case), history

    async def digest(self) -> Digest:
        """Count new (last 24 hours), open and overdue cases, by provider."""
        return await digest_of(self.db, self.clock())


async def digest_of(db: Database, now: datetime) -> Digest:
    """Count new (the 24 hours before `now`), open and overdue cases, by provider."""
    async with db.read() as session:
        new = await session.scalar(
            select(func.count(Case.id)).where(Case.created_at >= now - timedelta(days=1))
        )
        rows = (
            await session.execute(
                select(Case.provider_id, Case.status, Case.due_at).where(Case.status.in_(OPEN))
            )
        ).all()
    by: dict[str, list[int]] = {}
    for provider_id, status, due_at in rows:
        counts = by.setdefault(provider_id or "", [0, 0])
        counts[0] += 1
        if status in PROVIDERS_TURN and due_at is not None and due_at < now:
            counts[1] += 1
    return Digest(
        new=int(new or 0),
        open=sum(c[0] for c in by.values()),
        overdue=sum(c[1] for c in by.values()),
        by_provider=tuple(sorted((p, c[0], c[1]) for p, c in by.items())),
    )
