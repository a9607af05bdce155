"""Shared steps of the Telegram adapter: who is writing, how to show a screen, errors."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.db import AlreadyProcessed
from bot.i18n import pick_language
from bot.services import people
from bot.services.cases import CaseError
from handlers import render
from handlers.context import BotContext, Role, set_personal_commands

log = logging.getLogger(__name__)


async def load_person(update: Update, context: BotContext) -> None:
    """Load the person behind the update and choose the language to answer in."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    context.person = await people.get_profile(context.svc.db, user.id)
    if context.person is not None and context.person.language:
        context.lang = context.person.language
    else:
        context.lang = pick_language(user.language_code, context.svc.settings.default_language)


def is_private(update: Update) -> bool:
    """Tell whether the update comes from a private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def show(
    update: Update,
    context: BotContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Show a screen: replace the menu message after a button press, else send a new one."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.text:
        try:
            edited = await query.message.edit_text(text, reply_markup=keyboard)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return query.message
            log.info("could not edit message %s (%s); sending anew", query.message.id, exc)
        else:
            return edited if isinstance(edited, Message) else query.message
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=keyboard)


async def begin_update(update: Update, context: BotContext) -> None:
    """Make the update pending: its first write claims it, or drops it if seen (see `bot.db`)."""
    context.svc.db.begin_update(update.update_id)


async def finish_update(update: Update, context: BotContext) -> None:
    """Forget the pending update (see `bot.db`)."""
    context.svc.db.finish_update()


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure with its traceback and tell the person something kind."""
    if isinstance(context.error, AlreadyProcessed):
        log.info("update %s was handled elsewhere meanwhile; dropped", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    errors = context.application.bot_data.get("errors")
    if errors is not None:  # the test harness keeps them, so that no failure goes unseen
        errors.append(context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except TelegramError:
            pass
    if not is_private(update) or update.effective_chat is None:
        return
    try:  # the error context is a new one: find the person's language again
        await load_person(update, context)
    except Exception:  # the database itself may be what failed
        log.warning("could not load the person to apologise in their language")
    _ = context._
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _("Sorry, something went wrong on our side. Please try again, or press /menu."),
        )
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


def user_id(update: Update) -> int:
    """Return the Telegram id of the person who sent the update."""
    assert update.effective_user is not None
    return update.effective_user.id


async def ack(update: Update, text: str | None = None) -> None:
    """Answer a button press so the phone stops spinning; harmless for other updates."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text)
    except BadRequest as exc:  # already answered, or too old: nothing more to do
        log.debug("callback %s not answered: %s", query.id, exc)


def callback_data(update: Update) -> str:
    """Return the data of the pressed button."""
    assert update.callback_query is not None
    return update.callback_query.data or ""


async def wake_delivery(update: Update, context: BotContext) -> None:
    """Tell the outbox worker there may be something new, if this update wrote anything.

    An update that changed nothing wrote no notification: waking the worker would only cost a
    claim (a write transaction) that finds nothing.
    """
    worker = context.application.bot_data.get("delivery")
    if worker is not None and context.svc.db.update_wrote():
        worker.wake()


async def render_main_menu(update: Update, context: BotContext) -> None:
    """Show the main menu, or ask who the person is when the bot does not know yet."""
    if context.person is None or context.person.audience is None:
        _ = context._
        await show(update, context, render.audience_question(_), render.audience_keyboard(_))
        return
    text, keyboard = render.main_menu(context.person, context._)
    await show(update, context, text, keyboard)


async def stale_button(update: Update, context: BotContext) -> None:
    """Tell the person the button is out of date and show the main menu."""
    await ack(update, render.stale(context.lang))
    await render_main_menu(update, context)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Say kindly that the command is not known and show the main menu."""
    _ = context._
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        _("I do not know this command. Here is what I can do: /menu, /language, /help.")
    )


async def not_available(update: Update, context: BotContext) -> None:
    """Refuse a case's button to someone whose role does not allow it."""
    await ack(update, context._("This is not available to you."))


async def refuse(update: Update, context: BotContext, error: CaseError) -> None:
    """Refuse an action kindly: a stranger's button, or one for a case that moved on."""
    _ = context._
    if error.code == "bad_state":
        await ack(update, _("This was already done, or the case has moved on."))
    else:
        await not_available(update, context)


async def role_of(context: BotContext, telegram_id: int) -> Role:
    """Tell whether an account is a client, a provider's staff member or an OSS manager."""
    role = (await context.svc.cases.actor(telegram_id)).role
    return "manager" if role == "manager" else "staff" if role == "staff" else "client"


async def refresh_commands(update: Update, context: BotContext) -> None:
    """Show the person the command menu of their role, in their language."""
    await set_personal_commands(
        context.bot, user_id(update), context.lang, await role_of(context, user_id(update))
    )
