"""Build the python-telegram-bot Application: the one place where the bot is wired together.

The composition root: it joins the core (`bot.container.Services`) to the Telegram adapter
(`handlers`). Only the entry points (the CLI, the demo, the tooling, tests) import it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackContext,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.backups import schedule_daily_backup
from bot.container import Services
from bot.db import forget_processed_updates
from bot.resilience import ResilientRequest
from bot.services import outbox, people, privacy
from bot.settings import LANGUAGES
from handlers import register
from handlers.announce import Broadcaster
from handlers.context import BotContext, command_menu, set_personal_commands
from handlers.notify import DeliveryWorker

log = logging.getLogger(__name__)

__all__ = ["Services", "build_application"]  # Services: for the entry points and tests


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Process different people's updates concurrently, one person's updates in order."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _update_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _update_key(update: object) -> int:
    user = getattr(update, "effective_user", None)
    if user is not None:
        return int(user.id)
    chat = getattr(update, "effective_chat", None)
    return int(chat.id) if chat is not None else 0


async def _managers_commands(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """Give each OSS manager the managers' command menu, in their language, from the start."""
    for manager_id in sorted(services.settings.manager_ids):
        profile = await people.get_profile(services.db, manager_id)
        lang = (profile.language if profile else None) or services.settings.default_language
        try:
            await set_personal_commands(application.bot, manager_id, lang, "manager")
        except TelegramError as exc:  # a manager who never opened the bot: at their /start
            log.info("no command menu for manager %s yet: %s", manager_id, exc)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the command menus; start the outbox worker, the announcement sender and the jobs."""
    services: Services = application.bot_data["services"]
    for lang in LANGUAGES:
        await application.bot.set_my_commands(command_menu(lang), language_code=lang)
    await application.bot.set_my_commands(command_menu(services.settings.default_language))
    await _managers_commands(application, services)
    if services.background:
        if services.db.is_sqlite:  # one process by design: any claim left is a dead worker's
            if released := await outbox.release_claims(services.db):
                log.info("released %s notifications claimed before a stop", released)

        worker = DeliveryWorker(application)
        application.bot_data["delivery"] = worker
        worker.start()
        announcer = Broadcaster(application)
        application.bot_data["announcer"] = announcer
        announcer.start()
        jobs = application.job_queue
        if jobs is not None:
            jobs.run_repeating(_tick, interval=60, first=5, name="deadlines-and-follow-ups")
            jobs.run_daily(
                _digest,
                time=services.settings.digest_time.replace(tzinfo=services.settings.tz),
                days=(1, 2, 3, 4, 5),  # PTB counts Sunday as 0
                name="morning-digest",
            )
            schedule_daily_backup(jobs, services.settings)
    log.info("bot @%s is ready", application.bot.username)


async def _tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Check deadlines and follow-ups (computed from the database, so restarts lose none)."""
    services: Services = context.application.bot_data["services"]
    counts = await services.cases.tick()
    settings = services.settings
    counts["erased"] = await privacy.apply_retention(
        services.db, now=services.clock(), days=settings.retention_days,
        draft_days=settings.draft_days,
    )  # fmt: skip
    await forget_processed_updates(services.db, before=services.clock() - timedelta(days=2))
    await asyncio.to_thread(services.knowledge.reload_if_changed)  # follow another's /reload
    if any(counts.values()):
        log.info("periodic check: %s", counts)
        context.application.bot_data["delivery"].wake()


async def _digest(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Queue the manager's morning digest."""
    services: Services = context.application.bot_data["services"]
    if await services.cases.send_digest():
        context.application.bot_data["delivery"].wake()


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop the outbox worker and the announcement sender; close the database."""
    services: Services = application.bot_data["services"]
    announcer = application.bot_data.pop("announcer", None)
    if announcer is not None:
        await announcer.stop()
    worker = application.bot_data.pop("delivery", None)
    if worker is not None:
        await worker.stop()
    await services.db.dispose()


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Wire the Application: defaults, lifecycle hooks, handlers and the error handler.

    `request` replaces the network (the fake Bot API in tests and the demo); either way every
    request goes through ResilientRequest, which retries what is safe to retry.
    """
    settings = services.settings
    context_types = ContextTypes(context=BotContext)
    # Typed loosely on purpose: with a rate limiter the bot's type changes (ExtBot[int]).
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(settings.bot_token or "1:offline-demo-token-for-the-fake-transport")
        .base_url(settings.telegram_api_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.tz,
            )
        )
        .context_types(context_types)
        .concurrent_updates(PerUserUpdateProcessor(64))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .arbitrary_callback_data(False)
    )
    calls = request or HTTPXRequest(
        connection_pool_size=32, connect_timeout=10, read_timeout=20, write_timeout=20,
        pool_timeout=5,
    )  # fmt: skip
    polling = request or HTTPXRequest(connection_pool_size=1, read_timeout=30)
    builder = builder.request(ResilientRequest(calls, sleep=sleep)).get_updates_request(
        ResilientRequest(polling, sleep=sleep)
    )
    if rate_limit:  # throttles; retries are ResilientRequest's job
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    application = builder.build()
    application.bot_data["services"] = services
    register(application)
    return application
