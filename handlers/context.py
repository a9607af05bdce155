"""The typed callback context every handler gets, and the command menu in each language."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import Application, CallbackContext, ExtBot

from bot.container import Services
from bot.i18n import N_, translator
from bot.services.people import Profile

# TRANSLATORS: descriptions of the bot's commands in Telegram's command menu (max 256 chars).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start again")),
    ("menu", N_("Main menu")),
    ("language", N_("Change language")),
    ("help", N_("How to use this bot")),
    ("cancel", N_("Cancel what I am doing")),
    ("mydata", N_("What the bot stores about me")),
    ("forget", N_("Erase my data")),
)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, carrying the person and their language for this update."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], **kwargs: Any):
        super().__init__(application, **kwargs)
        self.person: Profile | None = None
        self.lang: str = application.bot_data["services"].settings.default_language

    @property
    def svc(self) -> Services:
        """Return the core services."""
        return self.application.bot_data["services"]  # type: ignore[no-any-return]

    def _(self, message: str) -> str:
        """Translate `message` into the person's language."""
        return translator(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message that depends on a count into the person's language."""
        return translator(self.lang).ngettext(singular, plural, n)


def command_menu(lang: str) -> list[BotCommand]:
    """Return the command menu in one language."""
    tr = translator(lang)
    return [BotCommand(name, tr.gettext(description)) for name, description in COMMANDS]


async def set_personal_commands(bot: ExtBot[None], chat_id: int, lang: str) -> None:
    """Show one person the command menu in their language."""
    await bot.set_my_commands(command_menu(lang), scope=BotCommandScopeChat(chat_id))
