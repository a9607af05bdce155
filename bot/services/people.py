"""People: the profile a client chose to give, and their language.

Like every service, these functions own their transaction: they take the `Database` and plain
values and return a plain `Profile`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.models import Person, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    """What the bot knows about a person."""

    telegram_id: int
    language: str | None
    audience: str | None
    value_chain: str | None
    source: str | None
    consent_at: datetime | None
    first_seen: datetime

    @classmethod
    def from_row(cls, row: Person) -> Profile:
        """Copy a database row into a plain profile."""
        return cls(
            telegram_id=row.telegram_id,
            language=row.language,
            audience=row.audience,
            value_chain=row.value_chain,
            source=row.source,
            consent_at=row.consent_at,
            first_seen=row.first_seen,
        )


async def get_profile(db: Database, telegram_id: int) -> Profile | None:
    """Return the person's profile, or None for someone the bot has not met."""
    async with db.read() as session:
        row = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        return None if row is None else Profile.from_row(row)


async def _get_or_create(session: AsyncSession, telegram_id: int) -> Person:
    row = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if row is None:
        row = Person(telegram_id=telegram_id)
        session.add(row)
        log.info("first contact with Telegram user %s", telegram_id)
    return row


async def record_visit(
    db: Database, telegram_id: int, *, source: str | None = None, language: str | None = None
) -> tuple[Profile, bool]:
    """Create the person on first contact; remember the first place they came from.

    A person who has no language yet gets `language`. Return the profile, and whether the
    language was set just now (their first choice, as Telegram's app language suggested it).
    """
    async with db.write() as session:
        row = await _get_or_create(session, telegram_id)
        row.last_seen = utcnow()
        if source and not row.source:
            row.source = source
        first_language = row.language is None and language is not None
        if first_language:
            row.language = language
        await session.flush()
        return Profile.from_row(row), first_language


async def set_language(db: Database, telegram_id: int, language: str) -> Profile:
    """Store the person's chosen language."""
    async with db.write() as session:
        row = await _get_or_create(session, telegram_id)
        row.language = language
        row.last_seen = utcnow()
        await session.flush()
        return Profile.from_row(row)


async def set_audience(db: Database, telegram_id: int, audience: str) -> Profile:
    """Store who the person is; only farmers keep a value chain."""
    async with db.write() as session:
        row = await _get_or_create(session, telegram_id)
        row.audience = audience
        if audience != "farmer":
            row.value_chain = None
        await session.flush()
        return Profile.from_row(row)


async def set_value_chain(db: Database, telegram_id: int, value_chain: str | None) -> Profile:
    """Store the farmer's value chain (None for another one)."""
    async with db.write() as session:
        row = await _get_or_create(session, telegram_id)
        row.audience = "farmer"
        row.value_chain = value_chain
        await session.flush()
        return Profile.from_row(row)
