"""The life of a case: opened from a draft, routed, resolved, confirmed or reopened, closed.

Every status change goes through `status.move` and its one table; every change is a case event;
every notification it causes goes to the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Case, Person, StaffAccount
from bot.services import outbox
from bot.services.cases.drafts import draft_of, draft_row
from bot.services.cases.errors import SYSTEM, Actor, CaseError
from bot.services.cases.records import (
    CaseView,
    DeskBase,
    end_conversations,
    end_reply_on,
    language_of,
    least_loaded_staff,
    load_case,
    record,
    require,
    require_client,
    require_handler,
    require_provider,
    restart_clock,
    view,
)
from bot.services.cases.status import ANSWERABLE, INITIAL, OPEN, CaseStatus, move, status_of
from bot.services.outbox import NotificationKind

RATINGS = range(1, 6)
RATEABLE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)  # a client rates the help once it ended


class Lifecycle(DeskBase):
    """Opening, routing, resolving and closing cases."""

    async def submit(self, client_id: int) -> CaseView:
        """Turn the draft into a case, route it, and notify everyone concerned."""
        now = self.clock()
        kb = self.knowledge()
        async with self.db.write() as session:
            row = await draft_row(session, client_id)
            draft = draft_of(row)
            if draft.empty:
                raise CaseError("bad_state", "empty draft")
            person = await session.scalar(select(Person).where(Person.telegram_id == client_id))
            if person is None:
                raise CaseError("bad_state", "unknown client")
            entry = kb.entry(draft.entry_id) if draft.entry_id else None
            texts = [p["text"] for p in draft.parts if p["type"] == "text"]
            texts += [p["caption"] for p in draft.parts if p.get("caption")]
            case = Case(
                person_id=person.id,
                language=person.language or self.default_language,
                audience=person.audience,
                value_chain=person.value_chain,
                entry_id=entry.id if entry else None,
                topic=entry.topic if entry else None,
                question="\n\n".join(texts),
                attachments=[p for p in draft.parts if p["type"] != "text"],
                phone=draft.phone,
                status=INITIAL.value,
                created_at=now,
                updated_at=now,
                due_at=self.due_from(now),
            )
            session.add(case)
            await session.flush()
            consent_at = row.data.get("consent_at")
            record(
                session,
                case,
                Actor(client_id, "client"),
                "opened",
                now,
                consent_at=consent_at,
                entry_id=case.entry_id,
            )
            await session.delete(row)
            provider_id = entry.providers[0] if entry and entry.providers else None
            staff = await least_loaded_staff(session, provider_id) if provider_id else None
            if staff is not None:
                await self._assign(session, case, staff, SYSTEM, now)
            else:
                case.suggested_provider = provider_id
                record(session, case, SYSTEM, "queued", now, suggested=provider_id)
            opened = await view(session, case)
            # The client's confirmation goes through the outbox too: it is owed exactly once,
            # even if the bot stops right after this commit.
            await self.notify(session, client_id, NotificationKind.CASE_RECEIVED, opened, now)
            await self.notify_managers(session, NotificationKind.CASE_NEW, opened, now)
            return opened

    async def assign(self, actor: Actor, case_id: int, provider_id: str) -> CaseView:
        """Give the case to a provider (its least loaded staff member)."""
        require(actor, "manager")
        now = self.clock()
        if self.knowledge().provider(provider_id) is None:
            raise CaseError("not_found", provider_id)
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            if case.status not in OPEN:
                raise CaseError("bad_state", case.status)
            staff = await least_loaded_staff(session, provider_id)
            if staff is None:
                raise CaseError("bad_state", "the provider has no linked staff")
            previous = case.assignee_id
            if previous is not None and previous != staff.id:
                old = await session.get(StaffAccount, previous)
                if old is not None:
                    moved = await view(session, case)
                    kind = NotificationKind.CASE_MOVED_AWAY
                    await self.notify(session, old.telegram_id, kind, moved, now)
                    await end_reply_on(session, old.telegram_id, case.id)
            restart_clock(self, case, now)
            await self._assign(session, case, staff, actor, now)
            return await view(session, case)

    async def close(self, actor: Actor, case_id: int) -> CaseView:
        """Close the case for good (the manager's decision) and tell the client."""
        require(actor, "manager")
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            move(case, CaseStatus.CLOSED)
            case.closed_at = now
            record(session, case, actor, "closed", now)
            await end_conversations(session, case.id)
            closed = await view(session, case)
            if closed.client_telegram_id is not None:
                kind = NotificationKind.CASE_CLOSED
                await self.notify(session, closed.client_telegram_id, kind, closed, now)
            return closed

    async def return_to_oss(self, actor: Actor, case_id: int) -> CaseView:
        """The provider hands the case back to the OSS manager's queue."""
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            require_provider(actor, case)
            if case.status not in OPEN:
                raise CaseError("bad_state", case.status)
            move(case, CaseStatus.NEW)
            case.suggested_provider = case.provider_id = case.assignee_id = None
            restart_clock(self, case, now)
            record(session, case, actor, "returned", now, provider_id=actor.provider_id)
            await end_conversations(session, case.id)
            returned = await view(session, case)
            await self.notify_managers(
                session,
                NotificationKind.CASE_RETURNED,
                returned,
                now,
                by_provider=actor.provider_id,
            )
            return returned

    async def resolve(self, actor: Actor, case_id: int) -> CaseView:
        """The provider marks the case resolved; the client is asked whether it is."""
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            require_handler(actor, case)
            if case.status not in ANSWERABLE[actor.role]:
                raise CaseError("bad_state", case.status)
            move(case, CaseStatus.RESOLVED)
            case.resolved_at = now
            if case.followup_due_at is None:
                case.followup_due_at = now + self.followup_after
            record(session, case, actor, "resolved", now)
            await end_conversations(session, case.id)
            resolved = await view(session, case)
            if resolved.client_telegram_id is not None:
                await self.notify(
                    session,
                    resolved.client_telegram_id,
                    NotificationKind.ASK_SOLVED,
                    resolved,
                    now,
                    dedup=f"ask_solved:{case.id}:{now.isoformat()}",
                )
            return resolved

    async def confirm(self, actor: Actor, case_id: int, solved: bool) -> CaseView:
        """The client says whether the resolution solved their problem; 'no' reopens it."""
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            await require_client(session, actor, case)
            if case.status != CaseStatus.RESOLVED:
                raise CaseError("bad_state", case.status)
            if solved:
                record(session, case, actor, "confirmed", now)
                confirmed = await view(session, case)
                if case.rating is None:
                    await self.notify(
                        session,
                        actor.telegram_id,
                        NotificationKind.ASK_RATING,
                        confirmed,
                        now,
                        dedup=f"ask_rating:{case.id}",
                    )
                return confirmed
            move(case, CaseStatus.REOPENED if case.assignee_id else CaseStatus.NEW)
            case.resolved_at = None
            restart_clock(self, case, now)
            record(session, case, actor, "reopened", now)
            reopened = await view(session, case)
            recipients = set(self.manager_ids)
            if reopened.assignee_telegram_id is not None:
                recipients.add(reopened.assignee_telegram_id)
            for recipient in sorted(recipients):
                kind = NotificationKind.CASE_REOPENED
                await self.notify(session, recipient, kind, reopened, now)
            return reopened

    async def settle(self, actor: Actor, case_id: int, *, solved: bool) -> CaseView:
        """The client ends their own open question: solved, or withdrawn (no longer needed).

        The case is closed; whoever has it (the provider's staff member, else the managers)
        is told, and its cards lose their buttons."""
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            await require_client(session, actor, case)
            if case.status not in (*OPEN, CaseStatus.RESOLVED):
                raise CaseError("bad_state", case.status)
            move(case, CaseStatus.CLOSED)
            case.closed_at = now
            if solved and case.resolved_at is None:
                case.resolved_at = now
            record(session, case, actor, "settled" if solved else "dropped", now)
            await end_conversations(session, case.id)
            ended = await view(session, case)
            readers = (
                [ended.assignee_telegram_id]
                if ended.assignee_telegram_id is not None
                else sorted(self.manager_ids)
            )
            kind = NotificationKind.CASE_SOLVED if solved else NotificationKind.CASE_DROPPED
            for reader in readers:
                await self.notify(session, reader, kind, ended, now)
            return ended

    async def rate(self, actor: Actor, case_id: int, stars: int) -> CaseView:
        """Store the client's rating, once."""
        if stars not in RATINGS:
            raise CaseError("bad_state", "rating out of range")
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            await require_client(session, actor, case)
            if case.rating is not None or case.status not in RATEABLE:
                raise CaseError("bad_state", "already rated")
            case.rating = stars
            record(session, case, actor, "rated", now, stars=stars)
            return await view(session, case)

    async def _assign(
        self, session: AsyncSession, case: Case, staff: StaffAccount, actor: Actor, now: datetime
    ) -> None:
        """Give the case to a staff member; a new case becomes assigned, others keep theirs."""
        case.provider_id = staff.provider_id
        case.assignee_id = staff.id
        case.suggested_provider = None
        current = status_of(case)
        move(case, CaseStatus.ASSIGNED if current == CaseStatus.NEW else current)
        record(session, case, actor, "assigned", now, provider_id=staff.provider_id)
        assigned = await view(session, case)
        await self.notify(session, staff.telegram_id, NotificationKind.CASE_ASSIGNED, assigned, now)
        if not assigned.attachments:
            return
        lang = await language_of(session, staff.telegram_id, self.default_language)
        for attachment in assigned.attachments:
            payload = {"case_id": case.id, **attachment, "lang": lang}
            await outbox.enqueue(
                session, staff.telegram_id, NotificationKind.CASE_FILE, payload, now=now
            )
