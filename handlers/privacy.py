"""/mydata and /forget: a person sees everything stored about them and can erase it."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_datetime
from telegram import InlineKeyboardMarkup, Update

from bot.domain import AUDIENCE_LABELS, NEWS_LABELS, VALUE_CHAIN_LABELS
from bot.services import privacy
from handlers import render
from handlers.common import ack, show, user_id
from handlers.context import BotContext
from handlers.desk import STATUS_NAMES
from handlers.notify import case_no, provider_name
from handlers.routes import Forget, button

CHUNK = 3500
QUESTION_SHOWN = 300


def _chunks(blocks: list[str]) -> list[str]:
    """Group blocks into messages that stay well under Telegram's 4096 characters."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if current and len(current) + len(block) + 2 > CHUNK:
            messages.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block[:CHUNK]
    if current:
        messages.append(current)
    return messages


async def my_data(update: Update, context: BotContext) -> None:
    """Show everything the bot stores about the person, in their language."""
    _ = context._
    lang = context.lang
    data = await privacy.my_data(context.svc.db, user_id(update))
    if data is None:
        await context.bot.send_message(user_id(update), _("I store nothing about you."))
        return
    profile = data.profile
    tz = context.svc.settings.tz
    lines = ["🗂 <b>" + _("What I store about you") + "</b>"]
    lines.append(
        _("Language: {language}").format(
            language=render.LANGUAGE_NAMES.get(profile.language or "", "—")
        )
    )
    if profile.audience in AUDIENCE_LABELS:
        who = render.label(AUDIENCE_LABELS, profile.audience, _)
        if profile.value_chain in VALUE_CHAIN_LABELS:
            who += " · " + render.label(VALUE_CHAIN_LABELS, profile.value_chain, _)
        lines.append(_("Who you are: {who}").format(who=who))
    if profile.source:
        lines.append(
            _("The link you came from: {source}").format(source=render.esc(profile.source))
        )
    lines.append(
        _("First message: {date}").format(
            date=format_date(profile.first_seen.astimezone(tz), "long", locale=lang)
        )
    )
    if data.staff_of:
        lines.append(
            _("You answer cases for: {provider}").format(
                provider=render.esc(provider_name(context.svc.kb, data.staff_of, lang))
            )
        )
    if data.news:
        topics = ", ".join(render.label(NEWS_LABELS, t, _) for t in data.news if t in NEWS_LABELS)
        lines.append(_("News you get: {topics}").format(topics=topics))
    if data.writing_a_question:
        lines.append(_("You are writing a question now (not sent yet)."))
    blocks = ["\n".join(lines)]
    blocks.append(
        "📂 "
        + context.ngettext(
            "You have asked {count} question.", "You have asked {count} questions.", len(data.cases)
        ).format(count=len(data.cases))
    )
    for case in data.cases:
        case_lines = [
            f"<b>{case_no(case.id)}</b> — "
            + format_date(case.created_at.astimezone(tz), "medium", locale=lang)
            + " — "
            + _(STATUS_NAMES.get(case.status, case.status)),
        ]
        if case.provider_id:
            case_lines.append(
                _("With: {provider}").format(
                    provider=render.esc(provider_name(context.svc.kb, case.provider_id, lang))
                )
            )
        if case.consent_at:
            moment = format_datetime(
                datetime.fromisoformat(case.consent_at), "d MMM y, HH:mm", tzinfo=tz, locale=lang
            )
            case_lines.append(_("You agreed to share it on {moment}").format(moment=moment))
        if case.question:
            question = (
                case.question
                if len(case.question) <= QUESTION_SHOWN
                else case.question[:QUESTION_SHOWN] + "…"
            )
            case_lines.append(_("Question: {question}").format(question=render.esc(question)))
        else:
            case_lines.append(_("Question: erased"))
        if case.files:
            case_lines.append(
                context.ngettext("{count} file", "{count} files", case.files).format(
                    count=case.files
                )
            )
        if case.phone:
            case_lines.append(_("Phone: {phone}").format(phone=render.esc(case.phone)))
        if case.rating:
            case_lines.append(_("Your rating: {stars} of 5").format(stars=case.rating))
        blocks.append("\n".join(case_lines))
    blocks.append(_("To erase your data, send /forget."))
    for text in _chunks(blocks):
        await context.bot.send_message(user_id(update), text)


async def forget(update: Update, context: BotContext) -> None:
    """Ask for confirmation before erasing everything."""
    _ = context._
    text = "\n\n".join(
        (
            "🗑 <b>" + _("Erase your data?") + "</b>",
            _(
                "I will erase your language, your choices, your news subscriptions and your "
                "questions with their files and phone numbers. Open questions will be withdrawn. "
                "Only anonymous counts stay for the OSS's reports."
            ),
            _(
                "Messages already delivered in Telegram (in this chat and to specialists) cannot "
                "be recalled by the bot."
            ),
        )
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                button("🗑 " + _("Yes, erase"), Forget(erase=True)),
                button("✖️ " + _("No, keep"), Forget(erase=False)),
            ]
        ]
    )
    await show(update, context, text, keyboard)


async def confirm_forget(update: Update, context: BotContext, press: Forget) -> None:
    """Erase the person's data after they confirmed."""
    await ack(update)
    _ = context._
    if not press.erase:
        await show(update, context, _("Nothing was erased."))
        return
    settings = context.svc.settings

    result = await privacy.forget(
        context.svc.db,
        user_id(update),
        now=context.svc.clock(),
        manager_ids=settings.manager_ids,
        default_language=settings.default_language,
    )
    context.person = None
    text = "✅ " + _(
        "Done: your data is erased. Messages already delivered in Telegram cannot be recalled. "
        "If you write again, I will start from the beginning."
    )
    if result.withdrawn:
        text += "\n" + context.ngettext(
            "{count} open question was withdrawn.",
            "{count} open questions were withdrawn.",
            len(result.withdrawn),
        ).format(count=len(result.withdrawn))
    await show(update, context, text)
