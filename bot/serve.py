"""Serve Telegram so that a crash loses no update: acknowledge an update only once handled.

python-telegram-bot's own updater confirms a batch of updates to Telegram (by asking for the
next one) while the batch may still be waiting in its queue, and its webhook answers 200 before
the update is handled: a process killed at that moment loses those updates. Here the next
`getUpdates` offset, and the webhook's 200, come only after the updates were handled. Handling is
idempotent across redeliveries (see `bot.db.Database.write`), so at-least-once delivery from
Telegram becomes exactly-once handling.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application
from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler, stream_request_body

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def handle_batch(application: AnyApplication, updates: Sequence[Update]) -> None:
    """Handle a batch: different people at once, one person's updates in order."""
    processor = application.update_processor
    await asyncio.gather(
        *(
            processor.process_update(update, application.process_update(update))
            for update in updates
        )
    )


async def _start(application: AnyApplication) -> None:
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()


async def _stop(application: AnyApplication) -> None:
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or not Unix
            pass


async def poll(application: AnyApplication, *, stop: asyncio.Event | None = None) -> None:
    """Long-poll Telegram; confirm an update only once it and all before it were handled.

    Updates are handled as they come (one person's in order, different people at once), so a
    slow or throttled person does not hold the others back. The offset sent to Telegram never
    passes an update still being handled; unconfirmed updates that Telegram sends again while
    they are in hand are ignored.
    """
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    await _start(application)
    bot = application.bot
    processor = application.update_processor
    in_hand: dict[int, asyncio.Task[None]] = {}
    newest = -1
    try:
        await bot.delete_webhook()
        pause = 1.0
        while not stop.is_set():
            confirm = min(in_hand) if in_hand else (newest + 1 if newest >= 0 else None)
            try:
                updates = await bot.get_updates(
                    offset=confirm, timeout=1 if in_hand else 25, allowed_updates=ALLOWED_UPDATES
                )
            except (TimedOut, NetworkError, RetryAfter) as exc:
                log.info("getUpdates failed (%s); trying again in %.0fs", type(exc).__name__, pause)
                await _sleep_or_stop(stop, pause)
                pause = min(pause * 2, 30.0)
                continue
            except (Conflict, InvalidToken):
                log.exception("Telegram refused polling")
                raise
            pause = 1.0
            for update in updates:
                if update.update_id <= newest:
                    continue  # in hand already, or handled: Telegram sent it again
                newest = update.update_id
                task = asyncio.create_task(
                    processor.process_update(update, application.process_update(update))
                )
                in_hand[update.update_id] = task
                task.add_done_callback(functools.partial(_forget, in_hand, update.update_id))
        if in_hand:
            await asyncio.gather(*in_hand.values(), return_exceptions=True)
        if newest >= 0:  # confirm what was handled before leaving
            try:
                await bot.get_updates(offset=newest + 1, timeout=0, allowed_updates=ALLOWED_UPDATES)
            except (TimedOut, NetworkError):
                pass  # it will be redelivered and skipped as already handled
    finally:
        await _stop(application)


def _forget(in_hand: dict[int, asyncio.Task[None]], update_id: int, _done: object) -> None:
    """Drop a handled update from those in hand (a task's done callback)."""
    in_hand.pop(update_id, None)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


# Telegram's updates are a few kilobytes (a message is at most 4,096 characters); a megabyte
# leaves room for any of them and none for an attacker who wants the process's memory.
DEFAULT_MAX_BODY = 1024 * 1024


@stream_request_body
class _WebhookHandler(RequestHandler):
    """Telegram's webhook: the secret token and the size are checked before any body is read.

    With `stream_request_body`, `prepare` runs as soon as the headers have arrived; a request
    without the right secret, or announcing a body over the limit, is answered at once and the
    connection closed, so its body is never read. A chunked body (no length announced) is
    counted as it arrives and refused past the limit, never buffered whole.
    """

    def initialize(self, bot_application: AnyApplication, secret: str, max_body: int) -> None:
        self.bot_application = bot_application
        self.secret = secret
        self.max_body = max_body
        self.chunks: list[bytes] = []
        self.received = 0

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            self._refuse(403)
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and not length.isdigit():
            self._refuse(400)
            return
        if length is not None and int(length) > self.max_body:
            log.warning("webhook request of %s bytes refused (limit %s)", length, self.max_body)
            self._refuse(413)
            return
        # Tornado itself stops reading a chunked body whose declared chunks pass the limit.
        self._limit_body(self.max_body)

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.received += len(chunk)
        if self.received > self.max_body:
            log.warning("webhook request body over %s bytes refused", self.max_body)
            self.chunks.clear()
            self._refuse(413)
            return
        self.chunks.append(chunk)

    def _refuse(self, status: int) -> None:
        """Answer `status` and close the connection without reading the rest of the body."""
        self._limit_body(0)
        self.set_status(status)
        self.set_header("Connection", "close")
        self.finish()

    def _limit_body(self, size: int) -> None:
        connection = self.request.connection
        if isinstance(connection, HTTP1Connection):
            connection.set_max_body_size(size)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            if not isinstance(data, dict):
                raise TypeError(f"an update is a JSON object, not {type(data).__name__}")
            update = Update.de_json(data, self.bot_application.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("webhook request with an unreadable update refused: %s", exc)
            self.set_status(400)
            self.finish()
            return
        await handle_batch(self.bot_application, [update])
        self.set_status(200)
        self.finish()


def webhook_app(
    application: AnyApplication, path: str, secret: str, *, max_body: int = DEFAULT_MAX_BODY
) -> WebApplication:
    """The web application that receives Telegram's webhook requests on `path`."""
    route = "/" + path.strip("/")
    options = {"bot_application": application, "secret": secret, "max_body": max_body}
    return WebApplication([(route, _WebhookHandler, options)])


def webhook_server(
    application: AnyApplication, path: str, secret: str, *, max_body: int = DEFAULT_MAX_BODY
) -> HTTPServer:
    """The HTTP server for the webhook; `max_body` is also tornado's ceiling for any body."""
    return HTTPServer(
        webhook_app(application, path, secret, max_body=max_body), max_body_size=max_body
    )


async def serve_webhook(
    application: AnyApplication,
    *,
    listen: str,
    port: int,
    path: str,
    public_url: str,
    secret: str,
    register: bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    stop: asyncio.Event | None = None,
) -> None:
    """Receive updates by webhook; answer 200 only once an update was handled."""
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    await _start(application)
    server = webhook_server(application, path, secret, max_body=max_body)
    server.listen(port, listen)
    try:
        if register:
            await application.bot.set_webhook(
                public_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
        log.info("webhook listening on %s:%s", listen, port)
        await stop.wait()
    finally:
        server.stop()
        await _stop(application)
