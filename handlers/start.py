"""First contact and who the person is: /start, languages, audience, value chain."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.knowledge import VALUE_CHAINS
from bot.services import people
from handlers import render
from handlers.answers import send_card
from handlers.common import ack, refresh_commands, render_main_menu, role_of, show, user_id
from handlers.context import BotContext
from handlers.desk import accept_invite
from handlers.routes import (
    AudienceMenu,
    ChooseAudience,
    ChooseChain,
    ChooseLanguage,
    LanguageMenu,
    MainMenu,
)

_SOURCE_RE = re.compile(r"^src-([A-Za-z0-9_-]{1,60})$")
_ENTRY_RE = re.compile(r"^e-([a-z0-9-]{3,40})$")


async def start(update: Update, context: BotContext) -> None:
    """Greet: a deep link opens its entry; a returning person gets the main menu."""
    payload = context.args[0] if context.args else ""
    if payload.startswith("inv-"):
        await accept_invite(update, context, payload.removeprefix("inv-"))
        return
    source_match, entry_match = _SOURCE_RE.match(payload), _ENTRY_RE.match(payload)
    source = source_match.group(1) if source_match else (payload if entry_match else None)
    context.person, fresh = await people.record_visit(
        context.svc.db, user_id(update), source=source, language=context.lang
    )
    # Every /start, so that an account linked to a provider, or no longer, gets its role's menu.
    await refresh_commands(update, context)
    if entry_match and context.svc.kb.entry(entry_match.group(1)) is not None:
        await send_card(update, context, entry_match.group(1), back=MainMenu())
        return
    if fresh or context.person.audience is None:
        await show(update, context, render.LANGUAGE_PROMPT, render.language_keyboard())
        return
    await show_main_menu(update, context)


async def ask_language(
    update: Update, context: BotContext, press: LanguageMenu | None = None
) -> None:
    """Offer the three languages."""
    await ack(update)
    await show(update, context, render.LANGUAGE_PROMPT, render.language_keyboard())


async def choose_language(update: Update, context: BotContext, press: ChooseLanguage) -> None:
    """Switch everything to the chosen language, the command menu included."""
    await ack(update)
    lang = press.lang
    context.person = await people.set_language(context.svc.db, user_id(update), lang)
    context.lang = lang
    await refresh_commands(update, context)
    if context.person.audience is None:
        _ = context._
        await show(update, context, render.welcome(_), render.audience_keyboard(_))
    else:
        await render_main_menu(update, context)  # the press is answered already


async def ask_audience(update: Update, context: BotContext, press: AudienceMenu) -> None:
    """Ask who the person is."""
    await ack(update)
    _ = context._
    await show(update, context, render.audience_question(_), render.audience_keyboard(_))


async def choose_audience(update: Update, context: BotContext, press: ChooseAudience) -> None:
    """Remember who the person is; ask farmers what they grow."""
    await ack(update)
    audience = press.audience
    context.person = await people.set_audience(context.svc.db, user_id(update), audience)
    if audience == "farmer":
        _ = context._
        await show(update, context, render.value_chain_question(_), render.value_chain_keyboard(_))
        return
    await render_main_menu(update, context)


async def choose_value_chain(update: Update, context: BotContext, press: ChooseChain) -> None:
    """Remember what the farmer grows or produces, then show the topics."""
    await ack(update)
    value_chain = press.chain if press.chain in VALUE_CHAINS else None
    context.person = await people.set_value_chain(context.svc.db, user_id(update), value_chain)
    await render_main_menu(update, context)


async def show_main_menu(
    update: Update, context: BotContext, press: MainMenu | None = None
) -> None:
    """Show the main menu in the person's language."""
    await ack(update)
    await render_main_menu(update, context)


async def help_command(update: Update, context: BotContext) -> None:
    """Explain in a few lines how to use the bot: to a client, a provider's staff, a manager."""
    _ = context._
    role = await role_of(context, user_id(update))
    if role != "client":
        await show(
            update,
            context,
            render.staff_help(role, _),
            InlineKeyboardMarkup([[render.home_button(_)]]),
        )
        return
    text = "\n\n".join(
        (
            "ℹ️ <b>" + _("How to use this bot") + "</b>",
            _("Press the buttons to choose a topic, or type your question in your own words."),
            _(
                "If the answer is not enough, press “Ask a specialist”: the OSS passes your "
                "question to the right organisation."
            ),
            _(
                "/menu: main menu\n/language: change language\n/cancel: stop what you are "
                "doing\n/start: start again"
            ),
        )
    )
    await show(update, context, text, InlineKeyboardMarkup([[render.home_button(_)]]))


async def cancel(update: Update, context: BotContext) -> None:
    """Stop whatever the person was doing and go back to the main menu."""
    _ = context._
    stopped = await context.svc.cases.cancel(user_id(update))
    if stopped == "draft":
        text = _("Your question was not sent and is deleted.")
    elif stopped is not None:
        text = _("OK, your message was not sent.")
    else:
        text = _("OK, stopped.")
    await context.bot.send_message(user_id(update), text, reply_markup=ReplyKeyboardRemove())
    await show_main_menu(update, context)
