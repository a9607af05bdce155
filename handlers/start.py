"""First contact: /start, the language choice and the welcome."""

from __future__ import annotations

import re

from telegram import Update

from bot.app import BotContext, set_personal_commands
from bot.services import people
from handlers.common import show, user_id
from handlers.keyboards import language_keyboard

LANGUAGE_PROMPT = "Тілді таңдаңыз\nВыберите язык\nChoose your language"
_SOURCE_RE = re.compile(r"^src-([A-Za-z0-9_-]{1,40})$")


async def start(update: Update, context: BotContext) -> None:
    """Greet the person and offer the three languages."""
    payload = context.args[0] if context.args else ""
    match = _SOURCE_RE.match(payload)
    async with context.svc.db.write() as session:
        await people.record_visit(session, user_id(update), source=match and match.group(1))
    await show(update, context, LANGUAGE_PROMPT, language_keyboard(context.lang))


async def ask_language(update: Update, context: BotContext) -> None:
    """Offer the three languages again."""
    await show(update, context, LANGUAGE_PROMPT, language_keyboard(context.lang))


async def choose_language(update: Update, context: BotContext) -> None:
    """Store the chosen language, switch the command menu and welcome the person."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    lang = query.data.removeprefix("lang:")
    async with context.svc.db.write() as session:
        context.person = await people.set_language(session, user_id(update), lang)
    context.lang = lang
    await set_personal_commands(context.bot, user_id(update), lang)
    await show(update, context, welcome_text(context))


def welcome_text(context: BotContext) -> str:
    """Say what the OSS is, what the bot can do and what it stores."""
    _ = context._
    return "\n\n".join(
        (
            _("<b>Welcome to the One Stop Shop of Enbekshikazakh district!</b>"),
            _(
                "The One Stop Shop (OSS) brings together 12 organisations that help farmers, "
                "job seekers and entrepreneurs: opportunities, rules, where to go and how to apply."
            ),
            _(
                "Here you can find an answer in a few taps, and ask a specialist when the "
                "answer is not enough."
            ),
            _(
                "I keep only your language and the choices you make here. A question goes to a "
                "specialist only if you agree."
            ),
        )
    )
