"""The client's side of a handoff: consent, writing the question, sending it, and what follows."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.domain import AUDIENCE_LABELS, VALUE_CHAIN_LABELS
from bot.services.cases import MAX_PARTS, Actor, CaseError, Draft
from handlers import render
from handlers.common import ack, refuse, render_main_menu, show, user_id
from handlers.context import BotContext
from handlers.notify import case_no, provider_name
from handlers.routes import (
    Ask,
    Confirm,
    Consent,
    DraftAction,
    FollowUp,
    MainMenu,
    Rate,
    WriteBack,
    button,
)
from handlers.start import start


def _routed_to(context: BotContext, entry_id: str | None) -> str | None:
    entry = context.svc.kb.entry(entry_id) if entry_id else None
    if entry is None or not entry.providers:
        return None
    return entry.providers[0]


async def ask(update: Update, context: BotContext, press: Ask) -> None:
    """Say what will be shared with whom, and ask for consent."""
    await ack(update)
    _ = context._
    entry_id = press.entry
    provider_id = _routed_to(context, entry_id)
    if provider_id:
        to_whom = _("Your question will go to <b>{provider}</b>, through the OSS.").format(
            provider=render.esc(provider_name(context.svc.kb, provider_id, context.lang))
        )
    else:
        to_whom = _(
            "Your question will go to the OSS manager, who will pass it to the right organisation."
        )
    about = []
    person = context.person
    if person is not None and person.audience in AUDIENCE_LABELS:
        about.append(render.label(AUDIENCE_LABELS, person.audience, _))
        if person.audience == "farmer" and person.value_chain in VALUE_CHAIN_LABELS:
            about.append(render.label(VALUE_CHAIN_LABELS, person.value_chain, _))
    text = "\n\n".join(
        (
            "🙋 <b>" + _("Ask a specialist") + "</b>",
            to_whom,
            _(
                "They will see what you write and send here, your language and who you are "
                "({about}). Your phone number only if you add it. They will not see your "
                "Telegram name or account: answers come back through this bot."
            ).format(about=" · ".join(about) or "—"),
            _("The OSS keeps your question to follow it up. Do you agree?"),
        )
    )
    keyboard = InlineKeyboardMarkup(
        [
            [button("✅ " + _("I agree"), Consent(entry_id))],
            [button("✖️ " + _("No, back"), MainMenu())],
        ]
    )
    await show(update, context, text, keyboard)


def draft_keyboard(context: BotContext, draft: Draft | None) -> InlineKeyboardMarkup:
    _ = context._
    rows = [[button("📨 " + _("Send"), DraftAction("send"))]]
    if draft is None or draft.phone is None:
        rows.append([button("📱 " + _("Add my phone number"), DraftAction("phone"))])
    rows.append([button("✖️ " + _("Cancel"), DraftAction("cancel"))])
    return InlineKeyboardMarkup(rows)


async def consent(update: Update, context: BotContext, press: Consent) -> None:
    """Record consent and invite the person to write their question."""
    await ack(update)
    if context.person is None:  # never started, or erased their data: begin again, as /start
        await start(update, context)
        return
    _ = context._
    target = press.entry
    entry_id = None if target is None or context.svc.kb.entry(target) is None else target
    await context.svc.cases.start_draft(user_id(update), entry_id)
    text = "✍️ " + _(
        "Write your question in one or more messages. You can also send voice notes, photos "
        "or documents. When you have finished, press “Send”."
    )
    await show(update, context, text, draft_keyboard(context, None))


async def add_part(update: Update, context: BotContext, part: dict[str, Any]) -> None:
    """Add a message to the question being written."""
    _ = context._
    message = update.effective_message
    assert message is not None
    try:
        draft = await context.svc.cases.add_to_draft(user_id(update), part)
    except CaseError:
        text = _("Your question is already long. Please press “Send”, or /cancel.")
        await message.reply_text(text, reply_markup=draft_keyboard(context, None))
        return
    count = len(draft.parts)
    text = "✅ " + context.ngettext(
        "Added ({count} message). Write more, or press “Send”.",
        "Added ({count} messages). Write more, or press “Send”.",
        count,
    ).format(count=count)
    if count >= MAX_PARTS:
        text = _("Your question is already long. Please press “Send”, or /cancel.")
    await message.reply_text(text, reply_markup=draft_keyboard(context, draft))


async def draft_action(update: Update, context: BotContext, press: DraftAction) -> None:
    """Send the question, ask for the phone number, or cancel."""
    await ack(update)
    _ = context._
    action = press.step
    client = user_id(update)
    draft = await context.svc.cases.draft(client)
    if draft is None:
        await show(update, context, _("There is no question being written. Here is the menu."))
        await render_main_menu(update, context)
        return
    if action == "cancel":
        await context.svc.cases.cancel(client)
        await show(update, context, _("Your question was not sent and is deleted."))
        await render_main_menu(update, context)
        return
    if action == "phone":
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton("📱 " + _("Share my phone number"), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        await context.bot.send_message(
            client, _("Press the button below to share your phone number."), reply_markup=keyboard
        )
        return
    if draft.empty:
        await show(
            update,
            context,
            _("Please write your question first, then press “Send”."),
            draft_keyboard(context, draft),
        )
        return
    await context.svc.cases.submit(client)
    # The confirmation with the case number follows from the outbox, durably.
    await show(update, context, "📨 " + _("Sent."))


async def contact(update: Update, context: BotContext) -> None:
    """Take the person's own phone number for their question; refuse other people's."""
    _ = context._
    message = update.effective_message
    assert message is not None and message.contact is not None
    client = user_id(update)
    draft = await context.svc.cases.draft(client)
    if draft is None:
        await message.reply_text(
            _("Thank you, but I only need a phone number when you ask a specialist."),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    if message.contact.user_id != client:
        await message.reply_text(
            _("Please share your own number with the button, not someone else's contact."),
        )
        return
    draft = await context.svc.cases.set_draft_phone(client, message.contact.phone_number)
    await message.reply_text(
        "📱 " + _("Your number is added to the question."), reply_markup=ReplyKeyboardRemove()
    )
    await message.reply_text(
        _("Write more, or press “Send”."), reply_markup=draft_keyboard(context, draft)
    )


async def write_back(update: Update, context: BotContext, press: WriteBack) -> None:
    """Let the client answer the provider about a case."""
    case_id = press.case
    _ = context._
    try:
        case = await context.svc.cases.start_reply(Actor(user_id(update), "client"), case_id)
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await ack(update)
    who = provider_name(context.svc.kb, case.provider_id, context.lang)
    await context.bot.send_message(
        user_id(update),
        "✍️ "
        + _(
            "Write your message to {provider} about {number} in one message. /cancel to stop."
        ).format(provider=render.esc(who), number=case_no(case.id)),
    )


async def confirm(update: Update, context: BotContext, press: Confirm) -> None:
    """Store whether the resolution solved the client's problem."""
    _ = context._
    try:
        await context.svc.cases.confirm(Actor(user_id(update), "client"), press.case, press.solved)
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await ack(update)
    if press.solved:
        text = "👍 " + _("Glad it helped!")
    else:
        text = "↩️ " + _(
            "Sorry to hear that. Your question {number} is open again; you will get an answer here."
        ).format(number=case_no(press.case))
    await _replace_buttons(update, context, text)


async def rate(update: Update, context: BotContext, press: Rate) -> None:
    """Store the client's rating of the help they got."""
    try:
        await context.svc.cases.rate(Actor(user_id(update), "client"), press.case, press.stars)
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await ack(update)
    await _replace_buttons(
        update, context, "🙏 " + context._("Thank you for your rating!") + " " + "⭐" * press.stars
    )


async def follow_up(update: Update, context: BotContext, press: FollowUp) -> None:
    """Store whether the client actually got the service."""
    try:
        await context.svc.cases.follow_up_answer(
            Actor(user_id(update), "client"), press.case, press.answer
        )
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await ack(update)
    _ = context._
    texts = {
        "yes": "✅ " + _("Thank you! We are glad you got the service."),
        "no": "📨 " + _("Thank you for telling us. The OSS manager will look into it."),
        "waiting": "⏳ " + _("Thank you. We will ask you again in a few days."),
    }
    await _replace_buttons(update, context, texts[press.answer])


async def _replace_buttons(update: Update, context: BotContext, text: str) -> None:
    """Show the outcome under the question and take its buttons away, so it is answered once."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        original = query.message.text_html or ""
        try:
            await query.message.edit_text(f"{original}\n\n{text}" if original else text)
            return
        except BadRequest:  # an old message may not be editable: send anew
            pass
    await context.bot.send_message(user_id(update), text)
