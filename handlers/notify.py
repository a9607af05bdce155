"""Notifications from the outbox, rendered in the recipient's language, and their delivery.

Services write what happened (a kind and the values to show) in the same transaction as the
change; this module turns each into a message and sends it, with retries that honour Telegram's
`retry_after`. A notification that can never arrive (the person blocked the bot) is given up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_datetime
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.background import BackgroundLoop
from bot.container import Services
from bot.domain import AUDIENCE_LABELS, VALUE_CHAIN_LABELS
from bot.i18n import translator
from bot.knowledge import KnowledgeBase
from bot.services import outbox
from handlers.announce import summary
from handlers.render import LANGUAGE_NAMES, esc, home_button, label

log = logging.getLogger(__name__)

Button = InlineKeyboardButton
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
    return format_datetime(value, "d MMM, HH:mm", tzinfo=services.settings.tz, locale=lang)


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
        [
            [
                Button(assign, callback_data=f"ca:{case_id}"),
                Button("↩️ " + _("Reply"), callback_data=f"pr:{case_id}:r"),
            ],
            [
                Button("✅ " + _("Resolved"), callback_data=f"pr:{case_id}:d"),
                Button("📁 " + _("Close"), callback_data=f"cc:{case_id}"),
            ],
            [Button("📄 " + _("History"), callback_data=f"cv:{case_id}")],
        ]
    )


def staff_buttons(case_id: int, lang: str) -> InlineKeyboardMarkup:
    """What a provider can do with its case."""
    _ = translator(lang).gettext
    return InlineKeyboardMarkup(
        [
            [
                Button("↩️ " + _("Reply"), callback_data=f"pr:{case_id}:r"),
                Button("✅ " + _("Resolved"), callback_data=f"pr:{case_id}:d"),
            ],
            [
                Button("🔙 " + _("Return to the OSS"), callback_data=f"pr:{case_id}:x"),
                Button("📄 " + _("History"), callback_data=f"cv:{case_id}"),
            ],
        ]
    )


def role_buttons(payload: dict[str, Any], lang: str, *, manager: bool) -> InlineKeyboardMarkup:
    if manager:
        return manager_buttons(payload["case_id"], lang, assigned=bool(payload.get("provider_id")))
    return staff_buttons(payload["case_id"], lang)


def part_text(part: dict[str, Any]) -> str:
    return part.get("text") or part.get("caption") or ""


def render(kind: str, payload: dict[str, Any], services: Services, chat_id: int) -> Rendered:
    """Turn one notification into the message its reader sees."""
    lang = payload.get("lang") or services.settings.default_language
    tr = translator(lang)
    _ = tr.gettext
    kb = services.kb
    manager = chat_id in services.settings.manager_ids
    number = case_no(payload["case_id"]) if "case_id" in payload else ""
    provider = provider_name(kb, payload.get("provider_id"), lang)
    if kind == "case_received":
        who = provider if payload.get("provider_id") else _("the OSS manager")
        text = "\n\n".join(
            (
                "✅ "
                + _("Your question has been sent. Your case number is <b>{number}</b>.").format(
                    number=number
                ),
                _(
                    "What happens next: {who} will answer you here, in this chat, usually by "
                    "{due}. You will get a message. Quote your case number if you call or visit "
                    "the OSS."
                ).format(who=esc(who), due=when(payload.get("due_at"), lang, services)),
            )
        )
        return Rendered(text, InlineKeyboardMarkup([[home_button(_)]]))
    if kind == "case_new":
        text = case_card(payload, lang, services, "🆕 " + _("New case"))
        return Rendered(text, role_buttons(payload, lang, manager=True))
    if kind == "case_assigned":
        text = case_card(payload, lang, services, "📥 " + _("Case for you"))
        return Rendered(text, staff_buttons(payload["case_id"], lang))
    if kind == "case_file":
        caption = _("File for case {number}").format(number=number)
        if payload.get("caption"):
            caption += "\n" + esc(payload["caption"])
        return Rendered(caption, None, payload["type"], payload["file_id"])
    if kind == "case_moved_away":
        text = "🔁 " + _(
            "Case {number} was given to another provider. You do not need to answer it."
        ).format(number=number)
        return Rendered(text)
    if kind == "staff_linked":
        text = "✅ " + _("{name} now answers cases for {provider}.").format(
            name=esc(payload["name"]), provider=esc(provider)
        )
        return Rendered(text)
    if kind == "provider_message":
        part = payload["part"]
        heading = "💬 " + _("Answer to your question {number} from {provider}:").format(
            number=number, provider=esc(provider)
        )
        keyboard = InlineKeyboardMarkup(
            [
                [Button("↩️ " + _("Write back"), callback_data=f"cr:{payload['case_id']}")],
                [home_button(_)],
            ]
        )
        body = esc(part_text(part))
        text = f"{heading}\n\n{body}" if body else heading
        return Rendered(text, keyboard, _file_type(part), part.get("file_id"))
    if kind == "client_message":
        part = payload["part"]
        heading = "💬 " + _("The client writes on case {number}:").format(number=number)
        body = esc(part_text(part))
        text = f"{heading}\n\n{body}" if body else heading
        return Rendered(
            text, staff_buttons(payload["case_id"], lang), _file_type(part), part.get("file_id")
        )
    if kind == "case_returned":
        text = "🔙 " + _("{provider} returned case {number} to the OSS.").format(
            provider=esc(provider_name(kb, payload.get("by_provider"), lang)), number=number
        )
        text += "\n\n" + case_card(payload, lang, services, "📂")
        return Rendered(text, role_buttons(payload, lang, manager=True))
    if kind == "ask_solved":
        text = "✅ " + _(
            "{provider} marked your question {number} as resolved. Did this solve your problem?"
        ).format(provider=esc(provider), number=number)
        case_id = payload["case_id"]
        keyboard = InlineKeyboardMarkup(
            [
                [
                    Button("👍 " + _("Yes, solved"), callback_data=f"ok:{case_id}:y"),
                    Button("👎 " + _("No"), callback_data=f"ok:{case_id}:n"),
                ]
            ]
        )
        return Rendered(text, keyboard)
    if kind == "ask_rating":
        text = "🙏 " + _("Thank you! How would you rate the help with question {number}?").format(
            number=number
        )
        text += "\n" + _("1 is bad, 5 is excellent.")
        case_id = payload["case_id"]
        stars = [Button(f"{n} ⭐", callback_data=f"rt:{case_id}:{n}") for n in range(1, 6)]
        return Rendered(text, InlineKeyboardMarkup([stars[:3], stars[3:]]))
    if kind == "case_reopened":
        text = "↩️ " + _("The client says case {number} is not solved. It is open again.").format(
            number=number
        )
        text += "\n\n" + case_card(payload, lang, services, "📂")
        return Rendered(text, role_buttons(payload, lang, manager=manager))
    if kind == "case_closed":
        text = "📁 " + _(
            "Your question {number} was closed by the OSS. If you still need help, you can "
            "ask again from the menu."
        ).format(number=number)
        return Rendered(text, InlineKeyboardMarkup([[home_button(_)]]))
    if kind == "reminder":
        text = "⏰ " + _("Reminder: case {number} should be answered by {due}.").format(
            number=number, due=when(payload.get("due_at"), lang, services)
        )
        text += "\n\n" + case_card(payload, lang, services, "📂")
        return Rendered(text, staff_buttons(payload["case_id"], lang))
    if kind == "overdue":
        text = "⚠️ " + _("Case {number} is overdue: nobody has answered it in time.").format(
            number=number
        )
        text += "\n\n" + case_card(payload, lang, services, "📂")
        return Rendered(text, role_buttons(payload, lang, manager=True))
    if kind == "follow_up":
        text = "👋 " + _(
            "Some days ago your question {number} was passed to {provider}. "
            "Did you get the service you needed?"
        ).format(number=number, provider=esc(provider))
        case_id = payload["case_id"]
        keyboard = InlineKeyboardMarkup(
            [
                [
                    Button("✅ " + _("Yes"), callback_data=f"fu:{case_id}:yes"),
                    Button("❌ " + _("No"), callback_data=f"fu:{case_id}:no"),
                ],
                [Button("⏳ " + _("Still waiting"), callback_data=f"fu:{case_id}:waiting")],
            ]
        )
        return Rendered(text, keyboard)
    if kind == "follow_up_no":
        text = "❌ " + _("The client of case {number} says they did not get the service.").format(
            number=number
        )
        text += "\n\n" + case_card(payload, lang, services, "📂")
        return Rendered(text, role_buttons(payload, lang, manager=True))
    if kind == "case_withdrawn":
        text = "🗑 " + _(
            "Case {number} was withdrawn: the client erased their data. Nothing more to do."
        ).format(number=number)
        return Rendered(text)
    if kind == "digest":
        return Rendered(
            digest_text(payload, lang, services),
            InlineKeyboardMarkup([[Button("📋 " + _("Open cases"), callback_data="cl:0")]]),
        )
    if kind == "announce_done":
        return Rendered(*summary(payload, lang))
    raise ValueError(f"unknown notification kind {kind!r}")


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
    async with services.db.write() as session:
        batch = await outbox.claim_due(session, now=services.clock(), limit=BATCH)
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
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        await _retry(services, item, f"429 retry after {seconds}s", seconds + 0.5)
    except Forbidden as exc:
        log.info("notification %s to %s given up: %s", item.id, item.chat_id, exc.message)
        await _give_up(services, item, exc.message)
    except BadRequest as exc:
        log.error("notification %s (%s) refused by Telegram: %s", item.id, item.kind, exc.message)
        await _give_up(services, item, exc.message)
    except TelegramError as exc:  # network errors, timeouts, 5xx
        await _retry(services, item, f"{type(exc).__name__}: {exc}", min(2**item.attempts, 300))
    except (KeyError, ValueError) as exc:
        log.exception("notification %s (%s) cannot be rendered", item.id, item.kind)
        await _give_up(services, item, repr(exc))
    else:
        async with services.db.write() as session:
            await outbox.mark_sent(
                session, item.id, message_id=message.message_id, now=services.clock()
            )


async def _give_up(services: Services, item: outbox.Notification, error: str) -> None:
    async with services.db.write() as session:
        await outbox.mark_failed(session, item.id, error=error, now=services.clock())


async def _retry(services: Services, item: outbox.Notification, error: str, delay: float) -> None:
    log.info(
        "notification %s to %s will be retried in %.1fs: %s", item.id, item.chat_id, delay, error
    )
    async with services.db.write() as session:
        await outbox.mark_retry(
            session, item.id, error=error, retry_at=services.clock() + timedelta(seconds=delay)
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
