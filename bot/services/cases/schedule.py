"""Time passing: reminders before deadlines, notices when they pass, the morning digest, and
the follow-up question to clients some days after a resolution (and its answer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Case
from bot.services import outbox
from bot.services.cases.errors import SYSTEM, Actor, CaseError
from bot.services.cases.queries import digest_of
from bot.services.cases.records import (
    CaseView,
    DeskBase,
    language_of,
    load_case,
    record,
    require_client,
    view,
)
from bot.services.cases.status import PROVIDERS_TURN
from bot.services.outbox import NotificationKind

FOLLOW_UP_ANSWERS = ("yes", "no", "waiting")
MAX_FOLLOW_UPS = 2


class Schedule(DeskBase):
    """The desk's periodic work, run by the bot's job queue (and its results)."""

    async def tick(self) -> dict[str, int]:
        """Remind providers before deadlines, tell managers when they pass, ask follow-ups."""
        now = self.clock()
        counts = {"reminded": 0, "overdue": 0, "followed_up": 0}
        async with self.db.write() as session:
            if not await _only_runner(session, "tick"):
                return counts  # another bot process is doing this very check right now
            due = await session.scalars(
                select(Case).where(Case.status.in_(PROVIDERS_TURN), Case.due_at.is_not(None))
            )
            for case in list(due):
                if await self._overdue(session, case, now):
                    counts["overdue"] += 1
                elif await self._remind(session, case, now):
                    counts["reminded"] += 1
            follow = await session.scalars(
                select(Case).where(
                    Case.followup_due_at.is_not(None),
                    Case.followup_due_at <= now,
                    Case.followup_count < MAX_FOLLOW_UPS,
                    Case.person_id.is_not(None),
                )
            )
            for case in list(follow):
                counts["followed_up"] += await self._follow_up(session, case, now)
        return counts

    async def _overdue(self, session: AsyncSession, case: Case, now: datetime) -> bool:
        """Tell the managers once that the case's deadline passed."""
        assert case.due_at is not None
        if case.overdue_at is not None or case.due_at > now:
            return False
        case.overdue_at = now
        record(session, case, SYSTEM, "overdue", now)
        late = await view(session, case)
        for manager in sorted(self.manager_ids):
            dedup = f"overdue:{case.id}:{case.due_at.isoformat()}:{manager}"
            await self.notify(session, manager, NotificationKind.OVERDUE, late, now, dedup=dedup)
        return True

    async def _remind(self, session: AsyncSession, case: Case, now: datetime) -> bool:
        """Remind the assignee once, shortly before the deadline."""
        assert case.due_at is not None
        if (
            case.reminded_at is not None
            or case.assignee_id is None
            or not case.due_at - self.remind_before <= now < case.due_at
        ):
            return False
        case.reminded_at = now
        soon = await view(session, case)
        if soon.assignee_telegram_id is None:
            return False
        dedup = f"remind:{case.id}:{case.due_at.isoformat()}"
        await self.notify(
            session, soon.assignee_telegram_id, NotificationKind.REMINDER, soon, now, dedup=dedup
        )
        return True

    async def _follow_up(self, session: AsyncSession, case: Case, now: datetime) -> int:
        """Ask the client whether they got the service; return 1 if asked."""
        case.followup_count += 1
        case.followup_due_at = None
        asked = await view(session, case)
        if asked.client_telegram_id is None:
            return 0
        dedup = f"follow_up:{case.id}:{case.followup_count}"
        await self.notify(
            session, asked.client_telegram_id, NotificationKind.FOLLOW_UP, asked, now, dedup=dedup
        )
        return 1

    async def follow_up_answer(self, actor: Actor, case_id: int, answer: str) -> CaseView:
        """Store whether the client actually got the service; 'no' goes back to the manager."""
        if answer not in FOLLOW_UP_ANSWERS:
            raise CaseError("bad_state", answer)
        now = self.clock()
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            await require_client(session, actor, case)
            if case.followup_count == 0:
                raise CaseError("bad_state", "no follow-up was asked")
            case.outcome = answer
            record(session, case, actor, "follow_up", now, answer=answer)
            if answer == "waiting" and case.followup_count < MAX_FOLLOW_UPS:
                case.followup_due_at = now + self.followup_after
            answered = await view(session, case)
            if answer == "no":
                await self.notify_managers(session, NotificationKind.FOLLOW_UP_NO, answered, now)
            return answered

    async def send_digest(self) -> int:
        """Queue the morning digest for each manager once a day; return how many were queued."""
        now = self.clock()
        local = now.astimezone(self.hours.tz)
        if not self.hours.is_workday(now):
            return 0
        summary = await digest_of(self.db, now)
        payload = {
            "new": summary.new, "open": summary.open, "overdue": summary.overdue,
            "by_provider": [list(row) for row in summary.by_provider],
        }  # fmt: skip
        async with self.db.write() as session:
            for manager in sorted(self.manager_ids):
                lang = await language_of(session, manager, self.default_language)
                await outbox.enqueue(
                    session,
                    manager,
                    NotificationKind.DIGEST,
                    {**payload, "lang": lang},
                    dedup_key=f"digest:{local.date().isoformat()}:{manager}",
                    now=now,
                )
        return len(self.manager_ids)


async def _only_runner(session: AsyncSession, job: str) -> bool:
    """Take a transaction-long lock for a periodic job; False if another process holds it.

    On SQLite the write transaction (BEGIN IMMEDIATE) already serialises the job.
    """
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return True
    taken = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:job))"), {"job": f"oss-bot:{job}"}
    )
    return bool(taken)
