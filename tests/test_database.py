"""The database: migrations, aware timestamps, and write transactions that do not collide."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import inspect, select

from bot.db import Database
from bot.models import Person
from bot.services import people


async def test_migrations_create_every_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"people", "staff_accounts", "cases", "case_events", "outbox"} <= tables


async def test_upgrading_twice_changes_nothing(database: Database) -> None:
    await database.upgrade()
    await database.upgrade()


async def test_timestamps_come_back_timezone_aware_in_utc(database: Database) -> None:
    async with database.write() as session:
        profile = await people.record_visit(session, 5, source="poster-esik")
    async with database.read() as session:
        row = await session.scalar(select(Person).where(Person.telegram_id == 5))
    assert row is not None
    assert row.first_seen.tzinfo == UTC
    assert abs((row.first_seen - datetime.now(UTC)).total_seconds()) < 60
    assert profile.source == "poster-esik"


async def test_concurrent_read_then_write_transactions_all_commit(database: Database) -> None:
    async def visit(telegram_id: int) -> None:
        async with database.write() as session:
            await people.record_visit(session, telegram_id)
            await asyncio.sleep(0.001)
            await people.set_language(session, telegram_id, "ru")

    await asyncio.gather(*(visit(1000 + n) for n in range(30)))
    async with database.read() as session:
        languages = list(await session.scalars(select(Person.language)))
    assert languages == ["ru"] * 30


async def test_the_first_source_a_person_came_from_is_kept(database: Database) -> None:
    async with database.write() as session:
        await people.record_visit(session, 9, source="fair-2026")
        profile = await people.record_visit(session, 9, source="poster-turgen")
    assert profile.source == "fair-2026"
