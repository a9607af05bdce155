"""The typed callback context every handler gets, and the command menu in each language."""

from __future__ import annotations

from typing import Any, Literal

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import Application, CallbackContext, ExtBot

from bot.container import Services
from bot.i18n import N_, translator
from bot.services.people import Profile

Role = Literal["client", "staff", "manager"]

# TRANSLATORS: descriptions of the bot's commands in Telegram's command menu (max 256 chars).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start again")),
    ("menu", N_("Main menu")),
    ("contacts", N_("Address, hours and phone of the OSS")),
    ("language", N_("Change language")),
    ("help", N_("How to use this bot")),
    ("cancel", N_("Cancel what I am doing")),
    ("mydata", N_("What the bot stores about me")),
    ("forget", N_("Erase my data")),
)

# A provider's staff: their cases first, then the few commands everyone needs.
_EVERYONE = (
    ("menu", N_("Main menu")),
    ("language", N_("Change language")),
    ("help", N_("How to use this bot")),
)
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    # TRANSLATORS: a command of a provider's staff: the cases of their organisation
    ("cases", N_("Your organisation's open cases")),
    # TRANSLATORS: a command: /case followed by a case number
    ("case", N_("One case and its messages: /case 42")),
    ("cancel", N_("Cancel what I am doing")),
    *_EVERYONE,
)
MANAGER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("cases", N_("All open cases")),
    ("case", N_("One case and its messages: /case 42")),
    ("report", N_("Report for a week or a month")),
    ("gaps", N_("Questions the bot could not answer")),
    ("announce", N_("Send news to subscribers")),
    ("invite", N_("Invite link for a provider's staff")),
    ("export", N_("Cases as a spreadsheet")),
    ("reload", N_("Reload the knowledge base")),
    ("cancel", N_("Cancel what I am doing")),
    *_EVERYONE,
)
MENUS: dict[Role, tuple[tuple[str, str], ...]] = {
    "client": COMMANDS,
    "staff": STAFF_COMMANDS,
    "manager": MANAGER_COMMANDS,
}


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


def command_menu(lang: str, role: Role = "client") -> list[BotCommand]:
    """Return the command menu of a role in one language."""
    tr = translator(lang)
    return [BotCommand(name, tr.gettext(description)) for name, description in MENUS[role]]


async def set_personal_commands(
    bot: ExtBot[None], chat_id: int, lang: str, role: Role = "client"
) -> None:
    """Show one person the command menu of their role in their language."""
    await bot.set_my_commands(command_menu(lang, role), scope=BotCommandScopeChat(chat_id))
