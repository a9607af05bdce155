"""My questions: the person's own cases, who has each, the last word, and what to do next."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.i18n import N_
from bot.services.cases import Actor, CaseError, CaseStatus
from bot.services.cases.queries import ClientCase
from handlers import render
from handlers.common import ack, refuse, show, user_id
from handlers.context import BotContext
from handlers.desk import retire_cards
from handlers.notify import case_no, provider_name
from handlers.routes import MyCase, MyCases, Settle, WriteBack, button

# What each status means to the person who asked.
STATUS_TEXT: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.NEW: ("⏳", N_("Waiting for the ODAK centre")),
    CaseStatus.ASSIGNED: ("⏳", N_("A specialist is working on it")),
    CaseStatus.ANSWERED: ("💬", N_("Answered: your turn")),
    CaseStatus.REOPENED: ("⏳", N_("Reopened: a specialist is on it")),
    CaseStatus.RESOLVED: ("✅", N_("Resolved: is it solved?")),
    CaseStatus.CLOSED: ("☑️", N_("Closed")),
}
OPEN_FOR_CLIENT = (
    CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.REOPENED,
    CaseStatus.RESOLVED,
)  # fmt: skip
CAN_WRITE = (CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.REOPENED)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def _cases(update: Update, context: BotContext) -> list[ClientCase]:
    return await context.svc.cases.client_cases(Actor(user_id(update), "client"))


def _status(case: ClientCase, context: BotContext) -> str:
    icon, text = STATUS_TEXT[case.status]
    return f"{icon} {context._(text)}"


async def my_cases(update: Update, context: BotContext, press: MyCases | None = None) -> None:
    """List the person's open and recent questions, each a button to open it."""
    await ack(update)
    _ = context._
    cases = await _cases(update, context)
    if not cases:
        text = (
            "📨 <b>"
            + _("My questions")
            + "</b>\n\n"
            + _(
                "You have no questions yet. Open an answer and press “Ask a specialist”, or type "
                "your question."
            )
        )
        await show(update, context, text, InlineKeyboardMarkup([[render.home_button(_)]]))
        return
    lines = ["📨 <b>" + _("My questions") + "</b>"]
    for case in cases:
        lines.append(
            f"<b>{case_no(case.id)}</b> · {_status(case, context)}\n"
            f"{render.esc(_short(case.question, 60))}"
        )
    keyboard = [
        [button(f"{case_no(c.id)} · {_short(c.question, 24)}", MyCase(c.id))] for c in cases
    ]
    keyboard.append([render.home_button(_)])
    await show(update, context, "\n\n".join(lines), InlineKeyboardMarkup(keyboard))


async def my_case(update: Update, context: BotContext, press: MyCase) -> None:
    """Show one of the person's questions: status, who has it, the last message, the actions."""
    _ = context._
    case = next((c for c in await _cases(update, context) if c.id == press.case), None)
    if case is None:
        await ack(update, _("This question is not in your list any more."))
        await my_cases(update, context)
        return
    await ack(update)
    who = provider_name(context.svc.kb, case.provider_id, context.lang)
    lines = [
        f"📨 <b>{case_no(case.id)}</b> · {_status(case, context)}",
        "👤 " + _("Who has it: {who}").format(who=render.esc(who)),
        "❓ " + render.esc(_short(case.question, 300)),
    ]
    if case.last_message:
        said = _("You") if case.last_from == "client" else render.esc(who)
        lines.append(f"💬 <b>{said}:</b> {render.esc(_short(case.last_message, 400))}")
    keyboard = []
    if case.status in CAN_WRITE:
        keyboard.append([button("✍️ " + _("Write more"), WriteBack(case.id))])
    if case.status in OPEN_FOR_CLIENT:
        keyboard.append([button("✅ " + _("It is solved"), Settle(case.id, "s"))])
        keyboard.append([button("✖️ " + _("Withdraw"), Settle(case.id, "w"))])
    keyboard.append([button("⬅️ " + _("My questions"), MyCases())])
    keyboard.append([render.home_button(_)])
    await show(update, context, "\n\n".join(lines), InlineKeyboardMarkup(keyboard))


async def settle(update: Update, context: BotContext, press: Settle) -> None:
    """End the person's question: solved, or withdrawn after "are you sure?"."""
    _ = context._
    if press.step == "w":
        await ack(update)
        text = _("Withdraw question {number}? Nobody will work on it any more.").format(
            number=case_no(press.case)
        )
        keyboard = [
            [button("✖️ " + _("Yes, withdraw"), Settle(press.case, "wy"))],
            [button("⬅️ " + _("No, keep it"), MyCase(press.case))],
        ]
        await show(update, context, text, InlineKeyboardMarkup(keyboard))
        return
    solved = press.step == "s"
    try:
        await context.svc.cases.settle(Actor(user_id(update), "client"), press.case, solved=solved)
    except CaseError as exc:
        await refuse(update, context, exc)
        return
    await ack(update)
    await retire_cards(context, press.case)
    if solved:
        text = "✅ " + _("Glad it is solved. Question {number} is closed.")
    else:
        text = "✖️ " + _("Question {number} is withdrawn.")
    keyboard = [[button("📨 " + _("My questions"), MyCases())], [render.home_button(_)]]
    await show(
        update, context, text.format(number=case_no(press.case)), InlineKeyboardMarkup(keyboard)
    )
