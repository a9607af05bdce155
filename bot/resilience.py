"""Retry Bot API requests that failed on the way, without sending anything twice on purpose.

Wraps the request object python-telegram-bot talks through (its one network seam). A request
that certainly did not reach Telegram (no connection, a pool or connect timeout) or that Telegram
refused with 5xx or 429 is tried again, honouring `retry_after`. A request that may have reached
Telegram (the answer was lost: a read timeout, a broken connection after sending) is retried only
when repeating it is harmless: reading, editing, answering a button. A lost answer to sendMessage
is passed up instead; the outbox decides what to do with it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# Methods whose repetition changes nothing a person sees.
HARMLESS_TO_REPEAT = frozenset(
    {
        "getMe", "getUpdates", "getFile", "getChat", "getWebhookInfo", "getMyCommands",
        "setMyCommands", "deleteMyCommands", "setWebhook", "deleteWebhook", "setChatMenuButton",
        "answerCallbackQuery", "editMessageText", "editMessageReplyMarkup",
        "editMessageCaption", "deleteMessage", "leaveChat", "sendChatAction", "close", "logOut",
    }
)  # fmt: skip
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, ConnectionError)


def never_reached_telegram(error: BaseException) -> bool:
    """Tell whether a failure surely happened before the request could reach Telegram."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _NOT_SENT) or "Pool timeout" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Verdict(StrEnum):
    """What a failed send means for the message, whoever sent it (outbox or announcement)."""

    RETRY_AFTER = "retry_after"  # 429: Telegram asks to wait `retry_after` seconds, then retry
    GONE = "gone"  # 403: blocked by the person, account deleted, bot kicked: never deliverable
    REFUSED = "refused"  # 400: this message is wrong (bad file id, bad markup): retry is futile
    NOT_SENT = "not_sent"  # the request surely never reached Telegram: safe to send again
    UNKNOWN = "unknown"  # the answer was lost after sending: the message may have arrived
    OTHER = "other"  # any other Telegram error


@dataclass(frozen=True)
class SendFailure:
    """A failed send, classified: the verdict, a short error for the records, and the wait."""

    verdict: Verdict
    error: str
    retry_after: float = 0.0


def classify_send_failure(exc: TelegramError) -> SendFailure:
    """Classify a Telegram error raised by a send: the one ladder every sender uses."""
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendFailure(Verdict.RETRY_AFTER, f"429 retry after {seconds}s", seconds)
    if isinstance(exc, Forbidden):
        return SendFailure(Verdict.GONE, exc.message)
    if isinstance(exc, BadRequest):  # a subclass of NetworkError: ask before it
        return SendFailure(Verdict.REFUSED, exc.message)
    error = f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, NetworkError):  # timeouts, broken connections, 5xx
        verdict = Verdict.NOT_SENT if never_reached_telegram(exc) else Verdict.UNKNOWN
        return SendFailure(verdict, error)
    return SendFailure(Verdict.OTHER, error)


class ResilientRequest(BaseRequest):
    """A BaseRequest that retries failures it is safe to retry."""

    def __init__(
        self,
        inner: BaseRequest,
        *,
        attempts: int = 4,
        base_delay: float = 0.5,
        max_wait: float = 10.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.sleep = sleep

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                code, payload = await self.inner.do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout,
                    pool_timeout,
                )  # fmt: skip
            except (NetworkError, OSError, httpx.HTTPError) as exc:
                safe = never_reached_telegram(exc) or api_method in HARMLESS_TO_REPEAT
                if isinstance(exc, TimedOut) and api_method == "getUpdates":
                    raise  # long polling times out by design; the updater calls again
                if last or not safe:
                    raise
                delay = self._backoff(attempt)
                log.info("%s failed (%s); retrying in %.1fs", api_method, type(exc).__name__, delay)
                await self.sleep(delay)
                continue
            if code == 429 and not last:
                wait = _retry_after(payload)
                if wait is not None and wait <= self.max_wait:
                    log.info("%s: Telegram asks to wait %ss", api_method, wait)
                    await self.sleep(wait)
                    continue
            if code >= 500 and not last:
                delay = self._backoff(attempt)
                log.info("%s: Telegram answered %s; retrying in %.1fs", api_method, code, delay)
                await self.sleep(delay)
                continue
            return code, payload
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return self.base_delay * (2.0 ** (attempt - 1)) * (0.75 + random.random() / 2)


def _retry_after(payload: bytes) -> float | None:
    try:
        parameters = json.loads(payload).get("parameters") or {}
    except (ValueError, AttributeError):
        return None
    value = parameters.get("retry_after")
    return float(value) if isinstance(value, int | float) else None
