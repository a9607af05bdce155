"""What only the OSS manager can do."""

from __future__ import annotations

import asyncio

from telegram import Update

from handlers import render
from handlers.common import user_id
from handlers.context import BotContext

MAX_ERRORS_SHOWN = 10


def is_manager(update: Update, context: BotContext) -> bool:
    """Tell whether the sender is one of the OSS managers."""
    return user_id(update) in context.svc.settings.manager_ids


async def reload_knowledge(update: Update, context: BotContext) -> None:
    """Read the knowledge base again; keep the old one in service when the new one is invalid."""
    _ = context._
    errors = await asyncio.to_thread(context.svc.knowledge.reload)  # ~0.5 s of parsing
    if not errors:
        kb = context.svc.kb
        text = "✅ " + _(
            "Knowledge base reloaded: {entries} entries, {providers} providers."
        ).format(entries=len(kb.entries), providers=len(kb.providers))
    else:
        shown = "\n".join(f"• {render.esc(error)}" for error in errors[:MAX_ERRORS_SHOWN])
        text = "⚠️ " + context.ngettext(
            "The knowledge base has {count} error; the old one stays in service:",
            "The knowledge base has {count} errors; the old one stays in service:",
            len(errors),
        ).format(count=len(errors))
        text += "\n" + shown
        if len(errors) > MAX_ERRORS_SHOWN:
            text += "\n…\n" + _("Run “oss-bot kb check” to see them all.")
    await context.bot.send_message(user_id(update), text[:4000])
