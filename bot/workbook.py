"""The export: an XLSX workbook (a summary, then one sheet per table) or CSV files.

A text cell never becomes a formula: text that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is written as text in the workbook, and with a leading apostrophe in CSV
(OWASP's advice against CSV injection), so a question or an announcement that starts with
`=HYPERLINK(...)` stays words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.i18n import translator
from bot.insight import ProviderName, period_label
from bot.services.reports import Report, Table

MAX_WIDTH = 60
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
    return Table("summary", (_("Figure"), _("Value")), tuple(rows))


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """Write the tables as sheets of one workbook, headers bold and frozen."""
    workbook = Workbook()
    for default_sheet in workbook.worksheets:
        workbook.remove(default_sheet)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_clean(value) for value in row])
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl reads "=..." as a formula: keep it text
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, 1):
            longest = max(
                [len(str(column)), *(len(str(row[index - 1] or "")) for row in table.rows[:500])]
            )
            sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, MAX_WIDTH)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(table: Table) -> str:
    """Write one table as CSV (comma-separated, UTF-8 text); text never becomes a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([defuse(column) for column in table.columns])
    writer.writerows([defuse(value) for value in row] for row in table.rows)
    return buffer.getvalue()
