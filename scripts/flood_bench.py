"""Measure how long another person waits while one person floods the bot.

The real Application on the fake Bot API, with real sleeps, its updates handled concurrently
as `oss-bot run` handles them (64 slots, one person's updates in order). One person sends
`--flood` messages at once; meanwhile another sends `--others` messages, one every 100 ms.
Prints the other person's latency (p50, p95, max) and what the flooder was told.

    .venv/bin/python scripts/flood_bench.py [--flood 130] [--others 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from bot.container import Services  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.knowledge import KnowledgeHolder  # noqa: E402
from bot.settings import PROJECT_ROOT, Settings  # noqa: E402
from bot.tooling.harness import Harness  # noqa: E402

FLOODER, OTHER = 600_001, 600_002


async def run(folder: Path, flood: int, others: int) -> None:
    url = f"sqlite+aiosqlite:///{folder}/flood.sqlite3"
    database = Database(url)
    await database.upgrade()
    settings = Settings(database_url=url, knowledge_dir=PROJECT_ROOT / "knowledge")
    services = Services(
        settings=settings, db=database, knowledge=KnowledgeHolder(PROJECT_ROOT / "knowledge")
    )
    async with Harness(services) as harness:
        app = harness.app
        app.bot_data["sleep"] = asyncio.sleep  # the flood guard really waits here
        fake = harness.fake
        for user_id in (FLOODER, OTHER):
            person = harness.phone(user_id, language_code="en")
            await person.send("/start")
            await person.press("English")

        def handle(update: dict) -> asyncio.Task[None]:
            parsed = Update.de_json(update, app.bot)
            return asyncio.ensure_future(
                app.update_processor.process_update(parsed, app.process_update(parsed))
            )

        started = time.perf_counter()
        flood_tasks = [handle(fake.text_update(FLOODER, f"apple {n}")) for n in range(flood)]

        async def other(n: int) -> float:
            await asyncio.sleep(0.1 * n)
            sent = time.perf_counter()
            await handle(fake.text_update(OTHER, f"milk subsidy {n}"))
            return time.perf_counter() - sent

        waits = await asyncio.gather(*(other(n) for n in range(others)))
        await asyncio.gather(*flood_tasks)
        total = time.perf_counter() - started
        told = [
            m.get("text", "")
            for m in fake.bot_messages(FLOODER)
            if "very fast" in m.get("text", "")
        ]
    await database.dispose()
    ms = sorted(w * 1000 for w in waits)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{flood} messages at once from one person; {others} from another, one every 100 ms")
    print(
        f"  the other person's wait, ms: p50 {statistics.median(ms):.0f}, p95 {p95:.0f}, "
        f"max {ms[-1]:.0f}"
    )
    print(f"  the flooder was warned {len(told)} time(s); everything handled in {total:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=130)
    parser.add_argument("--others", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oss-flood-") as folder:
        asyncio.run(run(Path(folder), args.flood, args.others))
    return 0


if __name__ == "__main__":
    sys.exit(main())
