"""Backups of the database while the bot runs, a daily one with rotation, and a checked restore.

SQLite is copied through its online backup API (`sqlite3.Connection.backup`): one consistent
snapshot, taken while the bot keeps reading and writing (in WAL mode writers do not wait for
it). PostgreSQL is dumped with `pg_dump` (custom format) and restored with `pg_restore`, when
those are installed. A restore checks the backup first (SQLite's integrity check, or that
`pg_restore` can read the archive) and its schema version (the Alembic revision must be one
this code knows), and refuses to replace a database that holds data unless told to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from bot.db import alembic_config
from bot.settings import Settings

log = logging.getLogger(__name__)

DAILY_PREFIX = "oss-bot-daily-"
RECENT_ACTIVITY = timedelta(minutes=10)
PG_TOOLS_HELP = (
    "is not installed. Install PostgreSQL's client tools, the same major version as the server "
    "(Debian/Ubuntu: sudo apt install postgresql-client), then try again."
)


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    """A backup that was written."""

    path: Path
    size: int
    seconds: float


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    revision: str
    seconds: float
    saved_previous: Path | None


def suffix(database_url: str) -> str:
    """The file extension of a backup of this database."""
    return ".sqlite3" if _is_sqlite(database_url) else ".dump"


def default_path(settings: Settings, now: datetime | None = None) -> Path:
    """A new backup's file in BACKUP_DIR, named after the local time it was taken."""
    now = (now or datetime.now(UTC)).astimezone(settings.tz)
    return settings.backup_dir / f"oss-bot-{now:%Y-%m-%d-%H%M%S}{suffix(settings.database_url)}"


def backup(database_url: str, target: Path) -> BackupFile:
    """Write a consistent copy of the database to `target` (blocking; run it in a thread).

    The copy is written beside `target` and renamed into place, so a backup that fails
    half-way never leaves a file that looks whole.
    """
    started = time.perf_counter()
    target = target.expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _partial(target) as partial:
        if _is_sqlite(database_url):
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={partial}"], database_url)  # fmt: skip
        os.replace(partial, target)
    size = target.stat().st_size
    seconds = time.perf_counter() - started
    log.info("backup written to %s (%d bytes, %.1f s)", target, size, seconds)
    return BackupFile(target, size, seconds)


def daily_backup(settings: Settings, *, now: datetime | None = None) -> BackupFile | None:
    """Take today's backup in BACKUP_DIR unless one exists; keep the newest BACKUP_KEEP."""
    today = (now or datetime.now(UTC)).astimezone(settings.tz).date()
    target = settings.backup_dir / f"{DAILY_PREFIX}{today:%Y-%m-%d}{suffix(settings.database_url)}"
    written = None
    if not target.exists():  # another process on this machine may have taken it already
        written = backup(settings.database_url, target)
    for old in rotate(settings.backup_dir, settings.backup_keep):
        log.info("old backup removed: %s", old)
    return written


def rotate(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` daily backups in `directory`; return the removed."""
    daily = sorted(
        path
        for path in directory.glob(f"{DAILY_PREFIX}*")
        if re.fullmatch(rf"{DAILY_PREFIX}\d{{4}}-\d\d-\d\d\.(sqlite3|dump)", path.name)
    )
    removed = daily[: max(len(daily) - keep, 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def schedule_daily_backup(job_queue: Any, settings: Settings) -> None:
    """Register the daily backup with python-telegram-bot's job queue (at BACKUP_TIME)."""
    if settings.backup_keep <= 0:
        log.info("daily backups are off (BACKUP_KEEP=0)")
        return
    job_queue.run_daily(
        _daily_job,
        time=settings.backup_time.replace(tzinfo=settings.tz),
        data=settings,
        name="daily-backup",
    )


async def _daily_job(context: Any) -> None:
    settings: Settings = context.job.data
    try:
        await asyncio.to_thread(daily_backup, settings)
    except BackupError as exc:
        log.error("the daily backup failed: %s", exc)
    except OSError:
        log.exception("the daily backup failed")


# ---- restore --------------------------------------------------------------------------------


def known_revisions() -> dict[str, bool]:
    """Every migration this code knows, and whether it is the newest (head)."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    return {rev.revision: rev.revision in heads for rev in script.walk_revisions()}


def check_backup(database_url: str, source: Path) -> str:
    """Check that `source` is a whole backup this code can restore; return its revision."""
    source = source.expanduser()
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    if _is_sqlite(database_url):
        revision = _sqlite_check(source)
    else:
        revision = _pg_check(source)
    known = known_revisions()
    if revision not in known:
        newest = next(rev for rev, head in known.items() if head)
        raise BackupError(
            f"{source}: the backup's database is at migration {revision!r}, which this version "
            f"of the bot does not know (it knows up to {newest!r}). Restore it with the version "
            "of the bot that made it, or a newer one."
        )
    return revision


def database_contents(database_url: str) -> dict[str, Any]:
    """How many people and cases the database holds, and when it last handled an update."""
    if _is_sqlite(database_url):
        path = _sqlite_path(database_url)
        if not path.exists() or path.stat().st_size == 0:
            return {"people": 0, "cases": 0, "last_update": None}
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
            return _sqlite_contents(connection)
    return asyncio.run(_pg_contents(database_url))


def restore(
    database_url: str, source: Path, *, force: bool, save_dir: Path | None = None
) -> Restored:
    """Replace the database with the backup in `source`, after checking both.

    Without `force`, a database that holds people or cases, or that handled an update in the
    last minutes (the bot is running), is not touched. With it, the current database is first
    backed up into `save_dir` (when given), so that a mistaken restore can be undone.
    """
    started = time.perf_counter()
    source = source.expanduser()
    revision = check_backup(database_url, source)
    contents = database_contents(database_url)
    saved = None
    if contents["people"] or contents["cases"]:
        if not force:
            recently = _recently(contents["last_update"])
            raise BackupError(
                f"The database already holds {contents['people']} people and "
                f"{contents['cases']} cases{recently}. Stop the bot, then run the restore again "
                "with --force to replace them (a copy of the current database is saved first)."
            )
        if save_dir is not None:
            now = datetime.now(UTC)
            saved = save_dir / f"oss-bot-before-restore-{now:%Y-%m-%d-%H%M%S}{suffix(database_url)}"
            backup(database_url, saved)
    if _is_sqlite(database_url):
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        options = ["--clean", "--if-exists", "--no-owner", "--no-privileges",
                   "--single-transaction", "--exit-on-error"]  # fmt: skip
        _pg(["pg_restore", *options, str(source)], database_url, dbname=True)
    seconds = time.perf_counter() - started
    log.info("database restored from %s (migration %s, %.1f s)", source, revision, seconds)
    return Restored(revision, seconds, saved)


# ---- SQLite ---------------------------------------------------------------------------------


def _is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"{source}: the database file does not exist")
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as origin,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        # All pages in one step: in WAL mode this is one read transaction, a consistent
        # snapshot, and the bot's writers carry on meanwhile. (Step by step, every write of
        # the bot would restart the copy.)
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _sqlite_check(source: Path) -> str:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as db:
            result = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                shown = "; ".join(result[:3])
                raise BackupError(f"{source}: the backup is damaged ({shown}); use another one")
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: not a backup of this bot's database ({exc})") from exc
    if row is None:
        raise BackupError(f"{source}: the backup has no schema version; it is not this bot's")
    return str(row[0])


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as origin,
        contextlib.closing(sqlite3.connect(target, timeout=30)) as live,
    ):
        # The backup API writes into the database under its own lock, with its WAL and
        # journal: a restore that fails half-way leaves the old database as it was.
        origin.backup(live)
        live.execute("PRAGMA journal_mode=WAL")


def _sqlite_contents(db: sqlite3.Connection) -> dict[str, Any]:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    counts: dict[str, Any] = {"people": 0, "cases": 0, "last_update": None}
    for table in ("people", "cases"):
        if table in tables:
            counts[table] = int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    if "processed_updates" in tables:
        latest = db.execute("SELECT max(processed_at) FROM processed_updates").fetchone()[0]
        if latest:
            counts["last_update"] = datetime.fromisoformat(str(latest)).replace(tzinfo=UTC)
    return counts


def _recently(last_update: datetime | None) -> str:
    if last_update is None:
        return ""
    ago = datetime.now(UTC) - last_update
    if ago > RECENT_ACTIVITY:
        return ""
    minutes = max(int(ago.total_seconds() // 60), 0)
    return f", and handled a Telegram update {minutes} min ago: the bot seems to be running"


@contextlib.contextmanager
def _partial(target: Path) -> Iterator[Path]:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


# ---- PostgreSQL -----------------------------------------------------------------------------


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for `url`: the password stays out of the process list."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
        ("PGPASSWORD", url.password), ("PGDATABASE", url.database),
    ):  # fmt: skip
        if value is not None:
            env[name] = str(value)
    return env


def _pg(command: list[str], database_url: str, *, dbname: bool = False) -> str:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} {PG_TOOLS_HELP}")
    url = make_url(database_url)
    if dbname:
        command = [*command, f"--dbname={url.database}"]
    result = subprocess.run(
        [tool, *command[1:]], env=_pg_env(url), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")
    return result.stdout


def _pg_check(source: Path) -> str:
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError(f"pg_restore {PG_TOOLS_HELP}")
    listing = subprocess.run([tool, "--list", str(source)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(
            f"{source}: not a readable pg_dump archive ({listing.stderr.strip()[:500]})"
        )
    data = subprocess.run(
        [tool, "--data-only", "--table=alembic_version", "--file=-", str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    match = re.search(r"^COPY [^\n]*alembic_version[^\n]*\n([^\n\\]+)\n", data.stdout, re.M)
    if data.returncode != 0 or match is None:
        raise BackupError(f"{source}: the backup has no schema version; it is not this bot's")
    return match.group(1).strip()


async def _pg_contents(database_url: str) -> dict[str, Any]:
    import asyncpg

    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        database=url.database,
    )  # fmt: skip
    try:
        tables = {
            row[0]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        counts: dict[str, Any] = {"people": 0, "cases": 0, "last_update": None}
        for table in ("people", "cases"):
            if table in tables:
                counts[table] = int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
        if "processed_updates" in tables:
            latest = await connection.fetchval("SELECT max(processed_at) FROM processed_updates")
            if latest is not None:
                counts["last_update"] = latest.replace(tzinfo=UTC)  # stored as naive UTC
        return counts
    finally:
        await connection.close()
