"""Time a backup and a restore of a database with a year of data (100,000 cases by default).

Seeds a throwaway database the way `oss-bot bench` does (a temporary SQLite file, or a new
database on the PostgreSQL server DATABASE_URL points at), backs it up, restores the backup
into a second throwaway database, checks that every row arrived, and prints the figures.

    .venv/bin/python scripts/backup_bench.py [--cases 100000] [--people 20000]
    DATABASE_URL=postgresql://user@host/postgres .venv/bin/python scripts/backup_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import backups  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.models import Case, CaseEvent, OutboxMessage, Person, utcnow  # noqa: E402
from bot.services import staff  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.tooling.bench import fresh_database, seed_scale  # noqa: E402

STAFF_BASE = 8_000_000


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)))
            for model in (Person, Case, CaseEvent, OutboxMessage)
        }


async def run(settings: Settings, folder: Path, people: int, cases: int) -> None:
    kb = load_knowledge(settings.knowledge_dir)
    async with fresh_database(settings) as source, fresh_database(settings) as target:
        async with source.write() as session:
            for number, provider_id in enumerate(kb.providers):
                await staff.link_account(session, provider_id, STAFF_BASE + number)
        started = time.perf_counter()
        await seed_scale(source, kb, people=people, cases=cases, now=utcnow(), seed=7)
        seeded = time.perf_counter() - started
        expected = await counts(source)
        print(f"seeded {expected} in {seeded:.1f} s ({backups.suffix(source.url)})")

        path = folder / f"bench{backups.suffix(source.url)}"
        written = await asyncio.to_thread(backups.backup, source.url, path)
        print(f"backup:  {written.seconds:6.2f} s, {written.size / 1e6:.1f} MB")

        await target.dispose()
        if target.is_sqlite:  # restore into an empty file, as on a fresh machine
            await asyncio.to_thread(Path(str(target.engine.url.database)).unlink)
        restored = await asyncio.to_thread(backups.restore, target.url, path, force=False)
        print(f"restore: {restored.seconds:6.2f} s (checks included: integrity, schema version)")
        got = await counts(target)
        print("every row restored" if got == expected else f"ROWS DIFFER: {got} != {expected}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oss-backup-bench-") as folder:
        asyncio.run(run(Settings.from_env(), Path(folder), args.people, args.cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
