"""The database: one async engine, read and write sessions, migrations, and exactly-once.

Services own their transactions: they take this `Database` and plain values, open a read
session or a write transaction, and return plain data. Nothing outside `bot/` opens a session.

How a Telegram update is handled exactly once (this module is the only one that knows):

1. Before any handler runs, the adapter calls `Database.begin_update(update_id)`: the update
   becomes *pending* in the current task's context (a ContextVar: PTB runs every handler group of
   one update in one task). Nothing is read: there is no "already handled?" round trip.
2. The first write transaction opened while an update is pending claims the update by inserting
   its id into `processed_updates` *in that same transaction*, so the claim and the change commit
   together, relying on the unique key: a crash before the commit changed nothing (Telegram
   redelivers, and the update is handled again); a redelivery after it, or the same update
   handled meanwhile by another process, finds the row, and `AlreadyProcessed` rolls its change
   back (the adapter drops it quietly). Later writes of the same update add nothing more.
3. After the handlers, `Database.finish_update()` forgets the pending update. An update that
   wrote nothing (a menu shown, a search answered) costs no write at all: a redelivery of it is
   answered again, which shows the same screen once more and changes nothing.

Telegram delivers at least once, `bot.serve` confirms an update only after step 3: together they
make each update's change happen exactly once, in one write transaction with its claim.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.models import ProcessedUpdate, utcnow

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_IMMEDIATE = "oss_begin_immediate"


def alembic_config() -> Config:
    """Return an Alembic configuration that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


class Database:
    """Own the engine; hand out read sessions and write transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 30}
        else:
            options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )
        # SQLite has one writer at a time: in this process, writers queue here and are woken
        # at once, instead of polling in SQLite's busy handler (sleeps of up to 100 ms).
        self._writer: AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.is_sqlite else nullcontext()
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reading; nothing it does is committed."""
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """Open a write transaction that takes the write lock up front and commits on exit.

        The first write transaction of a pending Telegram update also claims the update, and
        raises `AlreadyProcessed` (rolling back) if it was claimed before: see the module's
        docstring.
        """
        pending = _pending.get()
        must_record = pending is not None and not pending.recorded
        async with self._writer, self._write() as session:
            async with session.begin():
                if must_record:
                    assert pending is not None
                    await _record(session, pending.update_id)
                yield session
            if must_record:
                assert pending is not None
                pending.recorded = True

    def begin_update(self, update_id: int) -> None:
        """Start handling a Telegram update: its first write transaction will claim it."""
        _pending.set(_PendingUpdate(update_id))

    def update_wrote(self) -> bool:
        """Tell whether the pending update has committed a write transaction."""
        pending = _pending.get()
        return pending is not None and pending.recorded

    def finish_update(self) -> None:
        """Forget the pending update (one that wrote nothing leaves no record)."""
        _pending.set(None)

    async def upgrade(self, revision: str = "head") -> None:
        """Apply the Alembic migrations up to `revision`."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_run_upgrade, revision)
        log.info("database is at migration %s", revision)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


@dataclass
class _PendingUpdate:
    """The Telegram update being handled in this task, and whether it is recorded yet."""

    update_id: int
    recorded: bool = False


_pending: ContextVar[_PendingUpdate | None] = ContextVar("pending_update", default=None)


class AlreadyProcessed(Exception):
    """The update was handled before (by this process before a crash, or by another one)."""


async def _record(session: AsyncSession, update_id: int) -> None:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(ProcessedUpdate.update_id)
    )
    if (await session.execute(statement)).scalar() is None:
        raise AlreadyProcessed(update_id)


async def forget_processed_updates(db: Database, *, before: datetime) -> None:
    """Drop old records: Telegram redelivers within hours, and may reuse ids after a week."""
    async with db.write() as session:
        await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before))


def _run_upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE for write transactions."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
