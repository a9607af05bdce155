"""The manager's insight: a report with charts whose figures are the database's, an anonymous
export that opens in a spreadsheet, and the knowledge gaps curators should fill next."""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from bot import cli
from bot.insight import hours
from bot.models import Case, KnowledgeGap, Person, utcnow
from bot.tooling.harness import Harness, Phone, Screen
from tests.support import (
    DAMU_STAFF,
    EMPLOYMENT_STAFF,
    Clock,
    ask,
    case_number,
    client_at_entry,
    link,
    manager_phone,
)

NONSENSE = "qwzx vbnm 87011234567"


@pytest.fixture
def clock_start() -> datetime:
    """Reports run on today's date (the period buttons and the command line read the real date)."""
    return utcnow()


def period_args(harness: Harness) -> tuple[str, str]:
    """A period around today that holds everything the scenario does."""
    today = utcnow().astimezone(harness.services.settings.tz).date()
    return str(today - timedelta(days=2)), str(today + timedelta(days=4))


async def a_month_of_work(harness: Harness, clock: Clock) -> dict[str, Phone]:
    """Four clients ask; two providers answer at different speeds; one question finds no entry."""
    manager = await manager_phone(harness, "en")
    employment = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    damu = await link(harness, "damu", DAMU_STAFF, "en")

    quick = await client_at_entry(harness, "job-register-seeker", "kk", "job_seeker")
    slow = await client_at_entry(harness, "job-register-seeker", "ru", "job_seeker")
    business = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    first = case_number(await ask(quick, "kk", "Жұмыссыз ретінде қалай тіркелемін?"))
    second = case_number(await ask(slow, "ru", "Как встать на учёт? Мой телефон +77015550000"))
    third = case_number(await ask(business, "en", "Can Damu guarantee my loan?"))

    def card(provider: Phone, number: int) -> Screen:
        return next(s for s in reversed(provider.screens) if f"№{number}" in s.text and s.buttons)

    async def answer(provider: Phone, number: int, text: str) -> None:
        await provider.press("Reply", screen=card(provider, number))
        await provider.send(text)

    clock.advance(hours=1)
    await answer(damu, third, "Yes, come with your business plan.")
    clock.advance(hours=1)
    await answer(employment, first, "Келіңіз, жеке куәлігіңізді алыңыз.")
    clock.advance(hours=1)
    await damu.press("Resolved", screen=card(damu, third))
    await business.press("Yes, solved")
    await business.press("3 ⭐")
    clock.advance(hours=1)
    await answer(employment, second, "Приходите с удостоверением.")
    clock.advance(hours=22)
    await employment.press("Resolved", screen=card(employment, first))
    await quick.press("Иә")
    await quick.press("5 ⭐")

    # A farmer from the market poster types something the knowledge base cannot answer.
    farmer = harness.phone(language_code="en")
    await farmer.send("/start src-market_1")
    await farmer.press("English")
    await farmer.press("Farmer")
    await farmer.press("Apples")
    await farmer.send(NONSENSE)
    await farmer.send(NONSENSE.upper())
    await farmer.press("Ask the OSS")
    await farmer.press("I agree")
    await farmer.send("Who buys apples in bulk?")
    await farmer.press("Send")
    return {"manager": manager, "quick": quick, "slow": slow, "farmer": farmer}


async def test_the_report_arrives_with_charts_and_its_figures_are_the_databases(
    harness: Harness, clock: Clock
) -> None:
    phones = await a_month_of_work(harness, clock)
    manager = phones["manager"]
    first, last = period_args(harness)
    photos_before = len(harness.fake.calls_to("sendPhoto"))
    screens = await manager.send(f"/report {first} {last}")

    summary = screens[-1].text
    async with harness.services.db.read() as session:
        cases = list(await session.scalars(select(Case)))
        people = await session.scalar(select(func.count(Person.id)))
    assert f"Cases opened: {len(cases)}" in summary
    assert f"New people: {people}" in summary
    for provider, name in (("employment_centre", "Employment centre"), ("damu", "Damu Fund")):
        own = [c for c in cases if c.provider_id == provider]
        first_answer = statistics.median(
            (c.first_answer_at - c.created_at).total_seconds() / 3600 for c in own
        )
        line = next(line for line in summary.splitlines() if line.startswith(f"• {name}"))
        assert f"first answer {hours(first_answer, 'en')}" in line, line
    assert "• Employment centre: 2 cases; first answer 3 h; resolution 26 h" in summary
    assert "• Damu Fund: 1 case; first answer 1 h; resolution 3 h" in summary
    assert "Ratings: 2, average 4 of 5" in summary
    assert "market_1 1" in summary  # where the farmer came from
    assert "Searches that found nothing: 2; cases without an entry: 1" in summary

    photos = harness.fake.calls_to("sendPhoto")[photos_before:]
    assert len(photos) == 5 and all(c.ok for c in photos)
    pictures = [u for u in harness.fake.uploads if u.method == "sendPhoto"]
    for upload in pictures:
        with Image.open(io.BytesIO(upload.content)) as picture:
            assert picture.size[0] == 1080
    assert any("Median hours to the first answer" in str(c.params["caption"]) for c in photos)


async def test_the_export_opens_in_a_spreadsheet_matches_and_is_anonymous(
    harness: Harness, clock: Clock
) -> None:
    phones = await a_month_of_work(harness, clock)
    manager = phones["manager"]
    first, last = period_args(harness)
    await manager.send(f"/report {first} {last}")
    await manager.press("Export (XLSX)")

    [upload] = [u for u in harness.fake.uploads if u.method == "sendDocument"]
    assert upload.filename == f"oss-{first}-{last}.xlsx"
    book = load_workbook(io.BytesIO(upload.content))
    assert book.sheetnames == [
        "summary", "people", "cases", "case_events", "announcements", "searches_not_found",
        "cases_without_entry",
    ]  # fmt: skip
    rows = list(book["cases"].values)
    header, cases = rows[0], rows[1:]
    async with harness.services.db.read() as session:
        stored = list(await session.scalars(select(Case).order_by(Case.id)))
        people = list(await session.scalars(select(Person)))
    assert [row[header.index("case")] for row in cases] == [c.id for c in stored]
    assert [row[header.index("provider")] for row in cases] == [c.provider_id for c in stored]
    assert [row[header.index("rating")] for row in cases] == [c.rating for c in stored]
    assert len(list(book["people"].values)) - 1 == len(people)
    everything = " ".join(
        str(cell) for sheet in book for row in sheet.values for cell in row if cell is not None
    )
    for secret in ("тіркелемін", "+77015550000", "bulk", *(str(p.telegram_id) for p in people)):
        assert secret not in everything
    assert not {"question", "phone", "telegram_id"} & set(header)
    assert "Anonymous" in manager.last.text


async def test_knowledge_gaps_group_what_was_not_found_without_who_asked(
    harness: Harness, clock: Clock
) -> None:
    phones = await a_month_of_work(harness, clock)
    [gaps] = await phones["manager"].send("/gaps")
    line = next(line for line in gaps.text.splitlines() if "— 2" in line)
    assert "#" in line and "87011234567" not in gaps.text  # numbers are masked
    assert "1 case had no matching entry" in gaps.text
    assert "Farmer · Apples → the OSS — 1" in gaps.text
    assert "qwzx vbnm #" in line.casefold()  # the words typed, one line for both spellings
    async with harness.services.db.read() as session:
        rows = list(await session.scalars(select(KnowledgeGap)))
    assert sorted(row.text for row in rows) == ["QWZX VBNM #", "qwzx vbnm #"]
    assert {row.skeleton for row in rows} == {"kuzks vbnm"} and sum(r.count for r in rows) == 2
    [week] = await phones["manager"].press("7 days", screen=gaps)
    assert "— 2" in week.text


async def test_the_report_offers_periods_and_reads_in_the_managers_language(
    harness: Harness, clock: Clock
) -> None:
    manager = await manager_phone(harness, "ru")
    [choice] = await manager.send("/report")
    assert choice.labels == ["Эта неделя", "Этот месяц", "Прошлая неделя", "Прошлый месяц"]
    screens = await manager.press("Этот месяц", screen=choice)
    assert "Отчёт:" in screens[-1].text and "Новые люди: 1" in screens[-1].text
    [wrong] = await manager.send("/report 2026-13-01 2026-12-31")
    assert "2026-11-01 2026-11-30" in wrong.text
    for first, last in (("0001-01-01", "0001-01-31"), ("9999-12-01", "9999-12-31")):
        [unusable] = await manager.send(f"/report {first} {last}")  # no local midnight in UTC
        assert "2026-11-01 2026-11-30" in unusable.text


async def test_the_report_from_the_command_line(
    harness: Harness, clock: Clock, database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    await a_month_of_work(harness, clock)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    first, last = period_args(harness)
    for kind in ("csv", "xlsx", "png"):
        code = await asyncio.to_thread(
            cli.main, ["report", "--from", first, "--to", last, "--format", kind, "--lang", "en"]
        )
        assert code == 0
    out = capsys.readouterr().out
    assert "Cases opened: 4" in out and "<b>" not in out
    with (tmp_path / f"oss-report-{first}-{last}-cases.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 5 and "question" not in rows[0]
    book = load_workbook(tmp_path / f"oss-report-{first}-{last}.xlsx")
    assert book["Cases"].max_row == 6  # machine names, headers, four cases
    assert len(await asyncio.to_thread(lambda: list(tmp_path.glob("*.png")))) == 5
    assert await asyncio.to_thread(cli.main, ["report", "--from", last, "--to", first]) == 2
