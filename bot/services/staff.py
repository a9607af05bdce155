"""Provider staff: the Telegram accounts that answer a provider's cases (linked by the CLI).

Invites sent from Telegram are accepted by the case desk (`bot.services.cases.staffing`).

A staff account that is unlinked, moved to another provider, or erased gives up its open cases
at once: each goes to the least loaded of the provider's other staff, or back to the OSS
manager's queue when there is none, with a case event and a notification. So nobody keeps
receiving a client's messages on a case their provider no longer gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.models import Case, Conversation, StaffAccount, utcnow
from bot.services import outbox
from bot.services.outbox import NotificationKind


@dataclass(frozen=True)
class Released:
    """Where the open cases of a staff account that left went."""

    to_staff: tuple[tuple[int, int], ...] = ()  # (case id, Telegram id of the staff member)
    to_manager: tuple[int, ...] = ()  # case ids now in the OSS manager's queue


async def link_account(
    db: Database,
    provider_id: str,
    telegram_id: int,
    display_name: str | None = None,
    *,
    manager_ids: frozenset[int] = frozenset(),
    default_language: str = "kk",
) -> Released:
    """Link a Telegram account to a provider; an account serves one provider at a time, so
    one moved from another provider gives up its open cases there."""
    async with db.write() as session:
        row = await session.scalar(
            select(StaffAccount).where(StaffAccount.telegram_id == telegram_id)
        )
        released = Released()
        if row is None:
            row = StaffAccount(telegram_id=telegram_id, provider_id=provider_id)
            session.add(row)
        elif row.provider_id != provider_id:
            old_provider = row.provider_id
            row.provider_id = provider_id
            await session.flush()
            released = await release_cases(
                session, row, old_provider, reason="moved", manager_ids=manager_ids,
                default_language=default_language,
            )  # fmt: skip
        row.provider_id = provider_id
        row.active = True
        row.linked_at = utcnow()
        if display_name:
            row.display_name = display_name
        return released


async def unlink_account(
    db: Database, telegram_id: int, *, manager_ids: frozenset[int], default_language: str
) -> Released | None:
    """Deactivate a staff account and hand on its open cases; None if it is not linked."""
    async with db.write() as session:
        row = await session.scalar(
            select(StaffAccount).where(StaffAccount.telegram_id == telegram_id, StaffAccount.active)
        )
        if row is None:
            return None
        row.active = False
        await session.flush()
        return await release_cases(
            session, row, row.provider_id, reason="unlinked", manager_ids=manager_ids,
            default_language=default_language,
        )  # fmt: skip


async def linked_accounts(db: Database) -> dict[str, list[int]]:
    """Return the active Telegram accounts of each provider."""
    async with db.read() as session:
        rows = await session.scalars(
            select(StaffAccount).where(StaffAccount.active).order_by(StaffAccount.id)
        )
        linked: dict[str, list[int]] = {}
        for row in rows:
            linked.setdefault(row.provider_id, []).append(row.telegram_id)
        return linked


async def release_cases(
    session: AsyncSession,
    staff: StaffAccount,
    provider_id: str,
    *,
    reason: str,
    manager_ids: frozenset[int],
    default_language: str,
    now: datetime | None = None,
) -> Released:
    """Hand on the open cases `staff` held for `provider_id` (they no longer answer them),
    in the caller's transaction."""
    from bot.services.cases.errors import Actor
    from bot.services.cases.records import language_of, least_loaded_staff, record, view
    from bot.services.cases.status import OPEN, CaseStatus, move

    now = now or utcnow()
    system = Actor(telegram_id=0, role="system")
    cases = await session.scalars(
        select(Case).where(Case.assignee_id == staff.id, Case.status.in_(OPEN)).order_by(Case.id)
    )
    to_staff: list[tuple[int, int]] = []
    to_manager: list[int] = []
    for case in list(cases):
        other = await least_loaded_staff(session, provider_id)
        if other is not None and other.id != staff.id:
            case.assignee_id = other.id
            record(session, case, system, "assigned", now, provider_id=provider_id,
                   from_staff=staff.id, reason=reason)  # fmt: skip
            await session.flush()
            handed = await view(session, case)
            lang = await language_of(session, other.telegram_id, default_language)
            payload = {**handed.snapshot(), "lang": lang}
            await outbox.enqueue(
                session, other.telegram_id, NotificationKind.CASE_ASSIGNED, payload, now=now
            )
            for attachment in handed.attachments:
                file = {"case_id": case.id, **attachment, "lang": lang}
                await outbox.enqueue(
                    session, other.telegram_id, NotificationKind.CASE_FILE, file, now=now
                )
            to_staff.append((case.id, other.telegram_id))
            continue
        move(case, CaseStatus.NEW)
        case.provider_id = case.assignee_id = case.suggested_provider = None
        case.reminded_at = case.overdue_at = None
        record(session, case, system, "returned", now, provider_id=provider_id,
               from_staff=staff.id, reason=reason)  # fmt: skip
        await session.flush()
        returned = await view(session, case)
        for manager in sorted(manager_ids):
            lang = await language_of(session, manager, default_language)
            payload = {**returned.snapshot(), "lang": lang, "by_provider": provider_id}
            await outbox.enqueue(session, manager, NotificationKind.CASE_RETURNED, payload, now=now)
        to_manager.append(case.id)
    # A reply they were writing on one of those cases ends too (a draft of their own stays).
    await session.execute(
        delete(Conversation).where(
            Conversation.telegram_id == staff.telegram_id, Conversation.kind != "draft"
        )
    )
    return Released(tuple(to_staff), tuple(to_manager))
