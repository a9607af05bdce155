"""Fixtures: a fresh database per test (SQLite, or PostgreSQL when DATABASE_URL says so),
the real knowledge base, the real Application on the fake Bot API, and a clock moved by hand.

Helpers that tests share are in tests/support.py."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.container import Services
from bot.db import Database
from bot.knowledge import KnowledgeHolder
from bot.settings import PROJECT_ROOT, Settings, normalize_database_url
from bot.tooling.harness import Harness
from tests.support import (
    MANAGER_ID,
    MONDAY_10AM_ALMATY,
    ON_POSTGRES,
    POSTGRES_URL,
    Clock,
    keyboards_cut_on_a_phone,
    postgres_admin,
)


async def _migrate(url: str) -> None:
    database = Database(url)
    await database.upgrade()
    await database.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate one database once; each test copies it."""
    if ON_POSTGRES:
        name = f"oss_template_{uuid.uuid4().hex[:8]}"
        asyncio.run(postgres_admin(f'CREATE DATABASE "{name}"'))
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        asyncio.run(_migrate(url.render_as_string(hide_password=False)))
        yield name
        asyncio.run(postgres_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """Return the URL of a fresh, migrated database for one test."""
    if ON_POSTGRES:
        name = f"oss_test_{uuid.uuid4().hex[:12]}"
        await postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        yield url.render_as_string(hide_password=False)
        await postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """Open the fresh database."""
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeHolder:
    """Load the real knowledge base once."""
    return KnowledgeHolder(PROJECT_ROOT / "knowledge")


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for a test: a fresh database and one OSS manager."""
    return Settings(
        database_url=database_url,
        manager_ids=frozenset({MANAGER_ID}),
        knowledge_dir=PROJECT_ROOT / "knowledge",
    )


@pytest.fixture
async def harness(
    settings: Settings, database: Database, knowledge: KnowledgeHolder
) -> AsyncIterator[Harness]:
    """The real Application, started, on a fake Bot API."""
    services = Services(settings=settings, db=database, knowledge=knowledge)
    async with Harness(services) as running:
        yield running
        assert running.fake.unanswered_callbacks() == [], "a button press was never answered"
        assert running.errors == [], "a handler failed"
        assert keyboards_cut_on_a_phone(running.fake) == [], "a button label is cut on a phone"


@pytest.fixture
def clock_start() -> datetime:
    """When the bot's clock starts: a Monday, 10:00 in Almaty. A module may override this."""
    return MONDAY_10AM_ALMATY


@pytest.fixture
def clock(harness: Harness, clock_start: datetime) -> Clock:
    """The bot's clock, moved by hand with `clock.advance(hours=...)`."""
    clock = Clock(clock_start)
    harness.services.clock = clock
    return clock
