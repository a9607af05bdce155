"""Scale-out: two `oss-bot run` processes in webhook mode behind one address, on PostgreSQL,
behave as one bot; requests without Telegram's secret token are refused."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bot.app import Services
from bot.db import Database
from bot.tooling.faketg_server import ServerThread
from tests.support import (
    EMPLOYMENT_STAFF,
    MANAGER_ID,
    ON_POSTGRES,
    Clock,
    ask,
    client_at_entry,
    link,
    manager_phone,
    prepare_for_a_real_bot,
    stored_cases,
)

OSS_BOT = Path(sys.executable).parent / "oss-bot"
TOKEN = "123456:TEST-token-for-the-two-worker-test-00"
SECRET = "s3cret-token_for-webhooks"
CLIENTS = [40_000 + n for n in range(6)]
ENTRY = "job-register-seeker"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ON_POSTGRES, reason="several bot processes need PostgreSQL"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_two_webhook_workers_behave_as_one_bot(database_url: str, tmp_path: Path) -> None:
    asyncio.run(prepare_for_a_real_bot(database_url))
    server = ServerThread().start_and_wait()
    fake = server.fake
    for user_id in (MANAGER_ID, EMPLOYMENT_STAFF, *CLIENTS):
        server.run_in_loop(fake.add_user, user_id, f"User {user_id}")
    ports = [free_port(), free_port()]
    workers = []
    for number, port in enumerate(ports):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
        env.update(
            HOME=str(tmp_path), BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.base_url,
            DATABASE_URL=database_url, OSS_MANAGER_IDS=str(MANAGER_ID),
            WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
        )  # fmt: skip
        log = (tmp_path / f"worker{number}.log").open("wb")
        workers.append(
            subprocess.Popen([str(OSS_BOT), "run"], env=env, cwd=tmp_path, stdout=log,
                             stderr=subprocess.STDOUT)
        )  # fmt: skip
        log.close()
    urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    client = httpx.Client(timeout=30)
    sent = [0]

    def deliver(update: dict, *, to: int | None = None, secret: str | None = SECRET) -> int:
        """Act as Telegram: POST the update to one of the workers (round robin)."""
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        target = urls[sent[0] % 2] if to is None else urls[to]
        sent[0] += 1
        return client.post(target, json=update, headers=headers).status_code

    try:
        assert wait_for(lambda: all(_listening(p) for p in ports)), _logs(tmp_path)
        # Requests without the right secret token are refused, and change nothing.
        stray = server.run_in_loop(fake.text_update, CLIENTS[0], "/start")
        assert deliver(stray, secret=None) == 403
        assert deliver(stray, secret="wrong") == 403
        assert not server.run_in_loop(fake.bot_messages, CLIENTS[0])

        # Each client's steps alternate between the two workers.
        for user_id in CLIENTS:
            press = lambda data, u=user_id: server.run_in_loop(fake.callback_update, u, 1, data)  # noqa: E731
            steps = [
                server.run_in_loop(fake.text_update, user_id, "/start"),
                press("lang:en"), press("aud:job_seeker"), press(f"ask:{ENTRY}"),
                press(f"cs:{ENTRY}"),
                server.run_in_loop(fake.text_update, user_id, f"Part A from {user_id}."),
                server.run_in_loop(fake.text_update, user_id, f"Part B from {user_id}."),
                press("dr:send"),
            ]  # fmt: skip
            for step in steps:
                assert deliver(step) == 200
            # Telegram may deliver an update twice, to either worker: handled once.
            assert deliver(steps[-1], to=0) == 200
            assert deliver(steps[-1], to=1) == 200

        def manager_cards() -> Counter[str]:
            texts = server.run_in_loop(
                lambda: [m.get("text", "") for m in fake.bot_messages(MANAGER_ID)]
            )
            return Counter(t.split("№")[1].split()[0] for t in texts if t.startswith("🆕"))

        assert wait_for(lambda: sum(manager_cards().values()) >= len(CLIENTS)), _logs(tmp_path)
        time.sleep(3)  # give both delivery workers time to send anything twice
        cases = asyncio.run(stored_cases(database_url))
        provider_texts = server.run_in_loop(
            lambda: [m.get("text", "") for m in fake.bot_messages(EMPLOYMENT_STAFF)]
        )
    finally:
        client.close()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
        server.stop()

    assert len(cases) == len(CLIENTS)
    for user_id in CLIENTS:
        question = next(q for _, q in cases if f"from {user_id}." in q)
        assert question.count(f"Part A from {user_id}.") == 1
        assert question.count(f"Part B from {user_id}.") == 1
    cards = Counter(
        t.split("№")[1].split()[0]
        for t in (m.get("text", "") for m in fake.bot_messages(MANAGER_ID))
        if t.startswith("🆕")
    )
    assert sorted(cards) == sorted(str(n) for n, _ in cases)
    assert set(cards.values()) == {1}
    provider_cards = Counter(
        t.split("№")[1].split()[0] for t in provider_texts if t.startswith("📥")
    )
    assert set(provider_cards.values()) == {1} and len(provider_cards) == len(CLIENTS)
    confirmations = [
        c
        for c in CLIENTS
        for m in fake.bot_messages(c)
        if "Your case number is" in m.get("text", "")
    ]
    assert sorted(confirmations) == sorted(CLIENTS)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _logs(folder: Path) -> str:
    return "\n".join(p.read_text()[-2000:] for p in sorted(folder.glob("worker*.log")))


async def test_the_periodic_check_runs_once_when_two_processes_run_it_together(
    harness, database_url: str
) -> None:
    """Deadlines are checked by both processes every minute; each case is escalated once."""

    clock = Clock(harness.services.clock())
    harness.services.clock = clock
    manager = await manager_phone(harness, "en")
    await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    for n in range(3):
        client = await client_at_entry(harness, ENTRY, "en", "job_seeker")
        await ask(client, "en", f"Question {n}")
    clock.advance(days=5)
    other = Services(settings=harness.services.settings, db=Database(database_url),
                     knowledge=harness.services.knowledge, clock=clock)  # fmt: skip
    try:
        results = await asyncio.gather(harness.services.cases.tick(), other.cases.tick())
    finally:
        await other.db.dispose()
    await harness.deliver()
    assert sorted(r["overdue"] for r in results) == [0, 3]  # one process did it, the other waited
    overdue = [s for s in manager.screens if "overdue" in s.text]
    assert len(overdue) == 3
