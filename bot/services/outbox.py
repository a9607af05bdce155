"""The outbox: notifications written with the change that causes them, delivered later.

A service adds a notification in the same transaction as the change; the delivery worker
claims due rows (skipping rows another worker holds), sends them, and marks them sent, or
schedules a retry. One chat's notifications go out in the order they were written.

`enqueue` is the one function here that takes a session: it joins the transaction of the
service that makes the change, which is the point of an outbox. Everything else owns its
transaction and takes the `Database`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db import Database
from bot.models import OutboxMessage

CLAIM_FOR = timedelta(seconds=60)


class NotificationKind(StrEnum):
    """What a notification tells its reader; each kind has one renderer in `handlers.notify`.

    The values are stored in the outbox: rename a member freely, never its value.
    """

    CASE_RECEIVED = "case_received"  # to the client: their question was sent
    CASE_NEW = "case_new"  # to the managers: a new case
    CASE_ASSIGNED = "case_assigned"  # to a staff member: a case for you
    CASE_FILE = "case_file"  # to a staff member: one file of the case
    CASE_MOVED_AWAY = "case_moved_away"  # to a staff member: the case went to another provider
    STAFF_LINKED = "staff_linked"  # to the managers: a staff account was linked
    PROVIDER_MESSAGE = "provider_message"  # to the client: the answer
    CLIENT_MESSAGE = "client_message"  # to the staff member or managers: the client writes
    CASE_RETURNED = "case_returned"  # to the managers: a provider returned the case
    ASK_SOLVED = "ask_solved"  # to the client: resolved, did it solve your problem?
    ASK_RATING = "ask_rating"  # to the client: how would you rate the help?
    CASE_REOPENED = "case_reopened"  # to the staff member and managers: not solved after all
    CASE_CLOSED = "case_closed"  # to the client: the OSS closed the case
    REMINDER = "reminder"  # to the staff member: the deadline is near
    OVERDUE = "overdue"  # to the managers: the deadline passed
    FOLLOW_UP = "follow_up"  # to the client: did you get the service?
    FOLLOW_UP_NO = "follow_up_no"  # to the managers: the client did not get it
    CASE_WITHDRAWN = "case_withdrawn"  # to the staff member and managers: the client erased data
    CASE_SOLVED = "case_solved"  # to whoever has it: the client says it is solved, case closed
    CASE_DROPPED = "case_dropped"  # to whoever has it: the client withdrew the question
    DIGEST = "digest"  # to the managers: the morning summary
    ANNOUNCE_DONE = "announce_done"  # to the announcement's author: it was sent


@dataclass(frozen=True)
class Notification:
    """One message to deliver: to whom, what kind, and the values to render it with."""

    id: int
    chat_id: int
    kind: str  # a NotificationKind's value, unless written by another version of the bot
    payload: dict[str, Any]
    attempts: int


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    kind: NotificationKind,
    payload: dict[str, Any],
    *,
    dedup_key: str | None = None,
    now: datetime,
) -> None:
    """Add a notification; a second one with the same `dedup_key` is silently dropped."""
    values = {
        "chat_id": chat_id,
        "kind": kind.value,
        "payload": payload,
        "dedup_key": dedup_key,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
        "case_id": payload.get("case_id") if isinstance(payload.get("case_id"), int) else None,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(**values)
    if dedup_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedup_key"])
    await session.execute(statement)


async def claim_due(
    db: Database, *, now: datetime, limit: int = 20, chat_id: int | None = None
) -> list[Notification]:
    """Claim up to `limit` due notifications, the oldest unsent one of each chat only."""
    earlier = aliased(OutboxMessage)
    pending = and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    blocked_by_earlier = exists().where(
        earlier.chat_id == OutboxMessage.chat_id,
        earlier.id < OutboxMessage.id,
        earlier.sent_at.is_(None),
        earlier.failed_at.is_(None),
    )
    query = (
        select(OutboxMessage)
        .where(
            pending,
            OutboxMessage.next_attempt_at <= now,
            (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
            ~blocked_by_earlier,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    async with db.write() as session:
        rows = list(await session.scalars(query))
        for row in rows:
            row.claimed_until = now + CLAIM_FOR
        await session.flush()
        return [Notification(r.id, r.chat_id, r.kind, dict(r.payload), r.attempts) for r in rows]


async def release_claims(db: Database) -> int:
    """Free rows claimed by a worker that died (call only when no other worker can be alive)."""
    async with db.write() as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_until.is_not(None), OutboxMessage.sent_at.is_(None))
            .values(claimed_until=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)  # an UPDATE's result counts its rows


async def mark_sent(
    db: Database, notification_id: int, *, message_id: int | None, now: datetime
) -> None:
    """Record that the notification reached Telegram."""
    await _update(
        db,
        notification_id,
        sent_at=now,
        telegram_message_id=message_id,
        claimed_until=None,
        last_error=None,
    )


async def mark_retry(db: Database, notification_id: int, *, error: str, retry_at: datetime) -> None:
    """Schedule another attempt."""
    await _update(
        db,
        notification_id,
        attempts=OutboxMessage.attempts + 1,
        next_attempt_at=retry_at,
        claimed_until=None,
        last_error=error[:500],
    )


async def mark_failed(db: Database, notification_id: int, *, error: str, now: datetime) -> None:
    """Give up on a notification that can never be delivered (the person blocked the bot)."""
    await _update(
        db,
        notification_id,
        attempts=OutboxMessage.attempts + 1,
        failed_at=now,
        claimed_until=None,
        last_error=error[:500],
    )


async def _update(db: Database, notification_id: int, **values: Any) -> None:
    async with db.write() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == notification_id).values(**values)
        )


async def case_of_message(db: Database, chat_id: int, message_id: int) -> int | None:
    """Return the case a delivered notification belonged to, for native replies."""
    async with db.read() as session:
        return await session.scalar(
            select(OutboxMessage.case_id).where(
                OutboxMessage.chat_id == chat_id, OutboxMessage.telegram_message_id == message_id
            )
        )


# The notifications whose message carries a case's action buttons (to staff and managers).
CARD_KINDS = (
    NotificationKind.CASE_NEW, NotificationKind.CASE_ASSIGNED, NotificationKind.CLIENT_MESSAGE,
    NotificationKind.CASE_RETURNED, NotificationKind.CASE_REOPENED, NotificationKind.REMINDER,
    NotificationKind.OVERDUE, NotificationKind.FOLLOW_UP_NO,
)  # fmt: skip


async def sent_cards(db: Database, case_id: int) -> list[tuple[int, int]]:
    """The (chat, message) of each delivered card of a case that carries action buttons."""
    async with db.read() as session:
        rows = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.telegram_message_id)
            .where(OutboxMessage.case_id == case_id)
            .where(OutboxMessage.kind.in_([str(kind) for kind in CARD_KINDS]))
            .where(OutboxMessage.telegram_message_id.is_not(None))
            .order_by(OutboxMessage.id)
        )
        return [(int(chat), int(message)) for chat, message in rows.all() if message is not None]


async def pending_count(db: Database) -> int:
    """Return how many notifications still wait to be delivered."""
    async with db.read() as session:
        count = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
            )
        )
        return int(count or 0)
