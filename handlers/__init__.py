"""The Telegram adapter: every handler registered, in order, in one place.

`COMMANDS` and `BUTTONS` are the routing table: each command and each family of buttons
(`handlers.routes`) with its handler and the role it needs. The role is checked here, before the
handler runs; someone without it gets what a stranger gets (an unknown command, an out-of-date
button, or for a case's buttons "not available to you").
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    announce,
    answers,
    common,
    contacts,
    desk,
    guard,
    handoff,
    inbox,
    insight,
    manager,
    mine,
    news,
    privacy,
    start,
)
from handlers import routes as r
from handlers.context import BotContext
from handlers.routes import Command, Role, Route

MANAGER, STAFF = Role.MANAGER, Role.STAFF

COMMANDS: tuple[Command, ...] = (
    Command("start", start.start),
    Command("menu", start.show_main_menu),
    Command("language", start.ask_language),
    Command("help", start.help_command),
    Command("cancel", start.cancel),
    Command("contacts", contacts.contacts_command),
    Command("reload", manager.reload_knowledge, MANAGER),
    Command("cases", desk.list_cases, STAFF),
    Command("case", desk.case_command, STAFF),
    Command("invite", desk.invite, MANAGER),
    Command("mydata", privacy.my_data),
    Command("forget", privacy.forget),
    Command("report", insight.report_command, MANAGER),
    Command("export", insight.export_command, MANAGER),
    Command("gaps", insight.gaps_command, MANAGER),
    Command("announce", announce.announce_command, MANAGER),
)

BUTTONS: tuple[Route[Any], ...] = (
    Route(r.ChooseLanguage, start.choose_language),
    Route(r.LanguageMenu, start.ask_language),
    Route(r.AudienceMenu, start.ask_audience),
    Route(r.ChooseAudience, start.choose_audience),
    Route(r.ChooseChain, start.choose_value_chain),
    Route(r.MainMenu, start.show_main_menu),
    Route(r.NeedPage, answers.need_list),
    Route(r.TopicPage, answers.entry_list),
    Route(r.EntryCard, answers.entry_card),
    Route(r.EntrySection, answers.entry_section),
    Route(r.Ask, handoff.ask),
    Route(r.Consent, handoff.consent),
    Route(r.DraftAction, handoff.draft_action),
    Route(r.WriteBack, handoff.write_back),
    Route(r.Confirm, handoff.confirm),
    Route(r.Rate, handoff.rate),
    Route(r.FollowUp, handoff.follow_up),
    Route(r.CaseHistory, desk.view_case, STAFF, common.not_available),
    Route(r.CaseList, desk.list_cases, STAFF),
    Route(r.ChooseProvider, desk.choose_provider, MANAGER, common.not_available),
    Route(r.Assign, desk.assign, MANAGER, common.not_available),
    Route(r.CloseCase, desk.close, MANAGER, common.not_available),
    Route(r.ProviderAction, desk.provider_action, STAFF, common.not_available),
    Route(r.CreateInvite, desk.create_invite, MANAGER, common.not_available),
    Route(r.MyCases, mine.my_cases),
    Route(r.MyCase, mine.my_case),
    Route(r.Settle, mine.settle),
    Route(r.Forget, privacy.confirm_forget),
    Route(r.News, news.news_button),
    Route(r.Unsubscribe, news.leave_news),
    Route(r.Contacts, contacts.contacts_button),
    Route(r.OfficePin, contacts.send_pin),
    Route(r.Report, insight.report_button, MANAGER),
    Route(r.Export, insight.export_button, MANAGER),
    Route(r.Gaps, insight.gaps_button, MANAGER),
    Route(r.Announcement, announce.draft_button, MANAGER),
)


def _command(command: Command) -> r.Handler:
    """The command's handler, run only for someone with its role."""

    async def handle(update: Update, context: BotContext) -> None:
        if not await r.allowed(command.role, update, context):
            await common.unknown_command(update, context)
            return
        await command.handler(update, context)

    handle.__qualname__ = handle.__name__ = f"command_{command.name}"
    return handle


def _button(route: Route[Any]) -> r.Handler:
    """The family's handler, given the parsed button, run only for someone with its role."""

    async def handle(update: Update, context: BotContext) -> None:
        press = route.family.parse(common.callback_data(update))
        if press is None:  # matched the pattern, yet not a valid value: an old or forged button
            await common.stale_button(update, context)
            return
        if not await r.allowed(route.role, update, context):
            await (route.denied or common.stale_button)(update, context)
            return
        await route.handler(update, context, press)

    handle.__qualname__ = handle.__name__ = f"button_{route.family.__name__}"
    return handle


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the handlers: the person first (group -1), then commands, buttons, text."""
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, guard.slow_down), group=-3)
    application.add_handler(TypeHandler(Update, common.begin_update), group=-2)
    application.add_handler(TypeHandler(Update, common.load_person), group=-1)
    application.add_handler(MessageHandler(~private, guard.not_private))
    application.add_handler(
        ChatMemberHandler(guard.added_to_chat, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, guard.edited)
    )
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, _command(command), filters=private))
    for route in BUTTONS:
        application.add_handler(
            CallbackQueryHandler(_button(route), pattern=route.family.pattern())
        )
    # Anything else pressed is an old or forged button.
    application.add_handler(CallbackQueryHandler(common.stale_button))

    application.add_handler(MessageHandler(private & filters.CONTACT, handoff.contact))
    # A manager's text may be the announcement being written: the inbox asks first.
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.COMMAND, inbox.on_message)
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, common.unknown_command))
    # Whatever an update changed may have written notifications: deliver them now.
    application.add_handler(TypeHandler(Update, common.wake_delivery), group=1)
    # Blocked or came back: later announcements skip or include the person.
    application.add_handler(
        ChatMemberHandler(news.chat_member, ChatMemberHandler.MY_CHAT_MEMBER), group=2
    )
    application.add_handler(TypeHandler(Update, common.finish_update), group=10)
    application.add_error_handler(common.on_error)
