"""Announcements in Telegram: the manager writes, targets, previews and confirms; the sender
delivers them below Telegram's bulk limit, editing one progress message as it goes.

Why a delivery is never repeated blindly, and what happens to one whose outcome is unknown,
is written at the top of `bot.services.announcements`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, assert_never

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.background import BackgroundLoop
from bot.container import Services
from bot.domain import AUDIENCE_LABELS, NEWS_LABELS, VALUE_CHAIN_LABELS
from bot.i18n import translator
from bot.insight import number
from bot.knowledge import AUDIENCES, LANGS, VALUE_CHAINS
from bot.resilience import SendFailure, Verdict, classify_send_failure
from bot.services import announcements
from bot.services.announcements import AnnouncementError, AnnouncementView, Recipient, Segment
from bot.services.subscriptions import TOPICS
from handlers.common import ack, show, user_id
from handlers.context import BotContext
from handlers.manager import is_manager
from handlers.render import LANGUAGE_NAMES, Gettext, label
from handlers.routes import ANY, Announcement, AnnounceStep, Unsubscribe, button

log = logging.getLogger(__name__)

RATE = 28.0  # messages per second, evenly spaced: below Telegram's ~30/s for bulk sending
FIELD_CODES = {"a": "audience", "v": "value_chain", "l": "language", "t": "topic"}
CHOICES = {"audience": AUDIENCES, "value_chain": VALUE_CHAINS, "language": LANGS, "topic": TOPICS}


# ---- what people see -----------------------------------------------------------------------


def announcement_message(
    text: str, topic: str | None, lang: str, announcement_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """An announcement as its reader sees it, with the one-tap way out under it."""
    _ = translator(lang).gettext
    heading = "📢 <b>" + _("News from the OSS") + "</b>"
    if topic in NEWS_LABELS:
        heading += " · " + label(NEWS_LABELS, topic, _)
    keyboard = InlineKeyboardMarkup(
        [[button("🔕 " + _("Unsubscribe"), Unsubscribe(announcement_id))]]
    )
    return f"{heading}\n\n{text}", keyboard


def choice_name(field: str, value: str | None, _: Gettext) -> str:
    """Name one value of a segment field; None is "any"."""
    if value is None:
        return _("any")
    if field == "audience":
        return label(AUDIENCE_LABELS, value, _)
    if field == "value_chain":
        return label(VALUE_CHAIN_LABELS, value, _)
    if field == "language":
        return LANGUAGE_NAMES[value]
    return label(NEWS_LABELS, value, _)


def segment_lines(segment: Segment, _: Gettext) -> list[str]:
    """Describe who gets the announcement, one line per field."""
    return [
        "👥 " + _("Who: {value}").format(value=choice_name("audience", segment.audience, _)),
        "🌾 "
        + _("Value chain: {value}").format(
            value=choice_name("value_chain", segment.value_chain, _)
        ),
        "🗣 " + _("Language: {value}").format(value=choice_name("language", segment.language, _)),
        "🔔 "
        + _("Subscribed to: {value}").format(
            value=choice_name("topic", segment.topic, _) if segment.topic else _("any news topic")
        ),
    ]


def draft_screen(view: AnnouncementView, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The draft: who gets it, how many, and the buttons to change, preview or send it."""
    tr = translator(lang)
    _ = tr.gettext
    a = view.id
    count = tr.ngettext(
        "{count} person will get it.", "{count} people will get it.", view.recipients
    ).format(count=number(view.recipients, lang))
    text = "\n".join(
        (
            "📢 <b>" + _("Announcement (draft)") + "</b>",
            "",
            *segment_lines(view.segment, _),
            "",
            "<b>" + count + "</b>",
            _("Only people who asked for news get it, and never someone who blocked the bot."),
        )
    )
    keyboard = [
        [
            button("👥 " + _("Who"), Announcement(a, "a")),
            button("🌾 " + _("Value chain"), Announcement(a, "v")),
        ],
        [
            button("🗣 " + _("Language"), Announcement(a, "l")),
            button("🔔 " + _("News topic"), Announcement(a, "t")),
        ],
        [button("👁 " + _("Preview"), Announcement(a, "pv"))],
    ]
    last = [button("✖️ " + _("Cancel"), Announcement(a, "x"))]
    if view.recipients:
        last.insert(0, button("✅ " + _("Send"), Announcement(a, "go")))
    keyboard.append(last)
    return text, InlineKeyboardMarkup(keyboard)


def options_screen(
    view: AnnouncementView, code: AnnounceStep, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The values one segment field can take, "any" first."""
    _ = translator(lang).gettext
    field = FIELD_CODES[code]
    current = getattr(view.segment, field)
    any_label = _("any news topic") if field == "topic" else _("any")
    options = [(None, any_label)] + [(v, choice_name(field, v, _)) for v in CHOICES[field]]
    keyboard = [
        [
            button(
                ("• " if value == current else "") + name,
                Announcement(view.id, code, value or ANY),
            )
        ]
        for value, name in options
    ]
    keyboard.append([button("⬅️ " + _("Back"), Announcement(view.id))])
    title = {
        "audience": _("Who should get it?"),
        "value_chain": _("Farmers of which value chain?"),
        "language": _("People who read which language?"),
        "topic": _("People subscribed to which news?"),
    }[field]
    return "📢 " + title, InlineKeyboardMarkup(keyboard)


def progress_text(view: AnnouncementView, lang: str) -> str:
    """The one message that shows how far the sending is."""
    _ = translator(lang).gettext
    tally = view.tally
    if view.status == "sending":
        return "📤 " + _("Sending announcement {number}: {done} of {total}").format(
            number=f"№{view.id}", done=number(tally.done, lang), total=number(tally.total, lang)
        )
    return "✅ " + _("Announcement {number} is sent.").format(number=f"№{view.id}")


def summary(payload: dict[str, Any], lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """The end of an announcement: how many got it, blocked the bot, failed, or are unknown."""
    _ = translator(lang).gettext

    def n(key: str) -> str:
        return number(payload.get(key, 0), lang)

    lines = [
        "📢 <b>"
        + _("Announcement {number} is sent.").format(number=f"№{payload['announcement_id']}")
        + "</b>",
        "✅ " + _("Delivered: {count}").format(count=n("sent")),
        "🚫 " + _("Blocked the bot: {count}").format(count=n("blocked")),
        "⚠️ " + _("Failed: {count}").format(count=n("failed")),
    ]
    keyboard = None
    if payload.get("unknown"):
        lines.append(
            "❔ " + _("Outcome unknown, not sent again: {count}").format(count=n("unknown"))
        )
        lines.append(
            _(
                "The connection broke while these were sent: they may have arrived. Send again "
                "only if a second copy does no harm."
            )
        )
        keyboard = InlineKeyboardMarkup(
            [
                [
                    button(
                        "🔁 " + _("Send again to these {count}").format(count=n("unknown")),
                        Announcement(int(payload["announcement_id"]), "re"),
                    )
                ]
            ]
        )
    return "\n".join(lines), keyboard


# ---- the manager's steps -------------------------------------------------------------------


async def announce_command(update: Update, context: BotContext) -> None:
    """/announce: the manager's next message becomes an announcement."""
    await announcements.begin_writing(context.svc.db, user_id(update), now=context.svc.clock())
    _ = context._
    await context.bot.send_message(
        user_id(update),
        "✍️ "
        + _(
            "Write the announcement in one message. Then you choose who gets it, see a "
            "preview and confirm. /cancel to stop."
        ),
    )


async def take_text(update: Update, context: BotContext) -> bool:
    """Take a manager's text as the announcement being written; False when none is."""
    message = update.effective_message
    if message is None or message.text is None or not is_manager(update, context):
        return False
    if not await announcements.is_writing(context.svc.db, user_id(update)):
        return False
    _ = context._
    try:
        view = await announcements.write_text(
            context.svc.db, user_id(update), message.text_html, segment=Segment(),
            now=context.svc.clock(),
        )  # fmt: skip
    except AnnouncementError as exc:
        if exc.code == "bad_value":
            await message.reply_text(
                _("Please make it shorter: at most {count} characters.").format(
                    count=announcements.MAX_TEXT
                )
            )
            return True
        raise
    text, keyboard = announcement_message(view.text, view.segment.topic, context.lang, view.id)
    await context.bot.send_message(
        user_id(update), "👁 " + _("Preview: this is what people will see.")
    )
    await context.bot.send_message(user_id(update), text, reply_markup=keyboard)
    screen, buttons = draft_screen(view, context.lang)
    await context.bot.send_message(user_id(update), screen, reply_markup=buttons)
    return True


async def draft_button(update: Update, context: BotContext, press: Announcement) -> None:
    """Every button of the draft: choose the segment, preview, send, cancel, send again."""
    announcement_id, action = press.announcement, press.step or ""
    field = FIELD_CODES.get(action)
    db, lang, _ = context.svc.db, context.lang, context._
    try:
        if field is not None and press.value is not None:
            value = None if press.value == ANY else press.value
            view = await announcements.set_segment(db, announcement_id, field, value)
            await ack(update)
            await show(update, context, *draft_screen(view, lang))
        elif field is not None and press.step is not None:
            view = await announcements.get(db, announcement_id)
            await ack(update)
            await show(update, context, *options_screen(view, press.step, lang))
        elif action == "pv":
            view = await announcements.get(db, announcement_id)
            await ack(update)
            text, keyboard = announcement_message(view.text, view.segment.topic, lang, view.id)
            await context.bot.send_message(user_id(update), text, reply_markup=keyboard)
        elif action == "go":
            view = await announcements.get(db, announcement_id)
            if view.status != "draft":
                raise AnnouncementError("bad_state", view.status)
            await ack(update)
            question = context.ngettext(
                "Send this announcement to {count} person now? It cannot be taken back.",
                "Send this announcement to {count} people now? It cannot be taken back.",
                view.recipients,
            ).format(count=number(view.recipients, lang))
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        button("✅ " + _("Yes, send"), Announcement(view.id, "yes")),
                        button("⬅️ " + _("Back"), Announcement(view.id)),
                    ]
                ]
            )
            await show(update, context, question, keyboard)
        elif action == "yes":
            await _start(update, context, announcement_id)
        elif action == "x":
            await announcements.cancel(db, announcement_id)
            await ack(update)
            await show(update, context, "✖️ " + _("The announcement is cancelled."))
        elif action == "re":
            count = await announcements.retry_unknown(db, announcement_id, now=context.svc.clock())
            await ack(update, _("Sending again: {count}").format(count=count))
            _wake(context.application)
        else:
            view = await announcements.get(db, announcement_id)
            if view.status != "draft":
                raise AnnouncementError("bad_state", view.status)
            await ack(update)
            await show(update, context, *draft_screen(view, lang))
    except AnnouncementError:
        await ack(update, _("This announcement cannot be changed any more."))


async def _start(update: Update, context: BotContext, announcement_id: int) -> None:
    """Fix the recipients and hand the announcement to the sender."""
    query = update.callback_query
    assert query is not None and query.message is not None
    progress = (query.message.chat.id, query.message.message_id)
    view = await announcements.start(
        context.svc.db, announcement_id, progress=progress, now=context.svc.clock()
    )
    await ack(update, context._("Sending started."))
    await show(update, context, progress_text(view, context.lang))
    log.info("announcement %s: sending to %s people", view.id, view.recipients)
    _wake(context.application)


def _wake(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    sender = application.bot_data.get("announcer")
    if sender is not None:
        sender.wake()


# ---- the sender ----------------------------------------------------------------------------


class Pacer:
    """Space requests evenly at `per_second`; a 429 pauses everything for its retry_after."""

    def __init__(
        self,
        per_second: float,
        sleep: Callable[[float], Awaitable[Any]],
        monotonic: Callable[[], float],
    ) -> None:
        self.interval = 1.0 / per_second
        self.sleep = sleep
        self.monotonic = monotonic
        self.next_at = 0.0

    async def wait(self) -> None:
        """Return when the next request may go."""
        now = self.monotonic()
        if now < self.next_at:
            await self.sleep(self.next_at - now)
            now = self.monotonic()
        self.next_at = max(now, self.next_at) + self.interval

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`."""
        self.next_at = max(self.next_at, self.monotonic() + seconds)


class Broadcaster(BackgroundLoop):
    """Deliver announcements: claimed rows, paced sends, results marked, progress shown."""

    name = "announcements"

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        rate: float = RATE,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        progress_every: float = 3.0,
        batch: int = 50,
        idle: float = 5.0,
    ) -> None:
        super().__init__(idle=idle)
        self.application = application
        self.services: Services = application.bot_data["services"]
        self.pacer = Pacer(rate, sleep, monotonic)
        self.sleep = sleep
        self.monotonic = monotonic
        self.progress_every = progress_every
        self.batch = batch
        self.refused = 0  # 429 answers seen
        self._shown: dict[int, float] = {}

    async def step(self) -> bool:
        await self.run_until_idle()
        return False  # it ran until nothing was left

    # -- the work --

    async def run_until_idle(self) -> int:
        """Send until no announcement has a delivery left to try; return how many were tried."""
        svc = self.services
        tried = 0
        while True:
            batch = await announcements.claim(svc.db, now=svc.clock(), limit=self.batch)
            if batch:
                for recipient in batch:
                    tried += await self._send(recipient)
                    await self._show_progress(recipient.announcement_id)
                continue
            await self._finish()
            due = await announcements.next_due(svc.db)
            if due is None:
                return tried
            await self.sleep(max((due - svc.clock()).total_seconds(), 0.05))

    async def _send(self, recipient: Recipient) -> int:
        svc = self.services
        await self.pacer.wait()
        if not await announcements.begin_send(svc.db, recipient.delivery_id, now=svc.clock()):
            return 0
        text, keyboard = announcement_message(
            recipient.text, recipient.topic, recipient.language, recipient.announcement_id
        )
        delivery = recipient.delivery_id
        try:
            message = await self.application.bot.send_message(
                recipient.chat_id, text, reply_markup=keyboard
            )
        except TelegramError as exc:
            await self._failed(delivery, classify_send_failure(exc))
        else:
            await announcements.mark_sent(
                svc.db, delivery, message_id=message.message_id, now=svc.clock()
            )
        return 1

    async def _failed(self, delivery: int, failure: SendFailure) -> None:
        """Retry what surely did not arrive; record what is lost or unknown."""
        svc, error = self.services, failure.error
        match failure.verdict:
            case Verdict.RETRY_AFTER:
                self.refused += 1
                self.pacer.pause(failure.retry_after)
                retry_at = svc.clock() + timedelta(seconds=failure.retry_after)
                await announcements.mark_retry(svc.db, delivery, error=error, retry_at=retry_at)
            case Verdict.GONE:
                await announcements.mark_blocked(svc.db, delivery, error=error, now=svc.clock())
            case Verdict.REFUSED | Verdict.OTHER:
                log.warning("announcement delivery %s refused: %s", delivery, error)
                await announcements.mark_failed(svc.db, delivery, error=error)
            case Verdict.NOT_SENT:
                retry_at = svc.clock() + timedelta(seconds=5)
                await announcements.mark_retry(svc.db, delivery, error=error, retry_at=retry_at)
            case Verdict.UNKNOWN:  # sent twice would be worse than not at all: ask the manager
                log.warning("announcement delivery %s has an unknown outcome: %s", delivery, error)
                await announcements.mark_unknown(svc.db, delivery, error=error)
            case _ as unreachable:
                assert_never(unreachable)

    async def _show_progress(self, announcement_id: int, *, final: bool = False) -> None:
        now = self.monotonic()
        if not final and now - self._shown.get(announcement_id, -1e9) < self.progress_every:
            return
        self._shown[announcement_id] = now
        view = await announcements.get(self.services.db, announcement_id)
        if view.progress_chat_id is None or view.progress_message_id is None:
            return
        lang = view.creator_language or self.services.settings.default_language
        await self.pacer.wait()
        try:
            await self.application.bot.edit_message_text(
                progress_text(view, lang),
                chat_id=view.progress_chat_id,
                message_id=view.progress_message_id,
            )
        except TelegramError as exc:
            failure = classify_send_failure(exc)
            if failure.verdict is Verdict.RETRY_AFTER:
                self.pacer.pause(failure.retry_after)
            log.debug("progress of announcement %s not shown: %s", announcement_id, failure.error)

    async def _finish(self) -> None:
        svc = self.services
        for view in await announcements.in_progress(svc.db):
            done = await announcements.finish_if_done(
                svc.db, view.id, default_language=svc.settings.default_language, now=svc.clock()
            )
            if done is not None:
                log.info("announcement %s done: %s", done.id, done.tally)
                await self._show_progress(done.id, final=True)
                delivery = self.application.bot_data.get("delivery")
                if delivery is not None:
                    delivery.wake()
