"""The Telegram adapter: every handler registered, in order, in one place."""

from __future__ import annotations

import re
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
    desk,
    guard,
    handoff,
    inbox,
    insight,
    manager,
    news,
    privacy,
    start,
)

_ID = r"[a-z0-9-]{3,40}"
_AUDIENCE = r"(farmer|job_seeker|entrepreneur|aspiring|vulnerable)"
_CHAIN = r"(apple|milk|soy|vegetables|-)"
_TOPIC = r"(opportunities|rules|where|apply|procedures)"
_NEWS = r"(apple|milk|soy|vegetables|jobs|business|events)"
_PERIOD = r"(w|m|lw|lm|\d{8}-\d{8})"


def _whole(pattern: str) -> re.Pattern[str]:
    """Match the whole button data: `$` also matches before a final newline, which a forged
    button may carry ("ok:7:y\\n" would be read as "no"), so end at `\\Z` instead."""
    return re.compile(pattern.removesuffix("$") + r"\Z")


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

    for name, callback in (
        ("start", start.start),
        ("menu", start.show_main_menu),
        ("language", start.ask_language),
        ("help", start.help_command),
        ("cancel", start.cancel),
        ("reload", manager.reload_knowledge),
        ("cases", desk.list_cases),
        ("case", desk.case_command),
        ("invite", desk.invite),
        ("mydata", privacy.my_data),
        ("forget", privacy.forget),
        ("report", insight.report_command),
        ("export", insight.export_command),
        ("gaps", insight.gaps_command),
        ("announce", announce.announce_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=private))

    for pattern, callback in (
        (r"^lang:(kk|ru|en)$", start.choose_language),
        (r"^language$", start.ask_language),
        (r"^who$", start.ask_audience),
        (rf"^aud:{_AUDIENCE}$", start.choose_audience),
        (rf"^vc:{_CHAIN}$", start.choose_value_chain),
        (r"^m$", start.show_main_menu),
        (rf"^t:{_TOPIC}:{_AUDIENCE}:{_CHAIN}:\d{{1,3}}$", answers.entry_list),
        (rf"^e:{_ID}(:s)?$", answers.entry_card),
        (rf"^d:{_ID}:(more|steps|docs|where)(:\d{{1,2}})?$", answers.entry_section),
        (rf"^ask:({_ID}|-)$", handoff.ask),
        (rf"^cs:({_ID}|-)$", handoff.consent),
        (r"^dr:(send|phone|cancel)$", handoff.draft_action),
        (r"^cr:\d{1,9}$", handoff.write_back),
        (r"^ok:\d{1,9}:[yn]$", handoff.confirm),
        (r"^rt:\d{1,9}:[1-5]$", handoff.rate),
        (r"^fu:\d{1,9}:(yes|no|waiting)$", handoff.follow_up),
        (r"^cv:\d{1,9}$", desk.view_case),
        (r"^cl:\d{1,3}$", desk.list_cases),
        (r"^ca:\d{1,9}$", desk.choose_provider),
        (r"^cp:\d{1,9}:[a-z0-9_]{2,24}$", desk.assign),
        (r"^cc:\d{1,9}$", desk.close),
        (r"^pr:\d{1,9}:[rdx]$", desk.provider_action),
        (r"^inv:[a-z0-9_]{2,24}$", desk.create_invite),
        (r"^fg:(yes|no)$", privacy.confirm_forget),
        (r"^nw$", news.show_news),
        (rf"^nw:{_NEWS}$", news.toggle_news),
        (r"^un:\d{1,9}$", news.leave_news),
        (rf"^rp:{_PERIOD}$", insight.report_button),
        (rf"^rx:{_PERIOD}$", insight.export_button),
        (r"^gp:(7|30|90|\d{8}-\d{8})$", insight.gaps_button),
        (r"^an:\d{1,9}(:[avlt](:[a-z_]{2,16}|:\*)?|:(pv|go|yes|x|re))?$", announce.draft_button),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=_whole(pattern)))
    # Anything else pressed is an old or forged button.
    application.add_handler(CallbackQueryHandler(common.stale_button))

    application.add_handler(MessageHandler(private & filters.CONTACT, handoff.contact))
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
