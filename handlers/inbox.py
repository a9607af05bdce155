"""Every message a person types or sends: part of a question, a reply on a case, or a search."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update

from bot.services import outbox
from bot.services.cases import Actor, CaseError
from handlers import announce, answers, handoff
from handlers.common import user_id
from handlers.context import BotContext
from handlers.notify import case_no
from handlers.start import start


def part_of(message: Message) -> dict[str, Any] | None:
    """Return what a message carries as a case message part, or None for anything else."""
    caption = message.caption or None
    if message.text:
        return {"type": "text", "text": message.text}
    if message.photo:
        return {"type": "photo", "file_id": message.photo[-1].file_id, "caption": caption}
    if message.voice:
        return {"type": "voice", "file_id": message.voice.file_id, "caption": caption}
    if message.document:
        return {"type": "document", "file_id": message.document.file_id, "caption": caption}
    return None


async def on_message(update: Update, context: BotContext) -> None:
    """Route a message: an announcement, into the question being written, a case, or search."""
    if await announce.take_text(update, context):
        return
    message = update.effective_message
    assert message is not None
    _ = context._
    part = part_of(message)
    desk = context.svc.cases
    me = user_id(update)
    state = await desk.conversation(me)
    if state is not None and state[0] == "draft":
        if part is None:
            await message.reply_text(
                _("I can take text, voice notes, photos and documents for your question.")
            )
            return
        await handoff.add_part(update, context, part)
        return
    case_id = state[1] if state is not None else None
    if case_id is None and message.reply_to_message is not None:
        replied_to = message.reply_to_message.message_id
        case_id = await outbox.case_of_message(context.svc.db, me, replied_to)
    if case_id is not None:
        if part is None:
            await message.reply_text(_("I can pass on text, voice notes, photos and documents."))
            return
        actor = await desk.actor(me)
        writing_as_client = state is not None and state[0] == "client_reply"
        if writing_as_client or actor.role not in ("staff", "manager"):
            actor = Actor(me, "client")
        try:
            await desk.relay(actor, case_id, part)
        except CaseError:
            await message.reply_text(_("This case is not open for messages any more."))
            return
        if actor.role != "client":
            text = "✅ " + _("Sent to the client (case {number}).").format(number=case_no(case_id))
        else:
            text = "✅ " + _("Sent. You will get the answer here (case {number}).").format(
                number=case_no(case_id)
            )
        await message.reply_text(text)
        return
    if message.text:
        if context.person is None or context.person.language is None:
            await start(update, context)  # never started, or erased their data
            return
        await answers.search(update, context)
        return
    await message.reply_text(
        _(
            "I read text messages. To send a photo, voice note or document to a specialist, "
            "first press “Ask a specialist”."
        )
    )
