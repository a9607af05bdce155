"""The benchmarks behind `oss-bot bench`: the real bot, the fake Bot API, a throwaway database.

One process, one fresh database (a temporary SQLite file, or a new PostgreSQL database next to
DATABASE_URL's, dropped afterwards), six measurements:

1. mixed traffic: N clients at once, each doing what a person does (/start, language, five
   menu taps, a free-text search; one in ten asks a specialist, and the provider replies);
2. the ceiling: a bare python-telegram-bot Application that echoes, on the same fake transport,
   with the same number of updates and the same concurrency; and the durable anchor: the same,
   but each update does one write transaction on the same database (insert its id, upsert the
   person) before replying: the simplest bot that loses nothing, and our yardstick;
2b. a burst: updates offered at a fixed rate (open loop), timed from when each was due;
3. search over the whole knowledge base;
4. scale of data: the manager's case list, a case view and a monthly report with 20,000 people
   and 100,000 cases in the database;
5. a broadcast to 10,000 subscribers through a fake Bot API that answers 429 above 30 messages
   a second, with the real sender and real sleeping.

It prints a table and, as the last line, one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy
import telegram
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import Services, build_application
from bot.db import Database
from bot.knowledge import KnowledgeBase, KnowledgeHolder
from bot.knowledge.cli import QUERY_SET, bench_search, labelled_queries
from bot.models import (
    Case,
    CaseEvent,
    OutboxMessage,
    Person,
    StaffAccount,
    Subscription,
    utcnow,
)
from bot.settings import Settings, normalize_database_url
from bot.tooling.faketg import FakeRequest, FakeTelegram, JSONDict

log = logging.getLogger(__name__)

MANAGER_ID = 900_001
STAFF_BASE = 700_000
CLIENT_BASE = 1_000_000
SCALE_BASE = 5_000_000
SUBSCRIBER_BASE = 8_000_000
STAFF_PER_PROVIDER = 3
CONCURRENCY = 64  # what build_application gives the bot's update processor
UNLOADED_CLIENTS = 50
WAIT_SECONDS = 60.0  # for a notification to arrive through the outbox
BROADCAST_TOPIC = "events"
LANG_WEIGHTS = {"kk": 0.5, "ru": 0.4, "en": 0.1}
AUDIENCE_WEIGHTS = {
    "farmer": 0.4, "job_seeker": 0.25, "entrepreneur": 0.15, "aspiring": 0.12, "vulnerable": 0.08,
}  # fmt: skip
CHAIN_WEIGHTS = {"apple": 0.35, "milk": 0.3, "soy": 0.1, "vegetables": 0.25}
TARGETS = {
    "traffic_vs_ceiling": (">=", 0.5),
    "durable_anchor_ratio": (">=", 1.0),
    "burst_p95_ms": ("<", 100.0),
    "burst_p99_ms": ("<", 250.0),
    "unloaded_p95_ms": ("<", 25.0),
    "peak_memory_mb": ("<", 150.0),
    "search_p95_ms": ("<", 2.0),
    "broadcast_per_second": (">=", 27.0),
    "broadcast_429_percent": ("<", 1.0),
    "cases_list_ms": ("<", 100.0),
    "case_view_ms": ("<", 100.0),
    "monthly_report_ms": ("<", 2000.0),
}


@dataclass(frozen=True)
class BenchOptions:
    """How big each part of the run is."""

    clients: int = 500
    broadcast: int = 10_000
    people: int = 20_000
    cases: int = 100_000
    repeat: int = 5
    seed: int = 8
    burst_rate: float = 100.0
    burst_seconds: float = 60.0


# ---- figures --------------------------------------------------------------------------------


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """Return p50, p95, p99 and max of durations in seconds, as milliseconds (nearest rank)."""
    if not seconds:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))] * 1000

    return {
        "p50": round(rank(0.50), 2),
        "p95": round(rank(0.95), 2),
        "p99": round(rank(0.99), 2),
        "max": round(ordered[-1] * 1000, 2),
    }


def median_max(seconds: Sequence[float]) -> dict[str, float]:
    """Return the median and the max of durations in seconds, as milliseconds."""
    if not seconds:
        return {"median": 0.0, "max": 0.0}
    return {
        "median": round(statistics.median(seconds) * 1000, 2),
        "max": round(max(seconds) * 1000, 2),
    }


def peak_memory_mb() -> float:
    """Return the process's peak resident memory so far (ru_maxrss), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


# ---- a throwaway database -------------------------------------------------------------------


async def _admin(admin_url: str, sql: str) -> None:
    import asyncpg

    url = make_url(admin_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        database=url.database or "postgres",
    )  # fmt: skip
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(settings: Settings) -> AsyncIterator[Database]:
    """Create, migrate and open a fresh database; drop it afterwards.

    PostgreSQL when DATABASE_URL points at one (a new database on that server), else a
    temporary SQLite file: the bench never touches the bot's own database.
    """
    url = normalize_database_url(settings.database_url) if settings.database_url else ""
    if url and make_url(url).get_backend_name() == "postgresql":
        name = f"bench_{uuid.uuid4().hex[:10]}"
        await _admin(url, f'CREATE DATABASE "{name}"')
        fresh = make_url(url).set(database=name).render_as_string(hide_password=False)
        database = Database(fresh)
        try:
            await database.upgrade()
            yield database
        finally:
            await database.dispose()
            await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    folder = tempfile.mkdtemp(prefix="oss-bench-")
    database = Database(f"sqlite+aiosqlite:///{folder}/bench.sqlite3")
    try:
        await database.upgrade()
        yield database
    finally:
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)


async def database_version(db: Database) -> str:
    """Return the database engine and its version."""
    if db.is_sqlite:
        return f"sqlite {sqlite3.sqlite_version}"
    async with db.read() as session:
        version = str(await session.scalar(text("SHOW server_version")))
    return f"postgresql {version.split()[0]}"


# ---- the bot on the fake Bot API ------------------------------------------------------------


class Feeder:
    """Hand updates to an Application the way its update fetcher does, and time each one."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.app = app

    async def feed(self, data: JSONDict, timings: list[float] | None = None) -> None:
        """Process one update concurrently with the others; note how long it took."""
        start = time.perf_counter()
        update = Update.de_json(data, self.app.bot)
        await self.app.update_processor.process_update(update, self.app.process_update(update))
        if timings is not None:
            timings.append(time.perf_counter() - start)


def _buttons(fake: FakeTelegram, chat_id: int) -> tuple[int, list[str]]:
    """Return the latest bot message with inline buttons in a chat, and their callback data."""
    for message in reversed(fake.bot_messages(chat_id)):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        data = [b["callback_data"] for row in rows for b in row if b.get("callback_data")]
        if data:
            return message["message_id"], data
    return 0, []


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Traffic:
    """People using the bot at once: their journeys, and what came of them."""

    app: Application[Any, Any, Any, Any, Any, Any]
    fake: FakeTelegram
    queries: list[str]
    staff_locks: dict[int, asyncio.Lock]
    seed: int
    cases: list[tuple[int, int, str]] = field(default_factory=list)  # client, case, reply
    queued: int = 0

    def __post_init__(self) -> None:
        self.feeder = Feeder(self.app)

    async def press(
        self, chat_id: int, prefix: str, rng: random.Random, timings: list[float] | None
    ) -> str | None:
        """Press a button whose data starts with `prefix` (else the main menu's); return it."""
        message_id, data = _buttons(self.fake, chat_id)
        matching = [d for d in data if d.startswith(prefix) and d != "vc:-"]
        if not matching:
            matching = [d for d in data if d == "m"]
            if not matching:
                return None
        choice = rng.choice(matching)
        await self.feeder.feed(self.fake.callback_update(chat_id, message_id, choice), timings)
        return choice

    async def send(self, chat_id: int, message: str, timings: list[float] | None) -> None:
        """Type and send a text message."""
        await self.feeder.feed(self.fake.text_update(chat_id, message), timings)

    async def journey(self, user_id: int, opens_case: bool, timings: list[float] | None) -> None:
        """One person: /start, language, five menu taps, a search; maybe a question."""
        rng = random.Random(self.seed * 1_000_003 + user_id)
        lang = _weighted(rng, LANG_WEIGHTS)
        self.fake.add_user(user_id, "Client", language_code=lang)
        await self.send(user_id, "/start", timings)
        await self.press(user_id, f"lang:{lang}", rng, timings)
        taps = 0
        audience = _weighted(rng, AUDIENCE_WEIGHTS)
        await self.press(user_id, f"aud:{audience}", rng, timings)
        taps += 1
        if audience == "farmer":
            await self.press(user_id, f"vc:{_weighted(rng, CHAIN_WEIGHTS)}", rng, timings)
            taps += 1
        for prefix in ("n:", "e:", "d:"):  # a need, an answer, a part of it
            await self.press(user_id, prefix, rng, timings)
            taps += 1
        while taps < 5:
            await self.press(user_id, "m", rng, timings)
            taps += 1
        await self.send(user_id, rng.choice(self.queries), timings)
        if opens_case:
            await self.ask(user_id, rng, timings)

    async def ask(self, user_id: int, rng: random.Random, timings: list[float] | None) -> None:
        """Ask a specialist from an answer the search found, and have the provider reply."""
        _, data = _buttons(self.fake, user_id)
        if any(d.startswith("e:") for d in data):
            await self.press(user_id, "e:", rng, timings)
        await self.press(user_id, "ask:", rng, timings)
        await self.press(user_id, "cs:", rng, timings)
        await self.send(
            user_id, f"Сәлеметсіз бе! Менің сұрағым {user_id}: қалай өтінім беремін?", timings
        )
        await self.press(user_id, "dr:send", rng, timings)
        number = await self._wait_for_case_number(user_id)
        services: Services = self.app.bot_data["services"]
        async with services.db.read() as session:
            assignee = await session.scalar(
                select(StaffAccount.telegram_id)
                .join(Case, Case.assignee_id == StaffAccount.id)
                .where(Case.id == number)
            )
        if assignee is None:
            self.queued += 1  # no provider named, or none linked: it waits for the manager
            return
        staff_id, message_id = await self._wait_for_staff_card(int(assignee), number)
        reply = f"Ответ по обращению №{number}: приходите с удостоверением личности."
        async with self.staff_locks[staff_id]:  # one reply at a time per staff account
            await self.feeder.feed(
                self.fake.callback_update(staff_id, message_id, f"pr:{number}:r"), timings
            )
            await self.send(staff_id, reply, timings)
        self.cases.append((user_id, number, reply))

    async def _wait_for_case_number(self, user_id: int) -> int:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for message in self.fake.bot_messages(user_id):
                found = re.search(r"№(\d+)", message.get("text", ""))
                if found:
                    return int(found.group(1))
            await asyncio.sleep(0.01)
        raise TimeoutError(f"client {user_id} never got a case number")

    async def _wait_for_staff_card(self, staff_id: int, number: int) -> tuple[int, int]:
        wanted = f"pr:{number}:r"
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for message in self.fake.bot_messages(staff_id):
                rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                if any(b.get("callback_data") == wanted for row in rows for b in row):
                    return staff_id, message["message_id"]
            await asyncio.sleep(0.01)
        raise TimeoutError(f"staff {staff_id} never got case {number}")

    def replies_delivered(self) -> int:
        """Count the provider replies that reached their client."""
        delivered = 0
        for client, _, reply in self.cases:
            if any(reply in m.get("text", "") for m in self.fake.bot_messages(client)):
                delivered += 1
        return delivered


async def _settle(db: Database) -> int:
    """Wait until the outbox worker has delivered everything due; return what is left."""
    from bot.services import outbox

    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        left = await outbox.pending_count(db)
        if not left or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.05)


async def _start_app(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)


async def _stop_app(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def _link_staff(
    feeder: Feeder, fake: FakeTelegram, db: Database, kb: KnowledgeBase
) -> dict[int, asyncio.Lock]:
    """Give every provider a few staff accounts that have opened the bot and are linked."""
    from bot.services import staff

    locks: dict[int, asyncio.Lock] = {}
    telegram_id = STAFF_BASE
    for provider_id in kb.providers:
        for _ in range(STAFF_PER_PROVIDER):
            telegram_id += 1
            fake.add_user(telegram_id, "Staff", language_code="ru")
            await feeder.feed(fake.text_update(telegram_id, "/start"))
            message_id, _data = _buttons(fake, telegram_id)
            await feeder.feed(fake.callback_update(telegram_id, message_id, "lang:ru"))
            await staff.link_account(db, provider_id, telegram_id)
            locks[telegram_id] = asyncio.Lock()
    return locks


def _queries(kb: KnowledgeBase) -> list[str]:
    if QUERY_SET.is_file():
        return [item["query"] for item in labelled_queries()]
    return [entry.title.get(lang) for entry in kb.entries.values() for lang in ("kk", "ru")]


async def mixed_traffic(
    settings: Settings,
    db: Database,
    knowledge: KnowledgeHolder,
    options: BenchOptions,
    fake: FakeTelegram,
) -> dict[str, Any]:
    """Run N clients at once through the real bot; then a few one at a time, unloaded."""
    services = Services(settings=settings, db=db, knowledge=knowledge)
    # Without the rate limiter: its 30 requests/s bucket would be all this measured.
    app = build_application(services, request=FakeRequest(fake), rate_limit=False)
    errors: list[BaseException] = []
    app.bot_data["errors"] = errors
    await _start_app(app)
    try:
        feeder = Feeder(app)
        fake.add_user(MANAGER_ID, "Manager", language_code="ru")
        await feeder.feed(fake.text_update(MANAGER_ID, "/start"))
        message_id, _data = _buttons(fake, MANAGER_ID)
        await feeder.feed(fake.callback_update(MANAGER_ID, message_id, "lang:ru"))
        locks = await _link_staff(feeder, fake, db, knowledge.current)
        traffic = Traffic(app, fake, _queries(knowledge.current), locks, options.seed)

        for warm in range(5):  # imports, statement caches: not measured
            await traffic.journey(CLIENT_BASE - 100 + warm, warm == 0, None)

        timings: list[float] = []
        failures: list[BaseException] = []
        routed, queued = len(traffic.cases), traffic.queued
        start = time.perf_counter()
        results = await asyncio.gather(
            *(
                traffic.journey(CLIENT_BASE + i, i % 10 == 9, timings)
                for i in range(options.clients)
            ),
            return_exceptions=True,
        )
        seconds = time.perf_counter() - start
        failures += [r for r in results if isinstance(r, BaseException)]
        routed, queued = len(traffic.cases) - routed, traffic.queued - queued
        memory = peak_memory_mb()

        unloaded: list[float] = []
        base = CLIENT_BASE + options.clients + 1000
        for i in range(min(UNLOADED_CLIENTS, options.clients)):
            try:
                await traffic.journey(base + i, i % 10 == 9, unloaded)
            except Exception as exc:
                failures.append(exc)
            await _settle(db)
        left = await _settle(db)
        for failure in failures[:3]:
            log.error("a client's journey failed: %r", failure)
        return {
            "clients": options.clients,
            "updates": len(timings),
            "seconds": round(seconds, 2),
            "updates_per_second": round(len(timings) / seconds, 1) if seconds else 0.0,
            "latency_ms": percentiles(timings),
            "unloaded_updates": len(unloaded),
            "unloaded_latency_ms": percentiles(unloaded),
            "errors": len(errors),
            "journey_failures": len(failures),
            "unanswered_callbacks": len(fake.unanswered_callbacks()),
            "cases_opened": routed,  # in the concurrent run, routed to a provider's staff
            "cases_queued_for_manager": queued,
            "replies_delivered": traffic.replies_delivered(),
            "replies_expected": len(traffic.cases),
            "outbox_left": left,
            "peak_memory_mb": memory,
            "memory_measure": "ru_maxrss of the whole process after the concurrent run",
        }
    finally:
        await _stop_app(app)


# ---- the ceiling: a bare echo bot -----------------------------------------------------------


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


async def echo_ceiling(updates: int, clients: int) -> dict[str, Any]:
    """Feed a bare echo Application the same number of updates with the same concurrency."""
    fake = FakeTelegram()
    app = (
        Application.builder()
        .token("1:bench-echo-token")
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .concurrent_updates(CONCURRENCY)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    await app.initialize()
    feeder = Feeder(app)
    timings: list[float] = []
    per_client, extra = divmod(updates, max(clients, 1))

    async def client(user_id: int, count: int) -> None:
        fake.add_user(user_id, "Echo")
        for n in range(count):
            await feeder.feed(fake.text_update(user_id, f"hello {n}"), timings)

    try:
        start = time.perf_counter()
        await asyncio.gather(
            *(client(CLIENT_BASE + i, per_client + (i < extra)) for i in range(clients))
        )
        seconds = time.perf_counter() - start
    finally:
        await app.shutdown()
    return {
        "updates": len(timings),
        "seconds": round(seconds, 2),
        "updates_per_second": round(len(timings) / seconds, 1) if seconds else 0.0,
        "latency_ms": percentiles(timings),
    }


# ---- the durable anchor: the simplest bot that must not lose an update ----------------------

ANCHOR_UPDATE_BASE = 2_000_000_000  # its update ids never meet the real bot's
ANCHOR_CLIENT_BASE = 3_000_000


def _durable(
    db: Database,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """Return a handler doing one write transaction per update, then replying."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from bot.models import ProcessedUpdate

    upsert = sqlite_insert if db.is_sqlite else pg_insert

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None and message.from_user
        now = utcnow()
        async with db.write() as session:  # the same engine, writers' lock and BEGIN IMMEDIATE
            await session.execute(
                insert(ProcessedUpdate).values(
                    update_id=ANCHOR_UPDATE_BASE + update.update_id, processed_at=now
                )
            )
            await session.execute(
                upsert(Person)
                .values(telegram_id=message.from_user.id, language="kk", first_seen=now,
                        last_seen=now)
                .on_conflict_do_update(index_elements=["telegram_id"], set_={"last_seen": now})
            )  # fmt: skip
        await message.reply_text(message.text)

    return handle


async def durable_anchor(db: Database, updates: int, clients: int) -> dict[str, Any]:
    """Feed a bare Application that writes once per update the same load as the echo."""
    fake = FakeTelegram()
    app = (
        Application.builder()
        .token("1:bench-anchor-token")
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .concurrent_updates(CONCURRENCY)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _durable(db)))
    await app.initialize()
    feeder = Feeder(app)
    timings: list[float] = []
    per_client, extra = divmod(updates, max(clients, 1))

    async def client(user_id: int, count: int) -> None:
        fake.add_user(user_id, "Anchor")
        for n in range(count):
            await feeder.feed(fake.text_update(user_id, f"hello {n}"), timings)

    try:
        start = time.perf_counter()
        await asyncio.gather(
            *(client(ANCHOR_CLIENT_BASE + i, per_client + (i < extra)) for i in range(clients))
        )
        seconds = time.perf_counter() - start
    finally:
        await app.shutdown()
    return {
        "updates": len(timings),
        "seconds": round(seconds, 2),
        "updates_per_second": round(len(timings) / seconds, 1) if seconds else 0.0,
        "latency_ms": percentiles(timings),
    }


# ---- bursts as they arrive: an open loop at a fixed rate ------------------------------------


async def burst(
    settings: Settings,
    db: Database,
    knowledge: KnowledgeHolder,
    fake: FakeTelegram,
    *,
    clients: int,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """Offer updates at a fixed rate, whatever the bot's pace; time each from when it was due.

    The people are the mixed traffic's clients (they have chosen a language): each offer is,
    in turn, a tap on the main menu button of their latest screen or a search.
    """
    services = Services(settings=settings, db=db, knowledge=knowledge)
    app = build_application(services, request=FakeRequest(fake), rate_limit=False)
    errors: list[BaseException] = []
    app.bot_data["errors"] = errors
    await _start_app(app)
    queries = _queries(knowledge.current)
    rng = random.Random(17)
    timings: list[float] = []
    total = int(rate * seconds)

    async def offer(n: int, due: float) -> None:
        chat_id = CLIENT_BASE + n % clients
        message_id, data = _buttons(fake, chat_id)
        if n % 2 == 0 and "m" in data:
            update = fake.callback_update(chat_id, message_id, "m")
        else:
            update = fake.text_update(chat_id, rng.choice(queries))
        await Feeder(app).feed(update)
        timings.append(time.perf_counter() - due)

    tasks: list[asyncio.Task[None]] = []
    try:
        start = time.perf_counter()
        for n in range(total):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(offer(n, due)))
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        await _settle(db)
    finally:
        await _stop_app(app)
    latency = percentiles(timings)
    return {
        "rate": rate,
        "seconds": seconds,
        "updates": len(timings),
        "latency_ms": {k: latency[k] for k in ("p50", "p95", "p99", "max")},
        "errors": len(errors) + len(failures),
    }


# ---- scale of data --------------------------------------------------------------------------


async def _max_id(db: Database, column: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.coalesce(func.max(column), 0))) or 0)


async def _bulk(db: Database, table: Any, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    async with db.engine.begin() as connection:
        for first in range(0, len(rows), chunk):
            await connection.execute(insert(table), rows[first : first + chunk])


async def _fix_sequences(db: Database, tables: Sequence[str]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past them."""
    if db.is_sqlite:
        return
    async with db.engine.begin() as connection:
        for table in tables:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


async def seed_scale(
    db: Database, kb: KnowledgeBase, *, people: int, cases: int, now: datetime, seed: int
) -> dict[str, int]:
    """Bulk-insert a year of people, cases, their events and some outbox rows."""
    rng = random.Random(seed)
    year = timedelta(days=365)
    person_base = await _max_id(db, Person.id)
    case_base = await _max_id(db, Case.id)
    event_base = await _max_id(db, CaseEvent.id)
    async with db.read() as session:
        staff_rows = (
            await session.execute(select(StaffAccount.id, StaffAccount.provider_id))
        ).all()
    staff_of: dict[str, list[int]] = {}
    for staff_id, provider_id in staff_rows:
        staff_of.setdefault(provider_id, []).append(staff_id)
    entries = list(kb.entries.values())
    topics = ("jobs", "business", "apple", "milk", "soy", "vegetables")

    person_rows: list[dict[str, Any]] = []
    subscription_rows: list[dict[str, Any]] = []
    for i in range(people):
        first_seen = now - year * rng.random()
        audience = _weighted(rng, AUDIENCE_WEIGHTS)
        person_rows.append(
            {
                "id": person_base + 1 + i,
                "telegram_id": SCALE_BASE + i,
                "language": _weighted(rng, LANG_WEIGHTS),
                "audience": audience,
                "value_chain": _weighted(rng, CHAIN_WEIGHTS) if audience == "farmer" else None,
                "source": rng.choice((None, None, None, "market_esik", "akimat_talgar", "radio")),
                "consent_at": first_seen,
                "first_seen": first_seen,
                "last_seen": first_seen + (now - first_seen) * rng.random(),
                "blocked_at": None,
            }
        )
        if rng.random() < 0.3:
            subscription_rows.append(
                {
                    "person_id": person_base + 1 + i,
                    "topic": rng.choice(topics),
                    "created_at": first_seen,
                }
            )

    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []

    def event(case_id: int, kind: str, role: str, at: datetime, **detail: Any) -> None:
        event_rows.append(
            {
                "id": event_base + 1 + len(event_rows),
                "case_id": case_id,
                "actor_telegram_id": None,
                "actor_role": role,
                "kind": kind,
                "detail": detail,
                "created_at": at,
            }
        )

    for i in range(cases):
        case_id = case_base + 1 + i
        person = person_rows[int(len(person_rows) * rng.random() ** 1.5)]  # some ask a lot
        created = person["first_seen"] + (now - person["first_seen"]) * rng.random()
        age = now - created
        entry = rng.choice(entries) if rng.random() < 0.9 else None
        provider_id = entry.providers[0] if entry and entry.providers else None
        if provider_id is None and rng.random() < 0.8:
            provider_id = rng.choice(list(staff_of))  # the manager assigned it
        weights: dict[str, float]
        if age < timedelta(days=7):
            weights = {"new": 5, "assigned": 25, "answered": 25, "reopened": 2, "resolved": 38,
                       "closed": 5}  # fmt: skip
        elif age < timedelta(days=30):
            weights = {"assigned": 2, "answered": 8, "resolved": 75, "closed": 15}
        else:
            weights = {"assigned": 0.2, "answered": 0.8, "resolved": 72, "closed": 27}
        status = rng.choices(list(weights), weights=list(weights.values()))[0]
        if provider_id is None or provider_id not in staff_of:
            provider_id, status = None, "new" if status != "closed" else "closed"
        assignee = rng.choice(staff_of[provider_id]) if provider_id else None
        due = created + timedelta(hours=rng.choice((26, 40, 64, 88)))
        answered = status in ("answered", "resolved", "closed", "reopened") and provider_id
        first_answer = created + timedelta(hours=rng.expovariate(1 / 10)) if answered else None
        resolved = (
            (first_answer or created) + timedelta(hours=rng.expovariate(1 / 24))
            if status in ("resolved", "closed")
            else None
        )
        closed = (resolved or created) + timedelta(hours=2) if status == "closed" else None
        rating = (
            rng.choices((1, 2, 3, 4, 5), weights=(5, 5, 15, 35, 40))[0]
            if resolved and rng.random() < 0.5
            else None
        )
        followed = resolved is not None and age > timedelta(days=7) and rng.random() < 0.6
        overdue = due < (first_answer or now) and rng.random() < 0.5
        case_rows.append(
            {
                "id": case_id,
                "person_id": person["id"],
                "language": person["language"],
                "audience": person["audience"],
                "value_chain": person["value_chain"],
                "entry_id": entry.id if entry else None,
                "topic": entry.topic if entry else None,
                "question": f"Сұрақ {case_id}: қалай өтінім беремін? Как подать заявку?",
                "attachments": [],
                "phone": None,
                "provider_id": provider_id,
                "assignee_id": assignee,
                "status": status,
                "due_at": due,
                "created_at": created,
                "updated_at": closed or resolved or first_answer or created,
                "first_answer_at": first_answer,
                "resolved_at": resolved,
                "closed_at": closed,
                "outcome": rng.choice(("yes", "yes", "yes", "no", "waiting")) if followed else None,
                "rating": rating,
                "suggested_provider": None,
                "reminded_at": None,
                "overdue_at": due if overdue else None,
                "followup_due_at": None,
                "followup_count": 1 if followed else 0,
            }
        )
        event(case_id, "opened", "client", created, entry_id=entry.id if entry else None)
        if assignee:
            event(case_id, "assigned", "system", created, provider_id=provider_id)
        else:
            event(case_id, "queued", "system", created, suggested=None)
        if overdue:
            event(case_id, "overdue", "system", due)
        if first_answer:
            event(case_id, "provider_message", "staff", first_answer)
            if rng.random() < 0.3:
                event(case_id, "client_message", "client", first_answer + timedelta(hours=1))
        if resolved:
            event(case_id, "resolved", "staff", resolved)
            if rating:
                event(case_id, "confirmed", "client", resolved + timedelta(minutes=5))
                event(case_id, "rated", "client", resolved + timedelta(minutes=6), stars=rating)
        if closed:
            event(case_id, "closed", "manager", closed)

    outbox_base = await _max_id(db, OutboxMessage.id)
    outbox_rows = []
    for i in range(min(300, cases)):
        case_row = case_rows[-1 - i]
        outbox_rows.append(
            {
                "id": outbox_base + 1 + i,
                "chat_id": MANAGER_ID,
                "kind": "case_new",
                "payload": {"case_id": case_row["id"], "lang": "ru"},
                "dedup_key": None,
                "created_at": case_row["created_at"],
                "attempts": 1,
                "next_attempt_at": case_row["created_at"],
                "claimed_until": None,
                "sent_at": None if i % 30 == 0 else case_row["created_at"],
                "telegram_message_id": None,
                "case_id": case_row["id"],
                "failed_at": case_row["created_at"] if i % 30 == 0 else None,
                "last_error": "Forbidden: bot was blocked by the user" if i % 30 == 0 else None,
            }
        )
    await _bulk(db, Person.__table__, person_rows)
    await _bulk(db, Subscription.__table__, subscription_rows)
    await _bulk(db, Case.__table__, case_rows)
    await _bulk(db, CaseEvent.__table__, event_rows, chunk=10_000)
    await _bulk(db, OutboxMessage.__table__, outbox_rows)
    await _fix_sequences(db, ("people", "cases", "case_events", "outbox"))
    if not db.is_sqlite:
        async with db.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    return {"people": len(person_rows), "cases": len(case_rows), "events": len(event_rows)}


async def scale_of_data(
    settings: Settings,
    db: Database,
    knowledge: KnowledgeHolder,
    options: BenchOptions,
    fake: FakeTelegram,
) -> dict[str, Any]:
    """Time the manager's list, a case view and a monthly report over a year of data."""
    from bot.services import reports
    from bot.services.cases import OPEN, Actor
    from bot.services.period import Period

    now = utcnow()
    start = time.perf_counter()
    counts = await seed_scale(
        db, knowledge.current, people=options.people, cases=options.cases, now=now,
        seed=options.seed,
    )  # fmt: skip
    seeded = time.perf_counter() - start
    async with db.read() as session:
        open_cases = int(
            await session.scalar(select(func.count()).where(Case.status.in_(OPEN))) or 0
        )
        case_ids = list(
            await session.scalars(select(Case.id).order_by(func.random()).limit(options.repeat))
        )

    # The same fake Telegram as the traffic: its update ids go on, so none counts as seen.
    services = Services(settings=settings, db=db, knowledge=knowledge, background=False)
    app = build_application(services, request=FakeRequest(fake), rate_limit=False)
    errors: list[BaseException] = []
    app.bot_data["errors"] = errors
    await _start_app(app)
    feeder = Feeder(app)
    answered = len(fake.calls_to("sendMessage"))
    manager = Actor(MANAGER_ID, "manager")
    desk = services.cases
    timings: dict[str, list[float]] = {
        "cases_list": [], "open_cases_service": [], "case_view": [], "case_with_history": [],
        "monthly_report": [], "report_document_data": [],
    }  # fmt: skip

    async def timed(name: str, work: Callable[[], Awaitable[Any]]) -> None:
        began = time.perf_counter()
        await work()
        timings[name].append(time.perf_counter() - began)

    local = now.astimezone(settings.tz).date()
    last_month_end = local.replace(day=1) - timedelta(days=1)
    month = Period(last_month_end.replace(day=1), last_month_end)
    try:
        await feeder.feed(fake.text_update(MANAGER_ID, "/cases"))  # warm up
        for case_id in case_ids:
            await timed("open_cases_service", lambda: desk.open_cases(manager))
            await feeder.feed(fake.text_update(MANAGER_ID, "/cases"), timings["cases_list"])
            await timed(
                "case_with_history", functools.partial(desk.case_with_history, manager, case_id)
            )
            await feeder.feed(
                fake.text_update(MANAGER_ID, f"/case {case_id}"), timings["case_view"]
            )
            await timed(
                "monthly_report",
                lambda: reports.build_report(db, month, tz=settings.tz, now=utcnow()),
            )
            await timed(  # the document's: the month, the month before and the 12-month trend
                "report_document_data",
                lambda: reports.build_full_report(db, month, tz=settings.tz, now=utcnow()),
            )
        answered = len(fake.calls_to("sendMessage")) - answered
    finally:
        await _stop_app(app)
    return {
        **counts,
        "answers": answered,  # the list and the case, each time, and the warm-up list
        "open_cases": open_cases,
        "seed_seconds": round(seeded, 1),
        "month": f"{month.first.isoformat()}..{month.last.isoformat()}",
        "repetitions": len(case_ids),
        "errors": len(errors),
        **{f"{name}_ms": median_max(values) for name, values in timings.items()},
    }


# ---- broadcast ------------------------------------------------------------------------------


async def broadcast(
    settings: Settings, db: Database, knowledge: KnowledgeHolder, recipients: int, seed: int
) -> dict[str, Any]:
    """Send one announcement to `recipients` subscribers through a 30 msg/s fake Bot API."""
    from bot.services import announcements
    from bot.services.announcements import Segment
    from handlers.announce import RATE, Broadcaster

    fake = FakeTelegram(seed=seed)
    person_base = await _max_id(db, Person.id)
    now = utcnow()
    people = []
    subscriptions = []
    for i in range(recipients):
        telegram_id = SUBSCRIBER_BASE + i
        fake.add_user(telegram_id, "Subscriber")
        people.append(
            {"id": person_base + 1 + i, "telegram_id": telegram_id, "language": "kk",
             "audience": "farmer", "value_chain": "apple", "source": None, "consent_at": now,
             "first_seen": now, "last_seen": now, "blocked_at": None}
        )  # fmt: skip
        subscriptions.append(
            {"person_id": person_base + 1 + i, "topic": BROADCAST_TOPIC, "created_at": now}
        )
    await _bulk(db, Person.__table__, people)
    await _bulk(db, Subscription.__table__, subscriptions)
    await _fix_sequences(db, ("people",))

    services = Services(settings=settings, db=db, knowledge=knowledge, background=False)
    app = build_application(services, request=FakeRequest(fake))  # with the rate limiter, as run
    errors: list[BaseException] = []
    app.bot_data["errors"] = errors
    await app.initialize()
    try:
        fake.add_user(MANAGER_ID, "Manager", language_code="ru")
        screen = await app.bot.send_message(MANAGER_ID, "📣")
        await announcements.begin_writing(db, MANAGER_ID, now=now)
        draft = await announcements.write_text(
            db, MANAGER_ID, "Жәрмеңке сенбіде сағат 10-да, Есік базарында.", segment=Segment(),
            now=now,
        )  # fmt: skip
        await announcements.set_segment(db, draft.id, "topic", BROADCAST_TOPIC)
        view = await announcements.start(
            db, draft.id, progress=(MANAGER_ID, screen.message_id), now=utcnow()
        )
        limit = fake.limit_rate(30, retry_after=1, methods=("sendMessage",))
        sender = Broadcaster(app)
        start = time.perf_counter()
        await sender.run_until_idle()
        seconds = time.perf_counter() - start
        tally = (await announcements.get(db, draft.id)).tally
    finally:
        await app.shutdown()
    sends = len(fake.calls_to("sendMessage")) - 1  # the progress message was not a broadcast
    return {
        "recipients": view.recipients,
        "pace_per_second": RATE,
        "sent": tally.sent,
        "failed": tally.failed + tally.unknown,
        "seconds": round(seconds, 1),
        "messages_per_second": round(tally.sent / seconds, 2) if seconds else 0.0,
        "send_requests": sends,
        "retry_after_429": limit.refused,
        "percent_429": round(100 * limit.refused / sends, 2) if sends else 0.0,
        "errors": len(errors),
    }


# ---- the whole run --------------------------------------------------------------------------


def _check(name: str, value: float) -> dict[str, Any]:
    op, bound = TARGETS[name]
    met = value >= bound if op == ">=" else value < bound
    return {"value": value, "target": f"{op} {bound:g}", "met": met}


async def run_bench(settings: Settings, options: BenchOptions) -> dict[str, Any]:
    """Run every benchmark on one fresh database; return every figure."""
    knowledge = KnowledgeHolder(settings.knowledge_dir)
    settings = replace(settings, manager_ids=frozenset({MANAGER_ID}), bot_token=None)
    started = datetime.now(UTC)
    async with fresh_database(settings) as db:
        settings = replace(settings, database_url=db.url)
        machine = {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "database": await database_version(db),
            "python_telegram_bot": telegram.__version__,
            "sqlalchemy": sqlalchemy.__version__,
        }
        fake = FakeTelegram(seed=options.seed)
        progress("mixed traffic")
        traffic = await mixed_traffic(settings, db, knowledge, options, fake)
        progress("echo ceiling")
        ceiling = await echo_ceiling(traffic["updates"], options.clients)
        ceiling["ratio"] = (
            round(traffic["updates_per_second"] / ceiling["updates_per_second"], 3)
            if ceiling["updates_per_second"]
            else 0.0
        )
        progress("durable anchor")
        anchor = await durable_anchor(db, traffic["updates"], options.clients)
        anchor["ratio"] = (
            round(traffic["updates_per_second"] / anchor["updates_per_second"], 3)
            if anchor["updates_per_second"]
            else 0.0
        )
        progress(f"burst ({options.burst_rate:g} updates/s for {options.burst_seconds:g} s)")
        bursting = await burst(
            settings, db, knowledge, fake, clients=options.clients, rate=options.burst_rate,
            seconds=options.burst_seconds,
        )  # fmt: skip
        progress("search")
        search = bench_search(knowledge.current)
        progress("scale of data")
        scale = await scale_of_data(settings, db, knowledge, options, fake)
        progress("broadcast (real sleeping)")
        sending = await broadcast(settings, db, knowledge, options.broadcast, options.seed)
    targets = {
        "traffic_vs_ceiling": _check("traffic_vs_ceiling", ceiling["ratio"]),
        "durable_anchor_ratio": _check("durable_anchor_ratio", anchor["ratio"]),
        "burst_p95_ms": _check("burst_p95_ms", bursting["latency_ms"]["p95"]),
        "burst_p99_ms": _check("burst_p99_ms", bursting["latency_ms"]["p99"]),
        "unloaded_p95_ms": _check("unloaded_p95_ms", traffic["unloaded_latency_ms"]["p95"]),
        "peak_memory_mb": _check("peak_memory_mb", traffic["peak_memory_mb"]),
        "search_p95_ms": _check("search_p95_ms", search["p95_ms"]),
        "broadcast_per_second": _check("broadcast_per_second", sending["messages_per_second"]),
        "broadcast_429_percent": _check("broadcast_429_percent", sending["percent_429"]),
        "cases_list_ms": _check("cases_list_ms", scale["cases_list_ms"]["median"]),
        "case_view_ms": _check("case_view_ms", scale["case_view_ms"]["median"]),
        "monthly_report_ms": _check("monthly_report_ms", scale["monthly_report_ms"]["median"]),
    }
    return {
        "bench": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine,
        "options": options.__dict__,
        "traffic": traffic,
        "ceiling": ceiling,
        "durable_anchor": anchor,
        "burst": bursting,
        "search": search,
        "scale": scale,
        "broadcast": sending,
        "peak_memory_mb_total": peak_memory_mb(),
        "targets": targets,
    }


def progress(step: str) -> None:
    """Say on stderr which part is running (the table and the JSON go to stdout)."""
    print(f"bench: {step}...", file=sys.stderr, flush=True)


def table(result: dict[str, Any]) -> str:
    """Render the figures as a readable table."""
    m, t, c, s, d, b = (
        result["machine"], result["traffic"], result["ceiling"], result["search"],
        result["scale"], result["broadcast"],
    )  # fmt: skip
    a, u = result["durable_anchor"], result["burst"]

    def pct(p: dict[str, float]) -> str:
        return f"{p['p50']:.1f} / {p['p95']:.1f} / {p['p99']:.1f}"

    def mm(p: dict[str, float]) -> str:
        return f"{p['median']:.1f} / {p['max']:.1f}"

    rows = [
        ("machine", f"{m['cores']} cores, Python {m['python']}, {m['database']}"),
        ("", ""),
        (f"mixed traffic: {t['clients']} clients", f"{t['updates']} updates in {t['seconds']} s"),
        ("  updates per second", f"{t['updates_per_second']}"),
        ("  ms per update p50/p95/p99, loaded", pct(t["latency_ms"])),
        (
            f"  ms per update, one at a time ({t['unloaded_updates']})",
            pct(t["unloaded_latency_ms"]),
        ),
        ("  errors / failed journeys", f"{t['errors']} / {t['journey_failures']}"),
        (
            "  cases to a provider / to the manager",
            f"{t['cases_opened']} / {t['cases_queued_for_manager']}",
        ),
        ("  replies delivered", f"{t['replies_delivered']} of {t['replies_expected']}"),
        ("  peak memory (ru_maxrss)", f"{t['peak_memory_mb']} MB"),
        ("echo ceiling (bare PTB)", f"{c['updates']} updates in {c['seconds']} s"),
        ("  updates per second", f"{c['updates_per_second']}"),
        ("  ms per update p50/p95/p99", pct(c["latency_ms"])),
        ("  ours / ceiling", f"{c['ratio']:.2f}"),
        ("durable anchor (one write each)", f"{a['updates']} updates in {a['seconds']} s"),
        ("  updates per second", f"{a['updates_per_second']}"),
        ("  ours / anchor", f"{a['ratio']:.2f}"),
        (
            f"burst: {u['rate']:g} updates/s for {u['seconds']:g} s",
            f"{u['updates']} updates, {u['errors']} errors",
        ),
        ("  ms from due p50/p95/p99", pct(u["latency_ms"])),
        (f"search: {s['queries']} queries", f"p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms"),
        (
            f"scale: {d['people']} people, {d['cases']} cases",
            f"{d['events']} events, {d['open_cases']} open, seeded in {d['seed_seconds']} s",
        ),
        ("  /cases, ms median/max", mm(d["cases_list_ms"])),
        ("    CaseDesk.open_cases", mm(d["open_cases_service_ms"])),
        ("  /case N, ms median/max", mm(d["case_view_ms"])),
        ("    CaseDesk.case_with_history", mm(d["case_with_history_ms"])),
        (f"  monthly report {d['month']}", mm(d["monthly_report_ms"])),
        ("    with the month before and the trend", mm(d["report_document_data_ms"])),
        (f"broadcast: {b['recipients']} subscribers", f"{b['sent']} sent in {b['seconds']} s"),
        ("  messages per second", f"{b['messages_per_second']} (pace {b['pace_per_second']:g})"),
        ("  429 answers", f"{b['retry_after_429']} ({b['percent_429']}% of sends)"),
        ("", ""),
    ]
    for name, check in result["targets"].items():
        rows.append((f"target {name}", f"{check['value']} {check['target']}: "
                     + ("met" if check["met"] else "MISSED")))  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" if name else "" for name, value in rows)


def options_from(args: argparse.Namespace) -> BenchOptions:
    """Read the bench's options from parsed arguments."""
    broadcast_count = (
        args.broadcast if args.broadcast is not None else (600 if args.quick else 10_000)
    )
    for name in ("clients", "people", "cases", "repeat"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name} must be at least 1")
    if broadcast_count < 1:
        raise SystemExit("--broadcast must be at least 1")
    burst_seconds = (
        args.burst_seconds if args.burst_seconds is not None else (15.0 if args.quick else 60.0)
    )
    if args.burst_rate <= 0 or burst_seconds <= 0:
        raise SystemExit("--burst-rate and --burst-seconds must be positive")
    return BenchOptions(
        clients=args.clients, broadcast=broadcast_count, people=args.people, cases=args.cases,
        repeat=args.repeat, burst_rate=args.burst_rate, burst_seconds=burst_seconds,
    )  # fmt: skip


def main(settings: Settings, options: BenchOptions) -> int:
    """Run the benchmarks; print the table, then the figures as one line of JSON."""
    result = asyncio.run(run_bench(settings, options))
    print(table(result))
    print(json.dumps(result, ensure_ascii=False, default=_json_default))
    return 0


def _json_default(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
