"""The webhook as an attacker and as Telegram meet it: the secret token and the body size are
checked before any body is read, and a broken update with the right secret is a 400."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest

from bot.serve import SECRET_HEADER, webhook_server
from bot.tooling.harness import Harness

SECRET = "s3cret-token_for-webhooks"
LIMIT = 64 * 1024
NINETY_MB = 90 * 1024 * 1024


@pytest.fixture
async def webhook(harness: Harness) -> AsyncIterator[tuple[Harness, int]]:
    """The real Application behind the real webhook server, on a free local port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = webhook_server(harness.app, "/telegram", SECRET, max_body=LIMIT)
    server.listen(port, "127.0.0.1")
    try:
        yield harness, port
    finally:
        server.stop()


async def request(
    port: int, head: dict[str, str], body: bytes = b"", *, chunks: int = 0
) -> tuple[int, bytes]:
    """Send a POST's headers and `body` (or `chunks` chunks of 64 KB, never finished); return
    the status and body of the answer, which must come within five seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = ["POST /telegram HTTP/1.1", "Host: bot.example.org"]
        lines += [f"{name}: {value}" for name, value in head.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        for _ in range(chunks):
            writer.write(b"10000\r\n" + b"x" * 0x10000 + b"\r\n")
            await writer.drain()
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = next(
            (
                int(line.split(b":")[1])
                for line in headers.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        answer = await asyncio.wait_for(reader.readexactly(length), 5)
        return int(status_line.split()[1]), answer
    finally:
        writer.close()


def update_body(harness: Harness, user_id: int, text: str) -> bytes:
    return json.dumps(harness.fake.text_update(user_id, text)).encode()


@pytest.mark.parametrize("secret", [None, "wrong", SECRET[:-1]])
async def test_a_request_without_the_secret_is_refused_before_its_body_is_read(
    webhook, secret: str | None
) -> None:
    """Four 90 MB bodies without the secret used to be read whole before the refusal."""
    _, port = webhook
    head = {"Content-Type": "application/json", "Content-Length": str(NINETY_MB)}
    if secret is not None:
        head[SECRET_HEADER] = secret
    # Only the headers are sent: the answer comes without waiting for the 90 MB.
    status, _ = await request(port, head)
    assert status == 403


async def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(webhook) -> None:
    _, port = webhook
    head = {SECRET_HEADER: SECRET, "Content-Length": str(NINETY_MB)}
    status, _ = await request(port, head)
    assert status == 413


async def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(webhook) -> None:
    _, port = webhook
    head = {SECRET_HEADER: SECRET, "Transfer-Encoding": "chunked"}
    # Twice the limit, and the last chunk never comes: the server must not wait for it. It
    # answers and closes the connection; a client still sending may see the close (a reset)
    # before the answer.
    try:
        status, _ = await request(port, head, chunks=2 * LIMIT // 0x10000)
    except (ConnectionError, asyncio.IncompleteReadError):
        status = None
    assert status in (400, 413, None)


@pytest.mark.parametrize("body", [b"[]", b"null", b"42", b'"text"', b"{not json", b"{}", b"\xff"])
async def test_a_broken_update_with_the_secret_is_a_400_and_the_bot_carries_on(
    webhook, body: bytes
) -> None:
    harness, port = webhook
    head = {SECRET_HEADER: SECRET, "Content-Length": str(len(body))}
    status, _ = await request(port, head, body)
    assert status == 400
    assert harness.errors == []

    person = harness.phone(language_code="en")
    start = update_body(harness, person.id, "/start")
    status, _ = await request(
        port, {SECRET_HEADER: SECRET, "Content-Length": str(len(start))}, start
    )
    assert status == 200
    assert "English" in person.last.labels


async def test_an_update_in_a_chunked_body_under_the_limit_is_handled(webhook) -> None:
    harness, port = webhook
    person = harness.phone(language_code="en")
    start = update_body(harness, person.id, "/start")
    chunked = f"{len(start):x}\r\n".encode() + start + b"\r\n0\r\n\r\n"
    status, _ = await request(
        port, {SECRET_HEADER: SECRET, "Transfer-Encoding": "chunked"}, chunked
    )
    assert status == 200
    assert "English" in person.last.labels


async def test_a_content_length_that_is_not_a_number_is_a_400(webhook) -> None:
    _, port = webhook
    status, _ = await request(port, {SECRET_HEADER: SECRET, "Content-Length": "lots"})
    assert status == 400
