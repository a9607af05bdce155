"""The OSS manager's and the providers' side: case lists, case views, assigning, answering."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from babel.dates import format_datetime
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.i18n import N_
from bot.services import outbox, people
from bot.services.cases import Actor, CaseError, CaseView, EventView
from handlers import render
from handlers.common import ack, refresh_commands, refuse, show, user_id
from handlers.context import BotContext
from handlers.notify import case_card, case_no, manager_buttons, provider_name, staff_buttons
from handlers.routes import (
    Assign,
    CaseHistory,
    CaseList,
    ChooseProvider,
    CloseCase,
    CreateInvite,
    ProviderAction,
    button,
)

LIST_PAGE = 8

log = logging.getLogger(__name__)

EVENT_NAMES = {
    "opened": N_("question sent by the client"),
    "queued": N_("put in the OSS queue"),
    "assigned": N_("given to {provider}"),
    "provider_message": N_("answer from the provider"),
    "client_message": N_("message from the client"),
    "returned": N_("returned to the OSS"),
    "resolved": N_("marked resolved"),
    "confirmed": N_("the client confirmed it is solved"),
    "reopened": N_("the client said it is not solved"),
    "rated": N_("rated {stars} of 5"),
    "closed": N_("closed by the manager"),
    "overdue": N_("deadline passed"),
    "follow_up": N_("follow-up answer: {answer}"),
    "withdrawn": N_("withdrawn: the client erased their data"),
    "settled": N_("the client said it is solved and closed it"),
    "dropped": N_("withdrawn by the client"),
}
MESSAGE_EVENTS = ("provider_message", "client_message")
QUESTION_LIMIT = 700  # characters of the question in /case N; each may escape to five
CASE_TEXT_LIMIT = 4000  # under Telegram's 4,096, with room for the note of what is left out
ROLE_NAMES = {
    "client": N_("client"),
    "staff": N_("provider"),
    "manager": N_("manager"),
    "system": N_("bot"),
}
STATUS_NAMES = {
    "new": N_("waiting in the OSS queue"),
    "assigned": N_("with the provider"),
    "answered": N_("answered, waiting for the client"),
    "reopened": N_("reopened"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}

MAX_CASE_NUMBER = 2**31 - 1  # the largest id either database can hold in the column


async def _actor(update: Update, context: BotContext) -> Actor:
    return await context.svc.cases.actor(user_id(update))


def _snapshot(case: CaseView) -> dict[str, object]:
    return case.snapshot()


def case_text(case: CaseView, history: list[EventView], context: BotContext) -> str:
    """A case with its status and whole history."""
    _ = context._
    lang = context.lang
    snapshot = _snapshot(case)
    question = str(snapshot.get("question") or "")
    if len(question) > QUESTION_LIMIT:  # escaped, even a question of "<" stays under the limit
        snapshot["question"] = question[: QUESTION_LIMIT - 1].rstrip() + "…"
    text = case_card(snapshot, lang, context.svc, "📂")
    text += "\n\n" + "📍 " + _("Status: {status}").format(status=_(STATUS_NAMES[case.status]))
    if case.rating is not None:
        text += "\n⭐ " + _("Rating: {stars} of 5").format(stars=case.rating)
    lines = []
    for event in history:
        moment = format_datetime(
            event.created_at, "d MMM HH:mm", tzinfo=context.svc.settings.tz, locale=lang
        )
        what = _(EVENT_NAMES.get(event.kind, event.kind)).format(
            provider=render.esc(
                provider_name(context.svc.kb, event.detail.get("provider_id"), lang)
            ),
            stars=event.detail.get("stars", ""),
            answer=render.esc(str(event.detail.get("answer", ""))),
        )
        line = f"• {moment} — {what} ({_(ROLE_NAMES.get(event.actor_role, event.actor_role))})"
        if event.kind in MESSAGE_EVENTS:  # the manager is entitled to what was said
            line += "\n    " + message_excerpt(event.detail.get("part") or {}, _)
        lines.append(line)
    head = text + "\n\n<b>" + _("History") + "</b>"
    # Whole lines only, the latest kept: a cut through a tag would make Telegram refuse it all.
    kept: list[str] = []
    size = len(head)
    for line in reversed(lines):
        if size + len(line) + 1 > CASE_TEXT_LIMIT - 80:
            break
        kept.insert(0, line)
        size += len(line) + 1
    if len(kept) < len(lines):
        left_out = len(lines) - len(kept)
        kept.insert(
            0,
            "… "
            + context.ngettext(
                "{count} earlier event not shown", "{count} earlier events not shown", left_out
            ).format(count=left_out),
        )
    return head + "\n" + "\n".join(kept)


def message_excerpt(part: dict[str, object], _: Callable[[str], str], limit: int = 600) -> str:
    """A message of the case as the manager reads it: its text (escaped), or what file it was."""
    text = str(part.get("text") or part.get("caption") or "")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    if part.get("type") not in (None, "text"):
        # TRANSLATORS: in a case's history, a message that was a photo, a voice or a document
        attached = "📎 " + _("a file")
        return render.esc(attached + (": " + text if text else ""))
    return "«" + render.esc(text) + "»"


def case_keyboard(case: CaseView, actor: Actor, context: BotContext) -> InlineKeyboardMarkup | None:
    if case.status == "closed":
        return None
    if actor.role == "manager":
        return manager_buttons(case.id, context.lang, assigned=bool(case.provider_id))
    if case.status in ("assigned", "answered", "reopened"):
        return staff_buttons(case.id, context.lang)
    return None


async def show_case(update: Update, context: BotContext, case_id: int) -> None:
    """Show a case and its history to the manager or the case's provider."""
    actor = await _actor(update, context)
    try:
        case, history = await context.svc.cases.case_with_history(actor, case_id)
    except CaseError:
        await ack(update, context._("This is not available to you."))
        if update.callback_query is None:
            await context.bot.send_message(
                user_id(update), context._("There is no such case for you.")
            )
        return
    await ack(update)
    await show(
        update, context, case_text(case, history, context), case_keyboard(case, actor, context)
    )


async def case_command(update: Update, context: BotContext) -> None:
    """/case N: one case with its whole history."""
    args = context.args or []
    # ASCII digits only: "²" and "①" are digits to str.isdigit but not to int(), and a number
    # of 20 digits fits no database column; no case has more than nine.
    number = re.fullmatch(r"[№#]?([0-9]{1,18})", args[0]) if len(args) == 1 else None
    if number is None:
        await context.bot.send_message(
            user_id(update), context._("Write the case number: /case 42")
        )
        return
    case_id = int(number.group(1))
    if case_id > MAX_CASE_NUMBER:
        await context.bot.send_message(user_id(update), context._("There is no such case for you."))
        return
    await show_case(update, context, case_id)


async def view_case(update: Update, context: BotContext, press: CaseHistory) -> None:
    """The "History" button."""
    await show_case(update, context, press.case)


async def list_cases(update: Update, context: BotContext, press: CaseList | None = None) -> None:
    """/cases: open cases, overdue first, for the manager (all) or a provider (its own)."""
    actor = await _actor(update, context)
    await ack(update)
    _ = context._
    page = press.page if press is not None else 0
    cases = await context.svc.cases.open_cases(actor)
    now = context.svc.clock()
    cases.sort(key=lambda c: (not c.overdue(now), c.due_at or now, c.id))
    overdue = sum(1 for c in cases if c.overdue(now))
    text = "📋 <b>" + _("Open cases: {count}").format(count=len(cases)) + "</b>"
    if overdue:
        text += "\n⚠️ " + _("Overdue: {count}").format(count=overdue)
    if not cases:
        text += "\n\n" + _("Nothing is waiting. Well done!")
    shown = cases[page * LIST_PAGE : (page + 1) * LIST_PAGE]
    rows = []
    for case in shown:
        mark = "⚠️" if case.overdue(now) else "🟢"
        holder = provider_name(context.svc.kb, case.provider_id, context.lang)
        rows.append([button(f"{mark} {case_no(case.id)} · {holder}", CaseHistory(case.id))])
    paging = []
    if page > 0:
        paging.append(button("◀️ " + _("Back"), CaseList(page - 1)))
    if (page + 1) * LIST_PAGE < len(cases):
        paging.append(button(_("More") + " ▶️", CaseList(page + 1)))
    if paging:
        rows.append(paging)
    await show(update, context, text, InlineKeyboardMarkup(rows) if rows else None)


async def choose_provider(update: Update, context: BotContext, press: ChooseProvider) -> None:
    """The manager picks the provider a case goes to."""
    case_id = press.case
    await ack(update)
    _ = context._
    linked = await context.svc.cases.linked_providers()
    rows = []
    for provider in context.svc.kb.providers.values():
        name = provider.short_name.get(context.lang)
        if provider.id not in linked:
            name += " · " + _("no staff linked")
        rows.append([button(name, Assign(case_id, provider.id))])
    rows.append([button("⬅️ " + _("Back"), CaseHistory(case_id))])
    text = _("Who should answer case {number}?").format(number=case_no(case_id))
    await show(update, context, text, InlineKeyboardMarkup(rows))


async def assign(update: Update, context: BotContext, press: Assign) -> None:
    """Give the case to the chosen provider."""
    actor = await _actor(update, context)
    try:
        await context.svc.cases.assign(actor, press.case, press.provider)
    except CaseError as exc:
        if exc.code == "bad_state" and "staff" in str(exc):
            await ack(
                update,
                context._("Nobody from this provider is linked yet. Send them an invite: /invite"),
            )
            return
        await refuse(update, context, exc)
        return
    await show_case(update, context, press.case)


async def retire_cards(context: BotContext, case_id: int) -> None:
    """Take the action buttons off every card of a case that was resolved or closed.

    The cards the outbox delivered (to the provider's staff and the managers) are edited in
    place; one Telegram refuses (deleted, too old) is left as it is."""
    for chat_id, message_id in await outbox.sent_cards(context.svc.db, case_id):
        try:
            await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("card %s of case %s keeps its buttons: %s", message_id, case_id, exc)


async def close(update: Update, context: BotContext, press: CloseCase) -> None:
    """The manager closes a case."""
    case_id = press.case
    actor = await _actor(update, context)
    try:
        await context.svc.cases.close(actor, case_id)
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await retire_cards(context, case_id)
    await show_case(update, context, case_id)


async def provider_action(update: Update, context: BotContext, press: ProviderAction) -> None:
    """A provider replies to, resolves, or returns a case."""
    case_id, action = press.case, press.step
    actor = await _actor(update, context)
    _ = context._
    desk = context.svc.cases
    try:
        if action == "r":
            await desk.start_reply(actor, case_id)
            await ack(update)
            await context.bot.send_message(
                user_id(update),
                "✍️ "
                + _(
                    "Write your answer to the client on case {number} in one message "
                    "(text, photo, voice or document). /cancel to stop."
                ).format(number=case_no(case_id)),
            )
            return
        if action == "d":
            await desk.resolve(actor, case_id)
            await ack(update, _("Marked resolved. The client will be asked to confirm."))
        else:
            await desk.return_to_oss(actor, case_id)
            await ack(update, _("Returned to the OSS manager."))
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    if action == "d":
        await retire_cards(context, case_id)
    text = "✅ " + _("Done: case {number}.").format(number=case_no(case_id))
    await context.bot.send_message(user_id(update), text)


async def invite(update: Update, context: BotContext) -> None:
    """/invite: the manager picks a provider to create a staff invite link for."""
    _ = context._
    rows = [
        [button(p.short_name.get(context.lang), CreateInvite(p.id))]
        for p in context.svc.kb.providers.values()
    ]
    await show(update, context, _("Which provider is the invite for?"), InlineKeyboardMarkup(rows))


async def create_invite(update: Update, context: BotContext, press: CreateInvite) -> None:
    """Create a single-use invite link and show it to the manager to forward."""
    provider_id = press.provider
    actor = await _actor(update, context)
    try:
        token = await context.svc.cases.create_invite(actor, provider_id)
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await ack(update)
    _ = context._
    link = f"https://t.me/{context.bot.username}?start=inv-{token}"
    text = "\n\n".join(
        (
            "🔗 "
            + _("Invite for {provider}:").format(
                provider=render.esc(provider_name(context.svc.kb, provider_id, context.lang))
            ),
            link,
            _("Forward this link to the staff member. It works once and expires in 3 days."),
        )
    )
    await show(update, context, text)


async def accept_invite(update: Update, context: BotContext, token: str) -> None:
    """Link the account that opened an invite link to its provider."""
    _ = context._
    user = update.effective_user
    assert user is not None
    await people.set_language(context.svc.db, user.id, context.lang)
    try:
        provider_id = await context.svc.cases.accept_invite(user.id, token, user.full_name)
    except CaseError:
        await context.bot.send_message(
            user.id, _("This invite link is not valid any more. Ask the OSS manager for a new one.")
        )
        return
    text = "✅ " + _(
        "You now answer cases for {provider}. New cases will arrive here. /cases lists yours."
    ).format(provider=render.esc(provider_name(context.svc.kb, provider_id, context.lang)))
    await context.bot.send_message(user.id, text)
    await refresh_commands(update, context)
