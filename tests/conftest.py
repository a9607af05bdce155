"""Fixtures: a fresh database per test (SQLite, or PostgreSQL when DATABASE_URL says so),
the real knowledge base, and the real Application on the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app import Services
from bot.db import Database
from bot.knowledge import KnowledgeHolder
from bot.settings import PROJECT_ROOT, Settings, normalize_database_url
from bot.tooling.harness import Harness

MANAGER_ID = 900_001
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres", "postgresql"))


async def _admin(sql: str) -> None:
    import asyncpg

    url = make_url(normalize_database_url(POSTGRES_URL))
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        database=url.database or "postgres",
    )  # fmt: skip
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    database = Database(url)
    await database.upgrade()
    await database.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate one database once; each test copies it."""
    if ON_POSTGRES:
        name = f"oss_template_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        asyncio.run(_migrate(url.render_as_string(hide_password=False)))
        yield name
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """Return the URL of a fresh, migrated database for one test."""
    if ON_POSTGRES:
        name = f"oss_test_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        yield url.render_as_string(hide_password=False)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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
