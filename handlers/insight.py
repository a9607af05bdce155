"""The manager's insight: /report with charts, /export as a workbook, /gaps for curators."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.insight import ProviderName, gaps_text, period_label, report_text
from bot.services import reports
from bot.services.gaps import knowledge_gaps
from bot.services.period import Period, PeriodError
from handlers.common import ack, callback_data, show, stale_button, unknown_command, user_id
from handlers.context import BotContext
from handlers.manager import is_manager
from handlers.notify import provider_name
from handlers.render import Gettext, rows

log = logging.getLogger(__name__)

Button = InlineKeyboardButton
GAP_DAYS = (7, 30, 90)
Run = Callable[[Update, BotContext, Period], Awaitable[None]]


def _today(context: BotContext) -> datetime:
    return context.svc.clock().astimezone(context.svc.settings.tz)


def _name(context: BotContext) -> ProviderName:
    kb, lang = context.svc.kb, context.lang
    return lambda provider_id: provider_name(kb, provider_id, lang)


def period_keyboard(prefix: str, _: Gettext) -> InlineKeyboardMarkup:
    """Offer this and last week and month."""
    return InlineKeyboardMarkup(
        [
            [
                Button(_("This week"), callback_data=f"{prefix}:w"),
                Button(_("This month"), callback_data=f"{prefix}:m"),
            ],
            [
                Button(_("Last week"), callback_data=f"{prefix}:lw"),
                Button(_("Last month"), callback_data=f"{prefix}:lm"),
            ],
        ]
    )


async def _refuse_unless_manager(update: Update, context: BotContext) -> bool:
    """Answer like an unknown command (or an old button) anyone who is not a manager."""
    if is_manager(update, context):
        return False
    if update.callback_query is not None:
        await stale_button(update, context)
    else:
        await unknown_command(update, context)
    return True


def _period_from_args(context: BotContext) -> Period:
    args = context.args or []
    if len(args) != 2:
        raise PeriodError("two dates")
    return Period.from_dates(args[0], args[1])


async def report_command(update: Update, context: BotContext) -> None:
    """/report [FROM TO]: the report of a chosen period, or a choice of periods."""
    if await _refuse_unless_manager(update, context):
        return
    await _choose_or_run(update, context, "rp", send_report)


async def export_command(update: Update, context: BotContext) -> None:
    """/export [FROM TO]: the anonymous workbook of a chosen period, or a choice of periods."""
    if await _refuse_unless_manager(update, context):
        return
    await _choose_or_run(update, context, "rx", send_export)


async def _choose_or_run(update: Update, context: BotContext, prefix: str, run: Run) -> None:
    _ = context._
    if not context.args:
        text = _("Which period?") + "\n" + _("Or write the dates: /{command} 2026-11-01 2026-11-30")
        await show(
            update,
            context,
            text.format(command="report" if prefix == "rp" else "export"),
            period_keyboard(prefix, _),
        )
        return
    try:
        period = _period_from_args(context)
    except PeriodError:
        await context.bot.send_message(
            user_id(update),
            _(
                "Write two dates, the first and the last day: /{command} 2026-11-01 2026-11-30"
            ).format(command="report" if prefix == "rp" else "export"),
        )
        return
    await run(update, context, period)


def _period_of_button(update: Update, context: BotContext) -> Period | None:
    code = callback_data(update).split(":", 1)[1]
    try:
        return Period.from_code(code, _today(context).date())
    except PeriodError:
        return None


async def report_button(update: Update, context: BotContext) -> None:
    """A period chosen for the report."""
    if await _refuse_unless_manager(update, context):
        return
    period = _period_of_button(update, context)
    if period is None:
        await stale_button(update, context)
        return
    await ack(update, context._("Preparing the report…"))
    await send_report(update, context, period)


async def export_button(update: Update, context: BotContext) -> None:
    """A period chosen for the export."""
    if await _refuse_unless_manager(update, context):
        return
    period = _period_of_button(update, context)
    if period is None:
        await stale_button(update, context)
        return
    await ack(update, context._("Preparing the export…"))
    await send_export(update, context, period)


async def send_report(update: Update, context: BotContext, period: Period) -> None:
    """Send the charts, then the summary with what to do next."""
    from bot.charts import report_charts  # matplotlib: about 40 MB, loaded when first needed

    svc, lang, _ = context.svc, context.lang, context._
    report = await reports.build_report(svc.db, period, tz=svc.settings.tz, now=svc.clock())
    name = _name(context)
    charts = await asyncio.to_thread(report_charts, report, lang, name)
    chat = user_id(update)
    for chart in charts:
        await context.bot.send_photo(
            chat, InputFile(chart.png, filename=f"{chart.name}.png"), caption=chart.caption
        )
    keyboard = InlineKeyboardMarkup(
        [
            [
                Button("📥 " + _("Export (XLSX)"), callback_data=f"rx:{period.code}"),
                Button("🔎 " + _("Knowledge gaps"), callback_data=f"gp:{period.code}"),
            ]
        ]
    )
    await context.bot.send_message(chat, report_text(report, lang, name), reply_markup=keyboard)
    log.info("report %s sent to manager %s", period.code, chat)


async def send_export(update: Update, context: BotContext, period: Period) -> None:
    """Send the anonymous workbook of the period."""
    from bot.workbook import summary_table, xlsx_bytes  # openpyxl, loaded when first needed

    svc, lang, _ = context.svc, context.lang, context._
    report = await reports.build_report(svc.db, period, tz=svc.settings.tz, now=svc.clock())
    tables = await reports.export_tables(svc.db, period, tz=svc.settings.tz)
    name = _name(context)
    data = await asyncio.to_thread(xlsx_bytes, (summary_table(report, lang, name), *tables))
    filename = f"oss-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}.xlsx"
    caption = (
        "📥 "
        + _("Export: {period}").format(period=period_label(period, lang))
        + "\n"
        + _("Anonymous: no Telegram ids, no questions, no phone numbers.")
    )
    await context.bot.send_document(
        user_id(update), InputFile(data, filename=filename), caption=caption
    )


async def gaps_command(update: Update, context: BotContext) -> None:
    """/gaps: what people did not find in the last 30 days."""
    if await _refuse_unless_manager(update, context):
        return
    await send_gaps(update, context, Period.last_days(30, _today(context).date()))


async def gaps_button(update: Update, context: BotContext) -> None:
    """Another period for the knowledge gaps."""
    if await _refuse_unless_manager(update, context):
        return
    code = callback_data(update).split(":", 1)[1]
    today = _today(context).date()
    try:
        period = (
            Period.last_days(int(code), today) if code.isdigit() else Period.from_code(code, today)
        )
    except PeriodError:
        await stale_button(update, context)
        return
    await ack(update)
    await send_gaps(update, context, period)


async def send_gaps(update: Update, context: BotContext, period: Period) -> None:
    """Show the knowledge gaps of a period, with other periods to choose."""
    _ = context._
    gaps = await knowledge_gaps(context.svc.db, period, context.svc.settings.tz)
    buttons = [
        Button(
            context.ngettext("{count} day", "{count} days", days).format(count=days),
            callback_data=f"gp:{days}",
        )
        for days in GAP_DAYS
    ]
    keyboard = InlineKeyboardMarkup(rows(buttons))
    await show(update, context, gaps_text(gaps, context.lang, _name(context)), keyboard)
