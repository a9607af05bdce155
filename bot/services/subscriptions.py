"""Subscriptions: which of the OSS's news each client chose to get."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.knowledge import VALUE_CHAINS
from bot.models import Person, Subscription, utcnow

# The value chains, then jobs, business support, and trainings and fairs.
TOPICS: tuple[str, ...] = (*VALUE_CHAINS, "jobs", "business", "events")


class UnknownTopic(ValueError):
    """A news topic the bot does not offer."""


def _check(topic: str) -> None:
    if topic not in TOPICS:
        raise UnknownTopic(f"unknown news topic {topic!r}: one of {', '.join(TOPICS)}")


async def _person_id(session: AsyncSession, telegram_id: int) -> int | None:
    person_id = await session.scalar(select(Person.id).where(Person.telegram_id == telegram_id))
    return person_id


async def topics_of(db: Database, telegram_id: int) -> frozenset[str]:
    """Return the topics the person gets news on."""
    async with db.read() as session:
        rows = await session.scalars(
            select(Subscription.topic)
            .join(Person, Person.id == Subscription.person_id)
            .where(Person.telegram_id == telegram_id)
        )
        return frozenset(rows)


async def toggle(db: Database, telegram_id: int, topic: str) -> frozenset[str]:
    """Subscribe to the topic, or leave it when subscribed; return the person's topics."""
    _check(topic)
    async with db.write() as session:
        person_id = await _person_id(session, telegram_id)
        if person_id is None:
            return frozenset()
        row = await session.get(Subscription, (person_id, topic))
        if row is None:
            session.add(Subscription(person_id=person_id, topic=topic, created_at=utcnow()))
        else:
            await session.delete(row)
        await session.flush()
        rows = await session.scalars(
            select(Subscription.topic).where(Subscription.person_id == person_id)
        )
        return frozenset(rows)


async def leave(db: Database, telegram_id: int, topic: str | None) -> frozenset[str]:
    """Stop one topic's news (every topic when None); return the topics left."""
    if topic is not None:
        _check(topic)
    async with db.write() as session:
        person_id = await _person_id(session, telegram_id)
        if person_id is None:
            return frozenset()
        statement = delete(Subscription).where(Subscription.person_id == person_id)
        if topic is not None:
            statement = statement.where(Subscription.topic == topic)
        await session.execute(statement)
        rows = await session.scalars(
            select(Subscription.topic).where(Subscription.person_id == person_id)
        )
        return frozenset(rows)


async def subscribers_by_topic(db: Database) -> dict[str, int]:
    """Count the subscribers of each topic."""
    async with db.read() as session:
        rows = await session.execute(
            select(Subscription.topic, func.count()).group_by(Subscription.topic)
        )
        counts = {topic: int(n) for topic, n in rows.all()}
    return {topic: counts.get(topic, 0) for topic in TOPICS}
