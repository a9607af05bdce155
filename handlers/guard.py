"""Updates that are not a private conversation, or come too fast: handled kindly, early."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.i18n import pick_language, translator
from handlers.context import BotContext

log = logging.getLogger(__name__)


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class FloodGuard:
    """A token bucket per person: a burst of `burst` updates, then `rate` per second.

    A person over the limit is slowed down: their update waits for a token, up to `max_delay`
    seconds; only beyond that is it dropped (and the person told once, kindly). Others are not
    affected, since each person's updates are handled in their own order. It lives in each
    process's memory on purpose: it only protects the bot, and costs no database write.
    """

    def __init__(
        self, *, burst: int = 30, rate: float = 2.0, max_delay: float = 5.0,
        remember: int = 10_000,
    ) -> None:  # fmt: skip
        self.burst = burst
        self.rate = rate
        self.max_delay = max_delay
        self.remember = remember
        self.buckets: OrderedDict[int, _Bucket] = OrderedDict()
        self.clock = time.monotonic

    def reserve(self, user_id: int) -> tuple[float | None, bool]:
        """Return (seconds to wait, or None to drop; whether to warn the person now)."""
        now = self.clock()
        bucket = self.buckets.pop(user_id, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self.buckets[user_id] = bucket
        if len(self.buckets) > self.remember:
            self.buckets.popitem(last=False)
        wait = max(0.0, (1 - bucket.tokens) / self.rate)
        if wait > self.max_delay:
            warn = not bucket.warned
            bucket.warned = True
            return None, warn
        bucket.tokens -= 1  # may go below zero: the debt is the queue of waiting updates
        if wait == 0:
            bucket.warned = False
        return wait, False


async def slow_down(update: Update, context: BotContext) -> None:
    """Make a person who floods the bot wait; drop only a flood beyond the wait, kindly."""
    user = update.effective_user
    if user is None:
        return
    guard: FloodGuard = context.application.bot_data.setdefault("flood_guard", FloodGuard())
    wait, warn = guard.reserve(user.id)
    if wait is not None:
        if wait > 0:
            log.info("slowing down user %s by %.1fs", user.id, wait)
            await context.application.bot_data.get("sleep", asyncio.sleep)(wait)
        return
    log.info("dropping an update of user %s: too many too fast", user.id)
    if (
        warn
        and update.effective_chat is not None
        and update.effective_chat.type == ChatType.PRIVATE
    ):
        lang = pick_language(user.language_code, context.svc.settings.default_language)
        text = translator(lang).gettext(
            "You are sending messages very fast. Please wait a few seconds, then try again."
        )
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            else:
                await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            pass
    elif update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except TelegramError:
            pass
    raise ApplicationHandlerStop


async def not_private(update: Update, context: BotContext) -> None:
    """In a group, say politely that the bot works in private chats, then leave."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if chat.type != ChatType.CHANNEL:
        lang = pick_language(
            update.effective_user.language_code if update.effective_user else None,
            context.svc.settings.default_language,
        )
        _ = translator(lang).gettext
        button = InlineKeyboardButton(
            "💬 " + _("Open a private chat"), url=f"https://t.me/{context.bot.username}"
        )
        try:
            await context.bot.send_message(
                chat.id,
                _(
                    "Hello! I help people one by one, in a private chat, so that nobody else "
                    "sees their questions. Please write to me directly."
                ),
                reply_markup=InlineKeyboardMarkup([[button]]),
            )
        except TelegramError:
            log.info("could not post in chat %s", chat.id)
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError:
        log.info("could not leave chat %s", chat.id)
    raise ApplicationHandlerStop


async def added_to_chat(update: Update, context: BotContext) -> None:
    """When someone adds the bot to a group or channel, explain and leave."""
    member = update.my_chat_member
    if member is None or member.chat.type == ChatType.PRIVATE:
        return
    if member.new_chat_member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        await not_private(update, context)


async def edited(update: Update, context: BotContext) -> None:
    """Say that an edit is not taken into account, and how to correct."""
    message = update.edited_message
    if message is None:
        return
    _ = context._
    await context.bot.send_message(
        message.chat.id,
        _("I only see new messages, not edits. Please send the corrected text as a new message."),
    )
