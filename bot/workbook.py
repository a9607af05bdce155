"""The export: an XLSX workbook for people (a summary, then one sheet per table) or CSV files.

The workbook speaks the reader's language: sheet names and column headers are translated. The
machine names of the columns stay in a hidden first row of every sheet, for tools (with
pandas: `read_excel(path, sheet_name=None, header=0, skiprows=[1])`); the sheets keep their
order. Times are Excel dates, columns have widths, the header is frozen.

A text cell never becomes a formula: text that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is written as text in the workbook, and with a leading apostrophe in CSV
(OWASP's advice against CSV injection), so a question or an announcement that starts with
`=HYPERLINK(...)` stays words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.i18n import translator
from bot.insight import ProviderName, period_label
from bot.services.reports import FullReport, Report, Table

MAX_WIDTH = 60
MIN_WIDTH = 8
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DAY_FORMAT = "yyyy-mm-dd"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """Return text that no spreadsheet will read as a formula; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _clean(value: Any) -> Any:
    """Drop the control characters a workbook cannot hold (they would stop the export)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def sheet_names(lang: str) -> dict[str, str]:
    """Name each table's sheet in the reader's language (Excel allows 31 characters)."""
    _ = translator(lang).gettext
    return {
        "summary": _("Summary"),
        "trends": _("By month"),
        "by_value_chain": _("By value chain"),
        "by_source": _("By source"),
        "people": _("People"),
        "cases": _("Cases"),
        "case_events": _("Case events"),
        "announcements": _("Announcements"),
        "searches_not_found": _("Searches not found"),
        "cases_without_entry": _("Cases without an entry"),
    }


def column_headers(lang: str) -> dict[str, str]:
    """Name each machine column of the export in the reader's language."""
    _ = translator(lang).gettext
    return {
        "figure": _("Figure"),
        "value": _("Value"),
        "person": _("Person"),
        "telegram_id": _("Telegram id"),
        "first_seen": _("First seen"),
        "language": _("Language"),
        "languages": _("Languages"),
        "audience": _("Who"),
        "value_chain": _("Value chain"),
        "source": _("Source"),
        "case": _("Case"),
        "opened": _("Opened"),
        "topic": _("Topic"),
        "entry": _("Knowledge entry"),
        "provider": _("Provider"),
        "status": _("Status"),
        "due": _("Answer due"),
        "first_answer": _("First answer"),
        "hours_to_first_answer": _("Hours to the first answer"),
        "resolved": _("Resolved"),
        "hours_to_resolution": _("Hours to resolution"),
        "closed": _("Closed"),
        "rating": _("Rating"),
        "follow_up_outcome": _("Got the service"),
        "attachments": _("Files"),
        "client_telegram_id": _("Client's Telegram id"),
        "question": _("Question"),
        "phone": _("Phone"),
        "at": _("When"),
        "kind": _("What happened"),
        "by": _("By"),
        "detail": _("Detail"),
        "announcement": _("Announcement"),
        "started": _("Started"),
        "recipients": _("Recipients"),
        "delivered": _("Delivered"),
        "blocked": _("Blocked the bot"),
        "failed": _("Failed"),
        "unknown": _("Not known"),
        "waiting": _("Waiting"),
        "text": _("Text"),
        "words": _("Words people typed (numbers and names masked)"),
        "count": _("Times"),
        "skeleton": _("Simplified spelling"),
        "month": _("Month"),
        "new_people": _("New people"),
        "cases": _("Cases"),
        "median_hours_to_first_answer": _("Median hours to the first answer"),
        "median_hours_to_resolution": _("Median hours to resolution"),
        "went_overdue": _("Went overdue"),
        "average_rating": _("Average rating"),
        "got_service": _("Got the service"),
    }


def summary_table(report: Report, lang: str, name: ProviderName) -> Table:
    """Return the report's key figures as a two-column table in the reader's language."""
    _ = translator(lang).gettext
    rows: list[tuple[Any, ...]] = [
        (_("Period"), period_label(report.period, lang)),
        (_("New people"), report.people),
        (_("Cases opened"), report.cases),
        (_("Median hours to the first answer"), report.median_first_answer_hours),
        (_("Median hours to resolution"), report.median_resolution_hours),
        (_("Overdue now"), report.overdue_now),
        (_("Went overdue in the period"), report.went_overdue),
        (_("Average rating"), report.rating_average),
        (_("Searches that found nothing"), report.gaps.searches_total),
        (_("Cases without an entry"), report.gaps.cases_total),
        ("", ""),
        (
            _("Provider"),
            _("Cases"),
            _("Median hours to the first answer"),
            _("Resolved"),
            _("Median hours to resolution"),
            _("Went overdue"),
        ),
    ]
    rows += [
        (
            name(p.provider_id or None),
            p.cases,
            p.median_first_answer_hours,
            p.resolved,
            p.median_resolution_hours,
            p.went_overdue,
        )
        for p in report.providers
    ]
    return Table("summary", ("figure", "value"), tuple(rows))


def breakdown_tables(full: FullReport) -> tuple[Table, ...]:
    """Return the monthly trend and the figures per value chain and per source as tables."""
    groups = (
        "new_people", "cases", "resolved", "median_hours_to_first_answer", "average_rating",
        "got_service",
    )  # fmt: skip

    def rows(figures: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
        return tuple(
            (g.key or None, g.people, g.cases, g.resolved, g.median_first_answer_hours,
             g.rating_average, g.got_service)
            for g in figures
        )  # fmt: skip

    return (
        Table(
            "trends",
            ("month", "opened", "resolved", "median_hours_to_first_answer", "new_people"),
            tuple(
                (m.month, m.opened, m.resolved, m.median_first_answer_hours, m.new_people)
                for m in full.trends
            ),
        ),
        Table("by_value_chain", ("value_chain", *groups), rows(full.report.by_value_chain)),
        Table("by_source", ("source", *groups), rows(full.report.by_source)),
    )


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(str(value)) if value is not None else 0


def xlsx_bytes(tables: Sequence[Table], lang: str | None = None) -> bytes:
    """Write the tables as sheets of one workbook.

    With `lang`, sheets and headers are in that language and the machine column names are in
    a hidden first row; without, the machine names are the header.
    """
    headers = column_headers(lang) if lang else {}
    titles = sheet_names(lang) if lang else {}
    workbook = Workbook()
    for default_sheet in workbook.worksheets:
        workbook.remove(default_sheet)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(titles.get(table.name, table.name), used)
        sheet = workbook.create_sheet(title)
        header_row = 1
        if lang:
            sheet.append(list(table.columns))
            sheet.row_dimensions[1].hidden = True
            header_row = 2
            labels = [headers.get(column, column) for column in table.columns]
        else:
            labels = list(table.columns)
        sheet.append(labels)
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([_clean(value) for value in row])
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl reads "=..." as a formula: keep it text
                    cell.data_type = "s"
                elif isinstance(cell.value, datetime):
                    cell.number_format = DATE_FORMAT
                elif isinstance(cell.value, date):
                    cell.number_format = DAY_FORMAT
        sheet.freeze_panes = f"A{header_row + 1}"
        for index, label in enumerate(labels, 1):
            longest = max(
                [min(len(str(label)), 24), *(_width(row[index - 1]) for row in table.rows[:500])]
            )
            width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
            sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    title = title.strip("'")[:31] or "sheet"
    candidate, number = title, 2
    while candidate.casefold() in used:
        suffix = f" {number}"
        candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.casefold())
    return candidate


def csv_text(table: Table) -> str:
    """Write one table as CSV (comma-separated, UTF-8 text); text never becomes a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([defuse(column) for column in table.columns])
    writer.writerows([defuse(value) for value in row] for row in table.rows)
    return buffer.getvalue()
