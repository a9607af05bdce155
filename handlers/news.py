"""News subscriptions: choose topics from the main menu, leave with one tap under a message."""

from __future__ import annotations

import logging

from telegram import ChatMember, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.domain import NEWS_LABELS
from bot.services import announcements, subscriptions
from handlers.common import ack, show, stale_button, user_id
from handlers.context import BotContext
from handlers.render import Gettext, home_button, label
from handlers.routes import News, Unsubscribe, button

log = logging.getLogger(__name__)


def news_screen(topics: frozenset[str], _: Gettext) -> tuple[str, InlineKeyboardMarkup]:
    """The news topics, each a switch: ✅ on, ⬜ off."""
    text = "\n\n".join(
        (
            "🔔 <b>" + _("News from the OSS") + "</b>",
            _(
                "Choose what you want to hear about: new subsidies, jobs, trainings and fairs. "
                "Tap a topic again to stop it."
            ),
            _("You can also stop with one tap under any news message."),
        )
    )
    keyboard = [
        [
            button(
                ("✅ " if topic in topics else "⬜ ") + label(NEWS_LABELS, topic, _),
                News(topic),
            )
        ]
        for topic in subscriptions.TOPICS
    ]
    keyboard.append([home_button(_)])
    return text, InlineKeyboardMarkup(keyboard)


async def news_button(update: Update, context: BotContext, press: News) -> None:
    """The news screen, or a topic on it switched."""
    if press.topic is None:
        await show_news(update, context)
    else:
        await toggle_news(update, context, press.topic)


async def show_news(update: Update, context: BotContext) -> None:
    """Show which news the person gets."""
    await ack(update)
    topics = await subscriptions.topics_of(context.svc.db, user_id(update))
    text, keyboard = news_screen(topics, context._)
    await show(update, context, text, keyboard)


async def toggle_news(update: Update, context: BotContext, topic: str) -> None:
    """Switch one topic on or off."""
    _ = context._
    topics = await subscriptions.toggle(context.svc.db, user_id(update), topic)
    name = label(NEWS_LABELS, topic, _)
    await ack(
        update,
        (_("Subscribed: {topic}") if topic in topics else _("Stopped: {topic}")).format(topic=name),
    )
    text, keyboard = news_screen(topics, _)
    await show(update, context, text, keyboard)


async def leave_news(update: Update, context: BotContext, press: Unsubscribe) -> None:
    """The button under a news message: stop that topic's news (all news if it had none)."""
    _ = context._
    announcement_id = press.announcement
    found, topic = await announcements.topic_of(context.svc.db, announcement_id)
    if not found:
        await stale_button(update, context)
        return
    await subscriptions.leave(context.svc.db, user_id(update), topic)
    if topic is None:
        text = _("Done: you will not get news any more.")
    else:
        text = _("Done: no more news on {topic}.").format(topic=label(NEWS_LABELS, topic, _))
    await ack(update, text)
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        settings = InlineKeyboardMarkup([[button("🔔 " + _("News settings"), News())]])
        try:
            await query.message.edit_reply_markup(settings)
        except BadRequest as exc:
            log.debug("could not change the buttons under news %s: %s", announcement_id, exc)


async def chat_member(update: Update, context: BotContext) -> None:
    """Telegram says the person blocked the bot, or came back: skip them, or not, in news."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    blocked = status in (ChatMember.BANNED, ChatMember.LEFT)
    await announcements.set_blocked(
        context.svc.db, change.chat.id, blocked=blocked, now=context.svc.clock()
    )
    log.info("chat %s %s the bot", change.chat.id, "blocked" if blocked else "allowed")
