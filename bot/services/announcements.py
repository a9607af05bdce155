"""Announcements: the OSS manager's news to a segment of the clients who asked for news.

The manager writes the text (the step is kept in the `conversations` table), chooses the
segment on a draft, and confirms. Confirming writes one delivery row per recipient in the same
transaction, so the list of recipients is fixed once and a restart cannot add anyone twice.

Each delivery is claimed like the outbox, then moved to `sending` in its own committed write
*before* the request goes to Telegram, and marked with the result after it. What happens to
each kind of result:

- sent, 403 (blocked: the person is marked and skipped in later announcements), 400 (failed);
- 429 (Telegram refused it): back to pending after `retry_after`; nothing was sent;
- an error that shows the request never left (no connection): back to pending, a few times;
- anything else (a timeout, a reset connection, a 5xx, or a process that died while a row
  was `sending`): the message may or may not have arrived. Such a row becomes `unknown` and
  is **not** sent again on its own: a second copy is worse than a missing one for an
  announcement, and Telegram gives no way to ask whether a message arrived. The summary
  counts these, and the manager may choose to send them again (`retry_unknown`), knowing that
  some of those people may then get it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.knowledge import AUDIENCES, LANGS, VALUE_CHAINS
from bot.models import (
    Announcement,
    AnnouncementDelivery,
    Conversation,
    Person,
    Subscription,
    UTCDateTime,
)
from bot.services import outbox
from bot.services.safetext import clean_text
from bot.services.subscriptions import TOPICS

CONVERSATION = "announce"
MAX_TEXT = 3500
CLAIM_FOR = timedelta(seconds=60)
# Longer than any one request may take, the rate limiter's own waiting and retries included.
IN_FLIGHT_FOR = timedelta(minutes=5)
MAX_ATTEMPTS = 6
FIELDS: dict[str, tuple[str, ...]] = {
    "audience": AUDIENCES,
    "value_chain": VALUE_CHAINS,
    "language": LANGS,
    "topic": TOPICS,
}
DONE = ("sent", "blocked", "failed", "unknown")


class AnnouncementError(Exception):
    """An action that cannot be done: `code` is not_found, bad_state or bad_value."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Segment:
    """Who gets an announcement; None means any. Everyone must want news (of `topic`)."""

    audience: str | None = None
    value_chain: str | None = None
    language: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Tally:
    """How the deliveries of an announcement stand."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.done

    @property
    def done(self) -> int:
        """Return how many deliveries have an outcome (sent or not)."""
        return self.sent + self.blocked + self.failed + self.unknown


@dataclass(frozen=True)
class AnnouncementView:
    """An announcement as the manager sees it."""

    id: int
    status: str
    text: str
    segment: Segment
    recipients: int
    created_by: int
    creator_language: str | None
    progress_chat_id: int | None
    progress_message_id: int | None
    tally: Tally


@dataclass(frozen=True)
class Recipient:
    """One claimed delivery: whom to send which announcement, in which language."""

    delivery_id: int
    announcement_id: int
    chat_id: int
    language: str
    topic: str | None
    text: str


# ---- writing one ---------------------------------------------------------------------------


async def begin_writing(db: Database, manager_id: int, *, now: datetime) -> None:
    """Wait for the manager's next message: it becomes the announcement's text."""
    async with db.write() as session:
        row = await session.get(Conversation, manager_id)
        if row is None:
            row = Conversation(telegram_id=manager_id)
            session.add(row)
        row.kind, row.case_id, row.data, row.updated_at = CONVERSATION, None, {}, now


async def is_writing(db: Database, manager_id: int) -> bool:
    """Tell whether the manager's next message is an announcement's text."""
    async with db.read() as session:
        row = await session.get(Conversation, manager_id)
        return row is not None and row.kind == CONVERSATION


async def write_text(
    db: Database, manager_id: int, text: str, *, segment: Segment, now: datetime
) -> AnnouncementView:
    """Turn the manager's message into a draft announcement for `segment`."""
    text = clean_text(text).strip()
    if not text:
        raise AnnouncementError("bad_value", "empty text")
    if len(text) > MAX_TEXT:
        raise AnnouncementError("bad_value", "too long")
    async with db.write() as session:
        row = await session.get(Conversation, manager_id)
        if row is None or row.kind != CONVERSATION:
            raise AnnouncementError("bad_state", "not writing an announcement")
        await session.delete(row)
        announcement = Announcement(
            created_by=manager_id,
            text=text,
            status="draft",
            created_at=now,
            **_segment_values(segment),
        )
        session.add(announcement)
        await session.flush()
        return await _view(session, announcement)


async def set_segment(
    db: Database, announcement_id: int, field: str, value: str | None
) -> AnnouncementView:
    """Narrow or widen a draft's segment: one field to one value, or None for any."""
    if field not in FIELDS or (value is not None and value not in FIELDS[field]):
        raise AnnouncementError("bad_value", f"{field}={value}")
    async with db.write() as session:
        announcement = await _draft(session, announcement_id)
        setattr(announcement, field, value)
        if field == "value_chain" and value is not None:
            announcement.audience = "farmer"
        if field == "audience" and value != "farmer":
            announcement.value_chain = None
        await session.flush()
        return await _view(session, announcement)


async def cancel(db: Database, announcement_id: int) -> AnnouncementView:
    """Throw a draft away."""
    async with db.write() as session:
        announcement = await _draft(session, announcement_id)
        announcement.status = "cancelled"
        return await _view(session, announcement)


async def get(db: Database, announcement_id: int) -> AnnouncementView:
    """Return an announcement with its recipients counted (drafts) or its tally."""
    async with db.read() as session:
        announcement = await session.get(Announcement, announcement_id)
        if announcement is None:
            raise AnnouncementError("not_found", str(announcement_id))
        return await _view(session, announcement)


async def start(
    db: Database,
    announcement_id: int,
    *,
    progress: tuple[int, int] | None,
    now: datetime,
) -> AnnouncementView:
    """Fix the recipients (one delivery row each) and let the sender begin."""
    async with db.write() as session:
        announcement = await _draft(session, announcement_id)
        segment = _segment_of(announcement)
        people = _recipients(segment).with_only_columns(
            literal(announcement.id),
            Person.id,
            literal("pending"),
            literal(0),
            literal(now, UTCDateTime()),
        )
        await session.execute(
            insert(AnnouncementDelivery).from_select(
                ["announcement_id", "person_id", "status", "attempts", "next_attempt_at"],
                people,
            )
        )
        count = await session.scalar(
            select(func.count()).where(AnnouncementDelivery.announcement_id == announcement.id)
        )
        announcement.recipients = int(count or 0)
        announcement.status = "sending"
        announcement.started_at = now
        if progress is not None:
            announcement.progress_chat_id, announcement.progress_message_id = progress
        await session.flush()
        return await _view(session, announcement)


# ---- sending -------------------------------------------------------------------------------


async def claim(db: Database, *, now: datetime, limit: int = 50) -> list[Recipient]:
    """Claim due deliveries of the announcements being sent, oldest first."""
    async with db.write() as session:
        # A request that was in flight when its process stopped: the outcome is unknown.
        await session.execute(
            update(AnnouncementDelivery)
            .where(
                AnnouncementDelivery.status == "sending",
                AnnouncementDelivery.claimed_until < now,
            )
            .values(status="unknown", claimed_until=None, error="no answer: the sender stopped")
        )
        query = (
            select(AnnouncementDelivery, Person.telegram_id, Person.language)
            .join(Person, Person.id == AnnouncementDelivery.person_id)
            .join(Announcement, Announcement.id == AnnouncementDelivery.announcement_id)
            .where(
                Announcement.status == "sending",
                AnnouncementDelivery.status == "pending",
                AnnouncementDelivery.next_attempt_at <= now,
                or_(
                    AnnouncementDelivery.claimed_until.is_(None),
                    AnnouncementDelivery.claimed_until < now,
                ),
            )
            .order_by(AnnouncementDelivery.announcement_id, AnnouncementDelivery.id)
            .limit(limit)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=AnnouncementDelivery)
        rows = (await session.execute(query)).all()
        texts: dict[int, tuple[str, str | None]] = {}
        claimed = []
        for delivery, telegram_id, language in rows:
            delivery.claimed_until = now + CLAIM_FOR
            if delivery.announcement_id not in texts:
                announcement = await session.get(Announcement, delivery.announcement_id)
                assert announcement is not None
                texts[announcement.id] = (announcement.text, announcement.topic)
            text, topic = texts[delivery.announcement_id]
            claimed.append(
                Recipient(
                    delivery.id,
                    delivery.announcement_id,
                    int(telegram_id),
                    language or "kk",
                    topic,
                    text,
                )
            )
        await session.flush()
        return claimed


async def begin_send(db: Database, delivery_id: int, *, now: datetime) -> bool:
    """Record that the request is about to leave; False if someone else took the row."""
    async with db.write() as session:
        result = await session.execute(
            update(AnnouncementDelivery)
            .where(AnnouncementDelivery.id == delivery_id, AnnouncementDelivery.status == "pending")
            .values(
                status="sending",
                attempts=AnnouncementDelivery.attempts + 1,
                claimed_until=now + IN_FLIGHT_FOR,
            )
        )
        return bool(getattr(result, "rowcount", 0) == 1)


async def mark_sent(db: Database, delivery_id: int, *, message_id: int, now: datetime) -> None:
    """Telegram accepted the message."""
    await _mark(db, delivery_id, status="sent", sent_at=now, telegram_message_id=message_id)


async def mark_blocked(db: Database, delivery_id: int, *, error: str, now: datetime) -> None:
    """The person blocked the bot (403): mark them so later announcements skip them."""
    async with db.write() as session:
        person_id = await session.scalar(
            select(AnnouncementDelivery.person_id).where(AnnouncementDelivery.id == delivery_id)
        )
        person = await session.get(Person, person_id) if person_id is not None else None
        if person is not None:
            _block(person, now)
        await _mark_in(session, delivery_id, status="blocked", error=error[:200])


async def mark_failed(db: Database, delivery_id: int, *, error: str) -> None:
    """Telegram refused the message for good (400), or it never left after many tries."""
    await _mark(db, delivery_id, status="failed", error=error[:200])


async def mark_unknown(db: Database, delivery_id: int, *, error: str) -> None:
    """The request may or may not have reached Telegram: never send it again on its own."""
    await _mark(db, delivery_id, status="unknown", error=error[:200])


async def mark_retry(db: Database, delivery_id: int, *, error: str, retry_at: datetime) -> bool:
    """Nothing was sent (429, or no connection): try again later; False when given up."""
    async with db.write() as session:
        attempts = await session.scalar(
            select(AnnouncementDelivery.attempts).where(AnnouncementDelivery.id == delivery_id)
        )
        if attempts is not None and attempts >= MAX_ATTEMPTS:
            await _mark_in(session, delivery_id, status="failed", error=error[:200])
            return False
        await _mark_in(
            session, delivery_id, status="pending", next_attempt_at=retry_at, error=error[:200]
        )
        return True


async def next_due(db: Database) -> datetime | None:
    """Return when the next waiting delivery of an announcement being sent is due.

    A row another sender has claimed is due when that claim runs out.
    """
    due = case(
        (
            AnnouncementDelivery.claimed_until > AnnouncementDelivery.next_attempt_at,
            AnnouncementDelivery.claimed_until,
        ),
        else_=AnnouncementDelivery.next_attempt_at,
    )
    async with db.read() as session:
        due_at: datetime | None = await session.scalar(
            select(func.min(due))
            .join(Announcement, Announcement.id == AnnouncementDelivery.announcement_id)
            .where(Announcement.status == "sending", AnnouncementDelivery.status == "pending")
        )
    return due_at


async def in_progress(db: Database) -> list[AnnouncementView]:
    """Return the announcements being sent."""
    async with db.read() as session:
        rows = await session.scalars(
            select(Announcement).where(Announcement.status == "sending").order_by(Announcement.id)
        )
        return [await _view(session, row) for row in list(rows)]


async def finish_if_done(
    db: Database, announcement_id: int, *, default_language: str, now: datetime
) -> AnnouncementView | None:
    """Close an announcement whose deliveries all have an outcome; queue the summary once."""
    async with db.write() as session:
        query = select(Announcement).where(Announcement.id == announcement_id)
        if not db.is_sqlite:
            query = query.with_for_update()
        announcement = await session.scalar(query)
        if announcement is None or announcement.status != "sending":
            return None
        tally = await _tally(session, announcement.id)
        if tally.pending or tally.sending:
            return None
        announcement.status = "done"
        announcement.finished_at = now
        view = await _view(session, announcement)
        await outbox.enqueue(
            session,
            announcement.created_by,
            outbox.NotificationKind.ANNOUNCE_DONE,
            {
                "announcement_id": announcement.id,
                "lang": view.creator_language or default_language,
                **_tally_payload(tally),
            },
            dedup_key=f"announce_done:{announcement.id}:{now.isoformat()}",
            now=now,
        )
        return view


async def retry_unknown(db: Database, announcement_id: int, *, now: datetime) -> int:
    """The manager's choice: send again to those whose delivery is unknown; return how many."""
    async with db.write() as session:
        announcement = await session.get(Announcement, announcement_id)
        if announcement is None or announcement.status not in ("sending", "done"):
            raise AnnouncementError("not_found", str(announcement_id))
        result = await session.execute(
            update(AnnouncementDelivery)
            .where(
                AnnouncementDelivery.announcement_id == announcement_id,
                AnnouncementDelivery.status == "unknown",
            )
            .values(status="pending", next_attempt_at=now, claimed_until=None, attempts=0)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            announcement.status = "sending"
            announcement.finished_at = None
        return count


async def set_blocked(db: Database, telegram_id: int, *, blocked: bool, now: datetime) -> None:
    """Record that the person blocked the bot, or came back (Telegram's my_chat_member)."""
    async with db.write() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        if person is None:
            return
        if blocked:
            _block(person, now)
        else:
            person.blocked_at = None


async def topic_of(db: Database, announcement_id: int) -> tuple[bool, str | None]:
    """Return whether the announcement exists, and the news topic it was sent for."""
    async with db.read() as session:
        announcement = await session.get(Announcement, announcement_id)
        if announcement is None:
            return False, None
        return True, announcement.topic


# ---- inside --------------------------------------------------------------------------------


def _block(person: Person, now: datetime) -> None:
    """Mark the person blocked until they are seen again (`last_seen` moves past the mark)."""
    person.blocked_at = max(now, person.last_seen)


def _segment_values(segment: Segment) -> dict[str, str | None]:
    return {
        "audience": segment.audience,
        "value_chain": segment.value_chain,
        "language": segment.language,
        "topic": segment.topic,
    }


def _segment_of(announcement: Announcement) -> Segment:
    return Segment(
        announcement.audience, announcement.value_chain, announcement.language, announcement.topic
    )


def _recipients(segment: Segment) -> Any:
    """Select the people in a segment who want news and have not blocked the bot."""
    wants = select(Subscription.person_id).where(Subscription.person_id == Person.id)
    if segment.topic is not None:
        wants = wants.where(Subscription.topic == segment.topic)
    query = select(Person.id).where(
        exists(wants),
        Person.telegram_id > 0,  # an erased person (/forget) keeps only a negative number
        or_(Person.blocked_at.is_(None), Person.blocked_at < Person.last_seen),  # came back
    )
    if segment.audience is not None:
        query = query.where(Person.audience == segment.audience)
    if segment.value_chain is not None:
        query = query.where(Person.value_chain == segment.value_chain)
    if segment.language is not None:
        query = query.where(Person.language == segment.language)
    return query.order_by(Person.id)


async def _draft(session: AsyncSession, announcement_id: int) -> Announcement:
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None:
        raise AnnouncementError("not_found", str(announcement_id))
    if announcement.status != "draft":
        raise AnnouncementError("bad_state", announcement.status)
    return announcement


async def _tally(session: AsyncSession, announcement_id: int) -> Tally:
    rows = await session.execute(
        select(AnnouncementDelivery.status, func.count())
        .where(AnnouncementDelivery.announcement_id == announcement_id)
        .group_by(AnnouncementDelivery.status)
    )
    counts = {status: int(n) for status, n in rows.all()}
    return Tally(**{k: counts.get(k, 0) for k in Tally.__dataclass_fields__})


def _tally_payload(tally: Tally) -> dict[str, int]:
    return {k: getattr(tally, k) for k in Tally.__dataclass_fields__}


async def _view(session: AsyncSession, announcement: Announcement) -> AnnouncementView:
    segment = _segment_of(announcement)
    if announcement.status == "draft":
        count = await session.scalar(
            select(func.count()).select_from(_recipients(segment).subquery())
        )
        tally = Tally()
        recipients = int(count or 0)
    else:
        tally = await _tally(session, announcement.id)
        recipients = announcement.recipients
    return AnnouncementView(
        id=announcement.id,
        status=announcement.status,
        text=announcement.text,
        segment=segment,
        recipients=recipients,
        created_by=announcement.created_by,
        creator_language=await session.scalar(
            select(Person.language).where(Person.telegram_id == announcement.created_by)
        ),
        progress_chat_id=announcement.progress_chat_id,
        progress_message_id=announcement.progress_message_id,
        tally=tally,
    )


async def _mark(db: Database, delivery_id: int, **values: Any) -> None:
    async with db.write() as session:
        await _mark_in(session, delivery_id, **values)


async def _mark_in(session: AsyncSession, delivery_id: int, **values: Any) -> None:
    await session.execute(
        update(AnnouncementDelivery)
        .where(AnnouncementDelivery.id == delivery_id)
        .values(claimed_until=None, **values)
    )
