"""Measure what large webhook bodies without the secret token do to a running bot's memory.

Starts a real `oss-bot run` in webhook mode (on the fake Bot API, a throwaway SQLite file),
reads its resident memory, POSTs four 90 MB bodies without Telegram's secret-token header,
and reads it again. Prints the figures; it is a measurement, not a test.

    .venv/bin/python scripts/webhook_memory.py                    # this checkout
    .venv/bin/python scripts/webhook_memory.py --source /tmp/old  # another checkout's code
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tooling.faketg_server import ServerThread  # noqa: E402

TOKEN = "123456:TEST-token-for-the-webhook-memory-00"
SECRET = "s3cret-token_for-webhooks"
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = round(int(value.split()[0]) / 1024, 1)
    return figures


def body(size: int) -> Iterator[bytes]:
    block = b"x" * MB
    for _ in range(size // MB):
        yield block


def post(url: str, size_mb: int) -> str:
    """POST `size_mb` of junk without the secret; return the status or the error's name."""
    headers = {"Content-Length": str(size_mb * MB)}
    try:
        with httpx.Client(timeout=120) as client:
            return str(client.post(url, content=body(size_mb * MB), headers=headers).status_code)
    except httpx.HTTPError as exc:
        return type(exc).__name__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose bot runs")
    parser.add_argument("--posts", type=int, default=4)
    parser.add_argument("--size-mb", type=int, default=90)
    args = parser.parse_args()

    server = ServerThread().start_and_wait()
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="oss-webhook-memory-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
    env.update(
        BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.base_url, HOME=str(folder),
        DATABASE_URL=f"sqlite:///{folder}/bot.sqlite3", PYTHONPATH=str(args.source),
        WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), LOG_LEVEL="ERROR",
    )  # fmt: skip
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            if time.monotonic() > deadline or bot.poll() is not None:
                print("the bot did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        time.sleep(1)
        before = memory_mb(bot.pid)
        started = time.monotonic()
        with ThreadPoolExecutor(args.posts) as pool:  # all at once, as an attacker would
            outcomes = list(pool.map(lambda _: post(url, args.size_mb), range(args.posts)))
        seconds = time.monotonic() - started
        time.sleep(1)
        after = memory_mb(bot.pid)
    finally:
        bot.terminate()
        bot.wait(30)
        server.stop()
    print(f"code: {args.source}")
    print(f"{args.posts} POSTs of {args.size_mb} MB at once without the secret token:", end=" ")
    print(", ".join(outcomes))
    print(f"  took {seconds:.1f} s")
    print(f"  bot memory before: {before['VmRSS']} MB resident")
    print(f"  bot memory after:  {after['VmRSS']} MB resident, peak {after['VmHWM']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
