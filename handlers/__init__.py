"""The Telegram adapter: every handler registered, in order, in one place."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, TypeHandler

from handlers import common, start


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the handlers: the person first (group -1), then commands, buttons, text."""
    application.add_handler(TypeHandler(Update, common.load_person), group=-1)
    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler("language", start.ask_language))
    application.add_handler(
        CallbackQueryHandler(start.choose_language, pattern=r"^lang:(kk|ru|en)$")
    )
    application.add_error_handler(common.on_error)
