"""The database: migrations, aware timestamps, and write transactions that do not collide."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select

from bot.db import AlreadyProcessed, Database
from bot.models import Person, ProcessedUpdate
from bot.services import people


async def test_migrations_create_every_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"people", "staff_accounts", "cases", "case_events", "outbox"} <= tables


async def test_upgrading_twice_changes_nothing(database: Database) -> None:
    await database.upgrade()
    await database.upgrade()


async def test_timestamps_come_back_timezone_aware_in_utc(database: Database) -> None:
    profile, _first = await people.record_visit(database, 5, source="poster-esik")
    async with database.read() as session:
        row = await session.scalar(select(Person).where(Person.telegram_id == 5))
    assert row is not None
    assert row.first_seen.tzinfo == UTC
    assert abs((row.first_seen - datetime.now(UTC)).total_seconds()) < 60
    assert profile.source == "poster-esik"


async def test_concurrent_read_then_write_transactions_all_commit(database: Database) -> None:
    async def visit(telegram_id: int) -> None:
        async with database.write() as session:  # a read, then a write, in one transaction
            await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            await asyncio.sleep(0.001)
            session.add(Person(telegram_id=telegram_id, language="ru"))

    await asyncio.gather(*(visit(1000 + n) for n in range(30)))
    async with database.read() as session:
        languages = list(await session.scalars(select(Person.language)))
    assert languages == ["ru"] * 30


async def test_the_first_source_a_person_came_from_is_kept(database: Database) -> None:
    await people.record_visit(database, 9, source="fair-2026")
    profile, _first = await people.record_visit(database, 9, source="poster-turgen")
    assert profile.source == "fair-2026"


async def _people(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count(Person.id))) or 0)


async def test_an_update_is_recorded_with_its_change_and_dropped_when_redelivered(
    database: Database,
) -> None:
    database.begin_update(7001)
    await people.set_language(database, 11, "ru")
    await people.set_audience(database, 11, "farmer")  # a second write: recorded only once
    database.finish_update()
    async with database.read() as session:
        assert await session.get(ProcessedUpdate, 7001) is not None
    database.begin_update(7001)  # Telegram sends it again: its write is refused, and rolled back
    with pytest.raises(AlreadyProcessed):
        await people.set_language(database, 11, "kk")
    database.finish_update()
    profile = await people.get_profile(database, 11)
    assert profile is not None and profile.language == "ru"


async def test_an_update_that_changes_nothing_writes_nothing(database: Database) -> None:
    database.begin_update(7002)
    assert await people.get_profile(database, 12) is None
    database.finish_update()
    async with database.read() as session:
        assert await session.get(ProcessedUpdate, 7002) is None
    await people.set_language(database, 12, "kk")  # no update pending: nothing is claimed
    async with database.read() as session:
        assert await session.get(ProcessedUpdate, 7002) is None


async def test_an_update_handled_meanwhile_by_another_process_changes_nothing(
    database: Database,
) -> None:
    database.begin_update(7003)
    other = contextvars.Context()  # another process, with the same update, gets there first

    async def elsewhere() -> None:
        database.begin_update(7003)
        await people.set_language(database, 14, "ru")
        database.finish_update()

    await asyncio.get_running_loop().create_task(elsewhere(), context=other)
    with pytest.raises(AlreadyProcessed):
        await people.set_language(database, 13, "kk")
    database.finish_update()
    assert await _people(database) == 1  # only the other's: this change was rolled back
