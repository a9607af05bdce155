"""The manager's insight: /report with charts, /export as a workbook, /gaps for curators."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.insight import ProviderName, gaps_text, period_label, report_text
from bot.services import reports
from bot.services.gaps import knowledge_gaps
from bot.services.period import Period, PeriodError
from handlers.common import ack, show, stale_button, user_id
from handlers.context import BotContext
from handlers.notify import provider_name
from handlers.render import Gettext, rows
from handlers.routes import Export, Gaps, Report, button

log = logging.getLogger(__name__)

GAP_DAYS = (7, 30, 90)
Run = Callable[[Update, BotContext, Period], Awaitable[None]]


def _today(context: BotContext) -> datetime:
    return context.svc.clock().astimezone(context.svc.settings.tz)


def _name(context: BotContext) -> ProviderName:
    kb, lang = context.svc.kb, context.lang
    return lambda provider_id: provider_name(kb, provider_id, lang)


def period_keyboard(family: type[Report] | type[Export], _: Gettext) -> InlineKeyboardMarkup:
    """Offer this and last week and month."""
    return InlineKeyboardMarkup(
        [
            [button(_("This week"), family("w")), button(_("This month"), family("m"))],
            [button(_("Last week"), family("lw")), button(_("Last month"), family("lm"))],
        ]
    )


def _period_from_args(context: BotContext) -> Period:
    args = context.args or []
    if len(args) != 2:
        raise PeriodError("two dates")
    return Period.from_dates(args[0], args[1])


async def report_command(update: Update, context: BotContext) -> None:
    """/report [FROM TO]: the report of a chosen period, or a choice of periods."""
    await _choose_or_run(update, context, Report, send_report)


async def export_command(update: Update, context: BotContext) -> None:
    """/export [FROM TO]: the anonymous workbook of a chosen period, or a choice of periods."""
    await _choose_or_run(update, context, Export, send_export)


async def _choose_or_run(
    update: Update, context: BotContext, family: type[Report] | type[Export], run: Run
) -> None:
    _ = context._
    command = "report" if family is Report else "export"
    if not context.args:
        text = _("Which period?") + "\n" + _("Or write the dates: /{command} 2026-11-01 2026-11-30")
        await show(
            update,
            context,
            text.format(command=command),
            period_keyboard(family, _),
        )
        return
    try:
        period = _period_from_args(context)
    except PeriodError:
        await context.bot.send_message(
            user_id(update),
            _(
                "Write two dates, the first and the last day: /{command} 2026-11-01 2026-11-30"
            ).format(command=command),
        )
        return
    await run(update, context, period)


def _period_of_button(context: BotContext, code: str) -> Period | None:
    try:
        return Period.from_code(code, _today(context).date())
    except PeriodError:
        return None


async def report_button(update: Update, context: BotContext, press: Report) -> None:
    """A period chosen for the report."""
    period = _period_of_button(context, press.period)
    if period is None:
        await stale_button(update, context)
        return
    await ack(update, context._("Preparing the report…"))
    await send_report(update, context, period)


async def export_button(update: Update, context: BotContext, press: Export) -> None:
    """A period chosen for the export."""
    period = _period_of_button(context, press.period)
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
        rows(
            [
                button("📥 " + _("Export (XLSX)"), Export(period.code)),
                button("🔎 " + _("Knowledge gaps"), Gaps(period.code)),
            ]
        )
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
    await send_gaps(update, context, Period.last_days(30, _today(context).date()))


async def gaps_button(update: Update, context: BotContext, press: Gaps) -> None:
    """Another period for the knowledge gaps."""
    code = press.period
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
        button(
            context.ngettext("{count} day", "{count} days", days).format(count=days),
            Gaps(str(days)),
        )
        for days in GAP_DAYS
    ]
    keyboard = InlineKeyboardMarkup(rows(buttons))
    await show(update, context, gaps_text(gaps, context.lang, _name(context)), keyboard)
