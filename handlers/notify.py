"""Notifications from the outbox, rendered in the recipient's language, and their delivery.

Services write what happened (a kind and the values to show) in the same transaction as the
change; this module turns each into a message and sends it, with retries that honour Telegram's
`retry_after`. A notification that can never arrive (the person blocked the bot) is given up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, assert_never

from babel.dates import format_datetime
from telegram import InlineKeyboardMarkup, Message
from telegram.error import TelegramError
from telegram.ext import Application

from bot.background import BackgroundLoop
from bot.container import Services
from bot.domain import AUDIENCE_LABELS, VALUE_CHAIN_LABELS
from bot.i18n import translator
from bot.knowledge import KnowledgeBase
from bot.resilience import SendFailure, Verdict, classify_send_failure
from bot.services import outbox
from bot.services.outbox import NotificationKind
from handlers.announce import summary
from handlers.contacts import oss_line
from handlers.render import LANGUAGE_NAMES, esc, home_button, label, rows
from handlers.routes import (
    CaseHistory,
    CaseList,
    ChooseProvider,
    CloseCase,
    Confirm,
    FollowUp,
    ProviderAction,
    Rate,
    WriteBack,
    button,
)

log = logging.getLogger(__name__)

BATCH = 20
TEXT_LIMIT = 4000
CAPTION_LIMIT = 1000


@dataclass(frozen=True)
class Rendered:
    """A notification as a message: text or a file with a caption, and buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    file_type: str | None = None
    file_id: str | None = None


def case_no(case_id: int) -> str:
    """Return the public case number as people quote it."""
    return f"№{case_id}"


def when(moment: str | datetime | None, lang: str, services: Services) -> str:
    """Format a due time in the OSS's local time for the reader's language."""
    if moment is None:
        return "—"
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return format_datetime(value, "d MMMM, HH:mm", tzinfo=services.settings.tz, locale=lang)


def provider_name(kb: KnowledgeBase, provider_id: str | None, lang: str) -> str:
    """Return a provider's short name, or the OSS for its own queue."""
    _ = translator(lang).gettext
    provider = kb.provider(provider_id) if provider_id else None
    return provider.short_name.get(lang) if provider else _("the OSS")


def who(payload: dict[str, Any], lang: str) -> str:
    """Describe the client: audience and value chain."""
    _ = translator(lang).gettext
    parts = []
    if payload.get("audience") in AUDIENCE_LABELS:
        parts.append(label(AUDIENCE_LABELS, payload["audience"], _))
    if payload.get("value_chain") in VALUE_CHAIN_LABELS:
        parts.append(label(VALUE_CHAIN_LABELS, payload["value_chain"], _))
    return " · ".join(parts) or "—"


def case_card(payload: dict[str, Any], lang: str, services: Services, heading: str) -> str:
    """The compact case card that providers and the manager see."""
    _ = translator(lang).gettext
    kb = services.kb
    entry = kb.entry(payload["entry_id"]) if payload.get("entry_id") else None
    topic = esc(entry.title.get(lang)) if entry else _("Free question (no entry)")
    if payload.get("provider_id"):
        routed = esc(provider_name(kb, payload["provider_id"], lang))
    else:
        routed = _("OSS queue")
        if payload.get("suggested_provider"):
            routed += " · " + _("suggested: {provider}").format(
                provider=esc(provider_name(kb, payload["suggested_provider"], lang))
            )
    lines = [
        f"{heading} <b>{case_no(payload['case_id'])}</b> · {esc(who(payload, lang))}",
        "🗣 "
        + _("Client's language: {language}").format(
            language=LANGUAGE_NAMES.get(payload.get("client_language", ""), "—")
        ),
        "📌 " + _("Topic: {topic}").format(topic=topic),
        "🏢 " + _("With: {provider}").format(provider=routed),
        "⏰ " + _("Answer by: {due}").format(due=when(payload.get("due_at"), lang, services)),
    ]
    question = payload.get("question") or ""
    if question:
        lines.append("\n" + esc(question))
    if payload.get("attachments"):
        lines.append(
            "📎 "
            + translator(lang)
            .ngettext(
                "{count} file, sent below", "{count} files, sent below", payload["attachments"]
            )
            .format(count=payload["attachments"])
        )
    if payload.get("phone"):
        lines.append("📞 " + esc(payload["phone"]))
    return "\n".join(lines)


def manager_buttons(case_id: int, lang: str, *, assigned: bool) -> InlineKeyboardMarkup:
    """What the manager can do with a case."""
    _ = translator(lang).gettext
    assign = "🔁 " + _("Reassign") if assigned else "👥 " + _("Assign")
    return InlineKeyboardMarkup(
        rows(
            [
                button(assign, ChooseProvider(case_id)),
                button("↩️ " + _("Reply"), ProviderAction(case_id, "r")),
                button("✅ " + _("Resolved"), ProviderAction(case_id, "d")),
                button("📁 " + _("Close"), CloseCase(case_id)),
                button("📄 " + _("History"), CaseHistory(case_id)),
            ]
        )
    )


def staff_buttons(case_id: int, lang: str) -> InlineKeyboardMarkup:
    """What a provider can do with its case."""
    _ = translator(lang).gettext
    return InlineKeyboardMarkup(
        rows(
            [
                button("↩️ " + _("Reply"), ProviderAction(case_id, "r")),
                button("✅ " + _("Resolved"), ProviderAction(case_id, "d")),
                button("🔙 " + _("Return to the OSS"), ProviderAction(case_id, "x")),
                button("📄 " + _("History"), CaseHistory(case_id)),
            ]
        )
    )


def role_buttons(payload: dict[str, Any], lang: str, *, manager: bool) -> InlineKeyboardMarkup:
    """The case buttons of a manager or of a provider's staff member."""
    if manager:
        return manager_buttons(payload["case_id"], lang, assigned=bool(payload.get("provider_id")))
    return staff_buttons(payload["case_id"], lang)


def part_text(part: dict[str, Any]) -> str:
    """Return the words of a message part: its text or its caption."""
    return str(part.get("text") or part.get("caption") or "")


@dataclass(frozen=True)
class Note:
    """One notification being rendered: its values, its reader, and the reader's language."""

    payload: dict[str, Any]
    lang: str
    services: Services
    to_manager: bool

    @property
    def _(self) -> Callable[[str], str]:
        """Translate into the reader's language."""
        return translator(self.lang).gettext

    @property
    def number(self) -> str:
        """The public number of the case the notification is about."""
        return case_no(self.payload["case_id"]) if "case_id" in self.payload else ""

    @property
    def provider(self) -> str:
        """The short name of the case's provider, or the OSS."""
        return provider_name(self.services.kb, self.payload.get("provider_id"), self.lang)

    def due(self) -> str:
        """The case's deadline, in local time."""
        return when(self.payload.get("due_at"), self.lang, self.services)

    def card(self, heading: str = "📂") -> str:
        """The case card under a heading."""
        return case_card(self.payload, self.lang, self.services, heading)


Renderer = Callable[[Note], Rendered]
RENDERERS: dict[NotificationKind, Renderer] = {}


def renders(kind: NotificationKind) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one notification kind (one per kind; see test_notifications)."""

    def register(renderer: Renderer) -> Renderer:
        assert kind not in RENDERERS, f"two renderers for {kind}"
        RENDERERS[kind] = renderer
        return renderer

    return register


def render(kind: str, payload: dict[str, Any], services: Services, chat_id: int) -> Rendered:
    """Turn one notification into the message its reader sees (ValueError: unknown kind)."""
    renderer = RENDERERS[NotificationKind(kind)]
    lang = payload.get("lang") or services.settings.default_language
    return renderer(Note(payload, lang, services, chat_id in services.settings.manager_ids))


@renders(NotificationKind.CASE_RECEIVED)
def _case_received(note: Note) -> Rendered:
    _ = note._
    who = note.provider if note.payload.get("provider_id") else _("the OSS manager")
    text = "\n\n".join(
        (
            "✅ "
            + _("Your question has been sent. Your case number is <b>{number}</b>.").format(
                number=note.number
            ),
            _(
                "What happens next: {who} will answer you here, in this chat, usually by "
                "{due}. You will get a message. Quote your case number if you call or visit "
                "the OSS."
            ).format(who=esc(who), due=note.due()),
        )
    )
    oss = oss_line(note.services.kb, note.lang, _)  # the OSS's address and phone, when known
    if oss:
        text += "\n\n" + oss
    return Rendered(text, InlineKeyboardMarkup([[home_button(_)]]))


@renders(NotificationKind.CASE_NEW)
def _case_new(note: Note) -> Rendered:
    text = note.card("🆕 " + note._("New case"))
    return Rendered(text, role_buttons(note.payload, note.lang, manager=True))


@renders(NotificationKind.CASE_ASSIGNED)
def _case_assigned(note: Note) -> Rendered:
    text = note.card("📥 " + note._("Case for you"))
    return Rendered(text, staff_buttons(note.payload["case_id"], note.lang))


@renders(NotificationKind.CASE_FILE)
def _case_file(note: Note) -> Rendered:
    caption = note._("File for case {number}").format(number=note.number)
    if note.payload.get("caption"):
        caption += "\n" + esc(note.payload["caption"])
    return Rendered(caption, None, note.payload["type"], note.payload["file_id"])


@renders(NotificationKind.CASE_MOVED_AWAY)
def _case_moved_away(note: Note) -> Rendered:
    return Rendered(
        "🔁 "
        + note._(
            "Case {number} was given to another provider. You do not need to answer it."
        ).format(number=note.number)
    )


@renders(NotificationKind.STAFF_LINKED)
def _staff_linked(note: Note) -> Rendered:
    return Rendered(
        "✅ "
        + note._("{name} now answers cases for {provider}.").format(
            name=esc(note.payload["name"]), provider=esc(note.provider)
        )
    )


@renders(NotificationKind.PROVIDER_MESSAGE)
def _provider_message(note: Note) -> Rendered:
    _ = note._
    part = note.payload["part"]
    heading = "💬 " + _("Answer to your question {number} from {provider}:").format(
        number=note.number, provider=esc(note.provider)
    )
    keyboard = InlineKeyboardMarkup(
        [
            [button("↩️ " + _("Write back"), WriteBack(note.payload["case_id"]))],
            [home_button(_)],
        ]
    )
    body = esc(part_text(part))
    text = f"{heading}\n\n{body}" if body else heading
    return Rendered(text, keyboard, _file_type(part), part.get("file_id"))


@renders(NotificationKind.CLIENT_MESSAGE)
def _client_message(note: Note) -> Rendered:
    part = note.payload["part"]
    heading = "💬 " + note._("The client writes on case {number}:").format(number=note.number)
    body = esc(part_text(part))
    text = f"{heading}\n\n{body}" if body else heading
    keyboard = staff_buttons(note.payload["case_id"], note.lang)
    return Rendered(text, keyboard, _file_type(part), part.get("file_id"))


@renders(NotificationKind.CASE_RETURNED)
def _case_returned(note: Note) -> Rendered:
    by = provider_name(note.services.kb, note.payload.get("by_provider"), note.lang)
    text = "🔙 " + note._("{provider} returned case {number} to the OSS.").format(
        provider=esc(by), number=note.number
    )
    text += "\n\n" + note.card()
    return Rendered(text, role_buttons(note.payload, note.lang, manager=True))


@renders(NotificationKind.ASK_SOLVED)
def _ask_solved(note: Note) -> Rendered:
    _ = note._
    text = "✅ " + _(
        "{provider} marked your question {number} as resolved. Did this solve your problem?"
    ).format(provider=esc(note.provider), number=note.number)
    case_id = note.payload["case_id"]
    keyboard = InlineKeyboardMarkup(
        [
            [
                button("👍 " + _("Yes, solved"), Confirm(case_id, solved=True)),
                button("👎 " + _("No"), Confirm(case_id, solved=False)),
            ]
        ]
    )
    return Rendered(text, keyboard)


@renders(NotificationKind.ASK_RATING)
def _ask_rating(note: Note) -> Rendered:
    _ = note._
    text = "🙏 " + _("Thank you! How would you rate the help with question {number}?").format(
        number=note.number
    )
    text += "\n" + _("1 is bad, 5 is excellent.")
    case_id = note.payload["case_id"]
    stars = [button(f"{n} ⭐", Rate(case_id, n)) for n in range(1, 6)]
    return Rendered(text, InlineKeyboardMarkup([stars[:3], stars[3:]]))


@renders(NotificationKind.CASE_REOPENED)
def _case_reopened(note: Note) -> Rendered:
    text = "↩️ " + note._("The client says case {number} is not solved. It is open again.").format(
        number=note.number
    )
    text += "\n\n" + note.card()
    return Rendered(text, role_buttons(note.payload, note.lang, manager=note.to_manager))


@renders(NotificationKind.CASE_CLOSED)
def _case_closed(note: Note) -> Rendered:
    _ = note._
    text = "📁 " + _(
        "Your question {number} was closed by the OSS. If you still need help, you can "
        "ask again from the menu."
    ).format(number=note.number)
    return Rendered(text, InlineKeyboardMarkup([[home_button(_)]]))


@renders(NotificationKind.REMINDER)
def _reminder(note: Note) -> Rendered:
    text = "⏰ " + note._("Reminder: case {number} should be answered by {due}.").format(
        number=note.number, due=note.due()
    )
    text += "\n\n" + note.card()
    return Rendered(text, staff_buttons(note.payload["case_id"], note.lang))


@renders(NotificationKind.OVERDUE)
def _overdue(note: Note) -> Rendered:
    text = "⚠️ " + note._("Case {number} is overdue: nobody has answered it in time.").format(
        number=note.number
    )
    text += "\n\n" + note.card()
    return Rendered(text, role_buttons(note.payload, note.lang, manager=True))


@renders(NotificationKind.FOLLOW_UP)
def _follow_up(note: Note) -> Rendered:
    _ = note._
    text = "👋 " + _(
        "Some days ago your question {number} was passed to {provider}. "
        "Did you get the service you needed?"
    ).format(number=note.number, provider=esc(note.provider))
    case_id = note.payload["case_id"]
    keyboard = InlineKeyboardMarkup(
        [
            [
                button("✅ " + _("Yes"), FollowUp(case_id, "yes")),
                button("❌ " + _("No"), FollowUp(case_id, "no")),
            ],
            [button("⏳ " + _("Still waiting"), FollowUp(case_id, "waiting"))],
        ]
    )
    return Rendered(text, keyboard)


@renders(NotificationKind.FOLLOW_UP_NO)
def _follow_up_no(note: Note) -> Rendered:
    text = "❌ " + note._("The client of case {number} says they did not get the service.").format(
        number=note.number
    )
    text += "\n\n" + note.card()
    return Rendered(text, role_buttons(note.payload, note.lang, manager=True))


@renders(NotificationKind.CASE_WITHDRAWN)
def _case_withdrawn(note: Note) -> Rendered:
    return Rendered(
        "🗑 "
        + note._(
            "Case {number} was withdrawn: the client erased their data. Nothing more to do."
        ).format(number=note.number)
    )


@renders(NotificationKind.CASE_SOLVED)
def _case_solved(note: Note) -> Rendered:
    return Rendered(
        "✅ "
        + note._("Case {number}: the client says it is solved. The case is closed.").format(
            number=note.number
        )
    )


@renders(NotificationKind.CASE_DROPPED)
def _case_dropped(note: Note) -> Rendered:
    return Rendered(
        "↩️ "
        + note._(
            "Case {number} was withdrawn by the client: it is no longer needed. Nothing more to do."
        ).format(number=note.number)
    )


@renders(NotificationKind.DIGEST)
def _digest(note: Note) -> Rendered:
    open_cases = button("📋 " + note._("Open cases"), CaseList(0))
    return Rendered(
        digest_text(note.payload, note.lang, note.services), InlineKeyboardMarkup([[open_cases]])
    )


@renders(NotificationKind.ANNOUNCE_DONE)
def _announce_done(note: Note) -> Rendered:
    return Rendered(*summary(note.payload, note.lang))


def digest_text(payload: dict[str, Any], lang: str, services: Services) -> str:
    """The morning summary of cases, by provider."""
    tr = translator(lang)
    _ = tr.gettext
    lines = [
        "☀️ <b>" + _("Good morning! Cases today") + "</b>",
        _("New in the last day: {new}").format(new=payload["new"]),
        _("Open: {open}").format(open=payload["open"]),
        _("Overdue: {overdue}").format(overdue=payload["overdue"]),
    ]
    if payload["by_provider"]:
        lines.append("")
        for provider_id, open_count, overdue in payload["by_provider"]:
            name = provider_name(services.kb, provider_id or None, lang)
            line = f"• {esc(name)}: " + _("{open} open").format(open=open_count)
            if overdue:
                line += ", " + _("{overdue} overdue").format(overdue=overdue)
            lines.append(line)
    return "\n".join(lines)


def _file_type(part: dict[str, Any]) -> str | None:
    return part["type"] if part.get("type") != "text" else None


async def send_rendered(
    application: Application[Any, Any, Any, Any, Any, Any], chat_id: int, rendered: Rendered
) -> Message:
    """Send a notification whole: a long text in several messages, buttons on the last one."""
    bot = application.bot
    chunks = split_text(rendered.text, TEXT_LIMIT)
    if rendered.file_type is not None:
        caption = chunks[0] if len(chunks) == 1 and len(chunks[0]) <= CAPTION_LIMIT else None
        send = {"photo": bot.send_photo, "voice": bot.send_voice}.get(
            rendered.file_type, bot.send_document
        )
        markup = rendered.keyboard if caption is not None else None
        message: Message = await send(
            chat_id, rendered.file_id, caption=caption, reply_markup=markup
        )
        if caption is not None:
            return message
    for number, chunk in enumerate(chunks, 1):
        markup = rendered.keyboard if number == len(chunks) else None
        message = await bot.send_message(chat_id, chunk, reply_markup=markup)
    return message


def split_text(text: str, limit: int) -> list[str]:
    """Cut HTML text into pieces under `limit` at line breaks, never inside a tag."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one enormous line (user text): cut at spaces
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            amp = line.rfind("&", max(0, cut - 5), cut)
            if amp > 0 and ";" not in line[amp:cut]:
                cut = amp  # do not split an escaped entity such as &amp;
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


async def deliver_due(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Deliver one batch of due notifications; return how many were attempted."""
    services: Services = application.bot_data["services"]
    batch = await outbox.claim_due(services.db, now=services.clock(), limit=BATCH)
    for item in batch:
        await _deliver_one(application, services, item)
    return len(batch)


async def _deliver_one(
    application: Application[Any, Any, Any, Any, Any, Any],
    services: Services,
    item: outbox.Notification,
) -> None:
    try:
        rendered = render(item.kind, item.payload, services, item.chat_id)
        message = await send_rendered(application, item.chat_id, rendered)
    except TelegramError as exc:
        await _failed(services, item, classify_send_failure(exc))
    except (KeyError, ValueError) as exc:
        log.exception("notification %s (%s) cannot be rendered", item.id, item.kind)
        await _give_up(services, item, repr(exc))
    else:
        await outbox.mark_sent(
            services.db, item.id, message_id=message.message_id, now=services.clock()
        )


async def _failed(services: Services, item: outbox.Notification, failure: SendFailure) -> None:
    """Retry what may still arrive; give up what never will."""
    match failure.verdict:
        case Verdict.RETRY_AFTER:
            await _retry(services, item, failure.error, failure.retry_after + 0.5)
        case Verdict.GONE:
            log.info("notification %s to %s given up: %s", item.id, item.chat_id, failure.error)
            await _give_up(services, item, failure.error)
        case Verdict.REFUSED:
            log.error(
                "notification %s (%s) refused by Telegram: %s", item.id, item.kind, failure.error
            )
            await _give_up(services, item, failure.error)
        case Verdict.NOT_SENT | Verdict.UNKNOWN | Verdict.OTHER:
            # A notification that may have arrived is sent again: better twice than never.
            await _retry(services, item, failure.error, min(2**item.attempts, 300))
        case _ as unreachable:
            assert_never(unreachable)


async def _give_up(services: Services, item: outbox.Notification, error: str) -> None:
    await outbox.mark_failed(services.db, item.id, error=error, now=services.clock())


async def _retry(services: Services, item: outbox.Notification, error: str, delay: float) -> None:
    log.info(
        "notification %s to %s will be retried in %.1fs: %s", item.id, item.chat_id, delay, error
    )
    await outbox.mark_retry(
        services.db, item.id, error=error, retry_at=services.clock() + timedelta(seconds=delay)
    )


class DeliveryWorker(BackgroundLoop):
    """Deliver the outbox in the background: at once when woken, else every few seconds."""

    name = "outbox-delivery"

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], idle: float = 2.0
    ) -> None:
        super().__init__(idle=idle)
        self.application = application

    async def step(self) -> bool:
        return await deliver_due(self.application) > 0
