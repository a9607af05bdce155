"""Backups: taken while clients write, restored whole, checked before they replace anything."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot import backups
from bot.cli import main as oss_bot
from bot.container import Services
from bot.db import Database
from bot.models import Case, CaseEvent, OutboxMessage
from bot.settings import Settings, normalize_database_url
from bot.tooling.harness import Harness, Phone
from tests.support import (
    EMPLOYMENT_STAFF,
    ON_POSTGRES,
    POSTGRES_URL,
    client_at_entry,
    link,
    manager_phone,
    postgres_admin,
)

ENTRY = "job-register-seeker"
TABLES = {"cases": Case.__table__, "case_events": CaseEvent.__table__,
          "outbox": OutboxMessage.__table__}  # fmt: skip

pytestmark = pytest.mark.skipif(
    ON_POSTGRES and shutil.which("pg_dump") is None, reason="pg_dump is not installed"
)


@pytest.fixture
async def empty_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database to restore into."""
    if ON_POSTGRES:
        name = f"oss_restore_{uuid.uuid4().hex[:12]}"
        await postgres_admin(f'CREATE DATABASE "{name}"')
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        yield url.render_as_string(hide_password=False)
        await postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'oss-bot.sqlite3'}"


async def rows(url: str) -> dict[str, dict[int, tuple]]:
    """Every case, case event and outbox row, by table and id."""
    database = Database(url)
    try:
        async with database.read() as session:
            return {
                name: {row.id: tuple(row) for row in await session.execute(select(table))}
                for name, table in TABLES.items()
            }
    finally:
        await database.dispose()


async def client_asks(harness: Harness, question: str) -> Phone:
    """A client asks a specialist (the case number comes through the outbox)."""
    client = await client_at_entry(harness, ENTRY, "en", "job_seeker")
    await client.press("Ask a specialist")
    await client.press("I agree")
    await client.send(question)
    await client.press("Send")
    return client


async def clients_ask(harness: Harness, questions: list[str]) -> list[Phone]:
    """Several clients ask at once; each is given a case number."""
    clients = await asyncio.gather(*(client_asks(harness, q) for q in questions))
    await harness.deliver()
    for client in clients:
        assert any("Your case number is" in screen.text for screen in client.screens)
    return list(clients)


async def test_a_backup_taken_while_clients_write_restores_every_row(
    harness: Harness, database_url: str, empty_url: str, tmp_path: Path
) -> None:
    await manager_phone(harness, "en")
    await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    first = await clients_ask(harness, [f"First {n}" for n in range(6)])
    before = await rows(database_url)
    assert len(before["cases"]) == 6 and before["outbox"]

    # Six more clients write while the backup is taken.
    writing = asyncio.ensure_future(clients_ask(harness, [f"Second {n}" for n in range(6)]))
    taken = []
    while not writing.done():  # back up again and again until the clients are done
        target = tmp_path / "backups" / f"during-{len(taken)}{backups.suffix(database_url)}"
        taken.append(await asyncio.to_thread(backups.backup, database_url, target))
    await writing
    target = taken[len(taken) // 2].path
    after = await rows(database_url)
    assert len(after["cases"]) == 12

    restored = await asyncio.to_thread(backups.restore, empty_url, target, force=False)
    assert restored.revision in backups.known_revisions()
    await asyncio.to_thread(oss_upgrade, empty_url)
    copy = await rows(empty_url)
    for name in TABLES:
        # Everything written before the backup began is there, exactly as written...
        assert {i: copy[name][i] for i in before[name]} == before[name], name
        # ... and whatever of the second wave it caught is whole: nothing half-written.
        assert set(copy[name]) <= set(after[name]), name
    cases_copied = set(copy["cases"])
    opened = {row[1] for row in copy["case_events"].values() if row[4] == "opened"}
    assert opened == cases_copied
    for row in copy["outbox"].values():
        case_id = dict(zip(OutboxMessage.__table__.columns.keys(), row, strict=True))["case_id"]
        assert case_id is None or case_id in cases_copied

    # The bot on the restored database knows the first clients' questions.
    settings = Settings(
        database_url=empty_url, manager_ids=harness.services.settings.manager_ids,
        knowledge_dir=harness.services.settings.knowledge_dir,
    )  # fmt: skip
    database = Database(empty_url)
    services = Services(settings=settings, db=database, knowledge=harness.services.knowledge)
    try:
        async with Harness(services, fake=harness.fake) as again:
            [mydata, *_] = await Phone(again, first[0].user).send("/mydata")
            assert "First 0" in mydata.text
    finally:
        await database.dispose()


def oss_upgrade(url: str) -> None:
    async def upgrade() -> None:
        database = Database(url)
        await database.upgrade()
        await database.dispose()

    asyncio.run(upgrade())


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run `oss-bot` from an empty folder (no .env), with backups kept there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    return tmp_path / "backups"


def files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def size(path: Path) -> int:
    return path.stat().st_size


async def run_cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    return await asyncio.to_thread(oss_bot, ["db", *args])


async def test_restore_refuses_a_database_with_data_unless_forced_and_saves_it_first(
    harness: Harness, database_url: str, cli_env: Path, monkeypatch, capsys
) -> None:
    await manager_phone(harness, "en")
    await clients_ask(harness, ["Kept before the backup"])
    assert await run_cli(monkeypatch, database_url, "backup") == 0
    [backup] = files(cli_env)
    assert "Backup written" in capsys.readouterr().out
    await clients_ask(harness, ["Written after the backup"])

    assert await run_cli(monkeypatch, database_url, "restore", str(backup)) == 1
    refusal = capsys.readouterr().err
    assert "already holds 3 people and 2 cases" in refusal and "--force" in refusal
    assert "the bot seems to be running" in refusal
    assert len((await rows(database_url))["cases"]) == 2  # untouched

    assert await run_cli(monkeypatch, database_url, "restore", str(backup), "--force") == 0
    out = capsys.readouterr().out
    assert "saved in" in out and "Restored from" in out
    assert len((await rows(database_url))["cases"]) == 1
    [saved] = [p for p in files(cli_env) if "before-restore" in p.name]
    assert size(saved) > 0


@pytest.mark.skipif(ON_POSTGRES, reason="damages an SQLite file")
async def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(
    harness: Harness, database_url: str, empty_url: str, tmp_path: Path
) -> None:
    await clients_ask(harness, ["A question"])
    good = tmp_path / "good.sqlite3"
    await asyncio.to_thread(backups.backup, database_url, good)

    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(good.read_bytes())
    for offset in range(8192, len(data), 4096):  # scribble over a page header in every page
        data[offset : offset + 16] = b"\xff" * 16
    damaged.write_bytes(bytes(data))
    newer = tmp_path / "newer.sqlite3"
    shutil.copyfile(good, newer)
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database at all\n" * 100)

    for source, says in (
        (damaged, "damaged"),
        (newer, "does not know"),
        (text, "not a backup"),
        (tmp_path / "missing.sqlite3", "no such file"),
    ):
        with pytest.raises(backups.BackupError, match=says):
            await asyncio.to_thread(backups.restore, empty_url, source, force=True)
    assert not files(Path(str(make_url(empty_url).database)).parent)


def test_the_daily_backup_keeps_the_newest_few(tmp_path: Path, database_url: str) -> None:
    settings = Settings(database_url=database_url, backup_dir=tmp_path / "b", backup_keep=3)
    start = datetime(2026, 11, 1, 22, tzinfo=UTC)  # 03:00 in Almaty the next day
    for day in range(5):
        assert backups.daily_backup(settings, now=start + timedelta(days=day)) is not None
    assert backups.daily_backup(settings, now=start + timedelta(days=4, hours=1)) is None
    names = sorted(p.name for p in settings.backup_dir.iterdir())
    ext = backups.suffix(database_url)
    assert names == [f"oss-bot-daily-2026-11-0{d}{ext}" for d in (4, 5, 6)]


def test_a_postgresql_backup_without_pg_dump_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(backups.shutil, "which", lambda _name: None)
    with pytest.raises(backups.BackupError, match="apt install postgresql-client"):
        backups.backup("postgresql+asyncpg://oss@127.0.0.1:1/none", tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []
