"""Answers: topic lists, the answer card and its parts, free-text search."""

from __future__ import annotations

from telegram import Update

from bot import needs
from bot.services import gaps
from handlers import contacts, render
from handlers.common import ack, render_main_menu, show, stale_button
from handlers.context import BotContext
from handlers.routes import Callback, EntryCard, EntrySection, MainMenu, NeedPage, TopicPage


async def need_list(update: Update, context: BotContext, press: NeedPage) -> None:
    """List what answers a need, for the audience and value chain in the button."""
    found, shown, every = render.need_entries(context.svc.kb, press)
    if found is None:
        await stale_button(update, context)
        return
    await ack(update)
    text, keyboard = render.need_list(found, shown, every, press, context._, context.lang)
    await show(update, context, text, keyboard)


async def entry_list(update: Update, context: BotContext, press: TopicPage) -> None:
    """List the entries of a topic (a button of the menus before needs, still in old chats)."""
    await ack(update)
    entries = render.entries_for(context.svc.kb, press.topic, press.audience, press.chain)
    text, keyboard = render.entry_list(
        entries, press.topic, press.audience, press.chain, press.page, context._, context.lang
    )
    await show(update, context, text, keyboard)


async def entry_card(update: Update, context: BotContext, press: EntryCard) -> None:
    """Show the answer card of an entry."""
    entry = context.svc.kb.entry(press.entry)
    if entry is None:
        await stale_button(update, context)
        return
    await ack(update)
    person = context.person
    back: Callback = MainMenu()
    if not press.from_search and person is not None and person.audience is not None:
        found = needs.need_of(person.audience, entry.id)
        if found is not None:
            back = NeedPage(person.audience, found.id, person.value_chain or "-")
    await send_card(update, context, entry.id, back=back)


async def send_card(update: Update, context: BotContext, entry_id: str, *, back: Callback) -> None:
    """Render and show the card of `entry_id`."""
    entry = context.svc.kb.entry(entry_id)
    assert entry is not None
    text, keyboard = render.card(
        entry, context.lang, context._, back=back, bot_username=context.bot.username
    )
    await show(update, context, text, keyboard)


async def entry_section(update: Update, context: BotContext, press: EntrySection) -> None:
    """Show one part of an entry (details, steps, documents, where), a screen at a time."""
    entry = context.svc.kb.entry(press.entry)
    if entry is None:
        await stale_button(update, context)
        return
    await ack(update)
    section, kb, lang, _ = press.section, context.svc.kb, context.lang, context._
    pins: list[render.Button] = []
    if section == "where":
        pages, pins = contacts.where_pages(entry, kb, contacts.local_now(context), lang, _)
    else:
        pages = render.section_pages(entry, section, kb, lang, _)
    page = min(press.page, len(pages) - 1)
    keyboard = render.section_keyboard(entry, section, page, len(pages), lang, _, pins)
    await show(update, context, pages[page], keyboard)


async def search(update: Update, context: BotContext) -> None:
    """Treat typed text as a question: answer small talk, offer the entries, or ask back."""
    message = update.effective_message
    assert message is not None and message.text is not None
    audience = context.person.audience if context.person else None
    kb = context.svc.kb
    reading = kb.read(message.text, lang=context.lang, limit=3, audience=audience)
    if reading.small_talk.only_small_talk:  # a greeting, thanks, "who are you", "a person"
        text, keyboard = render.small_talk(reading.small_talk.kinds, context._)
        await message.reply_text(text, reply_markup=keyboard)
        if keyboard is None:
            await render_main_menu(update, context)
        return
    if not reading.hits and reading.question.strip():
        # a knowledge gap: count the words' skeleton, never who asked
        today = context.svc.clock().astimezone(context.svc.settings.tz).date()
        await gaps.record_search_miss(
            context.svc.db, reading.question, language=context.lang, day=today
        )
    text, keyboard = render.search_results(
        [hit.entry for hit in reading.hits], context.lang, context._, unsure=reading.ambiguous
    )
    await message.reply_text(text, reply_markup=keyboard)
