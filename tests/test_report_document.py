"""The alliance's report: one A4 PDF per period in kk, ru or en, with every provider, charts
that print in black and white, the trend, and numbered pages."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot import cli
from bot.document import report_pdf
from bot.i18n import translator
from bot.insight import period_label, provider_namer
from bot.models import Case, Person, utcnow
from bot.services import reports
from bot.services.period import Period
from bot.tooling.harness import Harness
from tests.support import Clock
from tests.test_reports import a_month_of_work, period_args

LANGS = ("kk", "ru", "en")
_IMAGE_DRAWN = re.compile(rb"/I\d+\s+Do\b")


@pytest.fixture
def clock_start() -> datetime:
    """Reports run on today's date (the period buttons and the command line read the real date)."""
    return utcnow()


def flat(text: str) -> str:
    """The text with every run of spaces and line breaks as one space (no-break ones stay)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def images_drawn(page: object) -> int:
    contents = page.get_contents()  # type: ignore[attr-defined]
    return 0 if contents is None else len(_IMAGE_DRAWN.findall(contents.get_data()))


def read_pdf(data: bytes) -> tuple[list[str], list[int]]:
    reader = PdfReader(io.BytesIO(data))
    images = [images_drawn(page) for page in reader.pages]  # before the text is read
    return [page.extract_text() for page in reader.pages], images


@pytest.mark.parametrize("lang", LANGS)
async def test_the_pdf_report_reads_in_the_managers_language_with_every_provider(
    harness: Harness, clock: Clock, database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, lang: str,
) -> None:  # fmt: skip
    await a_month_of_work(harness, clock)
    monkeypatch.setenv("DATABASE_URL", database_url)
    first, last = period_args(harness)
    code = await asyncio.to_thread(
        cli.main,
        ["report", "--from", first, "--to", last, "--format", "pdf", "--lang", lang,
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert code == 0
    data = (tmp_path / f"oss-report-{first}-{last}-{lang}.pdf").read_bytes()
    pages, images = read_pdf(data)
    _ = translator(lang).gettext
    everything = flat(" ".join(pages))

    # The first page: title with the period, the headline figures against the previous period.
    period = Period.from_dates(first, last)
    assert period_label(period, lang) in flat(pages[0])
    cover = [flat(line) for line in pages[0].splitlines()]
    opened = next(line for line in cover if line.startswith(_("Cases opened")))
    assert opened.split()[len(_("Cases opened").split()) :][:3] == ["4", "0", "▲"], opened
    async with harness.services.db.read() as session:
        count = len(list(await session.scalars(select(Person.id))))
    people = next(line for line in cover if line.startswith(_("New people")))
    assert people.split()[len(_("New people").split())] == str(count), people

    # Every provider of the knowledge base is named, also those with no case.
    name = provider_namer(harness.services.kb, lang)
    for provider_id in harness.services.kb.providers:
        assert flat(name(provider_id)) in everything, provider_id
    assert name(None) in everything  # the OSS's own queue

    # Charts are there as pictures, the trend has its own page, pages are numbered.
    assert sum(images) >= 10 and all(images[1:-1]), images
    assert _("Median hours to the first answer") in everything
    for number_, page in enumerate(pages, 1):
        label = _("Page {page} of {pages}").format(page=number_, pages=len(pages))
        assert label in flat(page), (number_, label)
    # The unanswered search in its own words, the number masked.
    assert "qwzx vbnm #" in everything.casefold() and "87011234567" not in everything


@pytest.mark.parametrize(
    ("first", "last", "what"),
    [
        (date(2020, 1, 1), date(2020, 1, 31), "an empty month long ago"),
        (None, None, "one day: today"),
        (date(2016, 1, 1), None, "ten years up to today"),
    ],
)
async def test_any_period_gives_a_sensible_document(
    harness: Harness, clock: Clock, first: date | None, last: date | None, what: str
) -> None:
    await a_month_of_work(harness, clock)
    tz = harness.services.settings.tz
    today = utcnow().astimezone(tz).date()
    period = Period(first or today, last or today)
    full = await reports.build_full_report(harness.services.db, period, tz=tz, now=utcnow())
    kb = harness.services.kb
    data = await asyncio.to_thread(
        report_pdf, full.report, "en", provider_namer(kb, "en"),
        providers=list(kb.providers), previous=full.previous, trends=full.trends, tz=tz,
    )  # fmt: skip
    pages, images = read_pdf(data)
    everything = flat(" ".join(pages))
    assert 5 <= len(pages) <= 12, what
    assert f"Page {len(pages)} of {len(pages)}" in everything
    for provider_id in kb.providers:
        assert flat(kb.provider(provider_id).short_name.get("en")) in everything
    if first and first.year == 2020:
        assert "Nobody new came and no case was opened in this period." in everything
        assert "Cases opened 0 0 =" in flat(pages[0])
        assert sum(images) >= 4  # the trend's lines; no bar has a length
    else:
        start, end = period.bounds(tz)
        async with harness.services.db.read() as session:
            created = list(await session.scalars(select(Case.created_at)))
        opened = sum(1 for moment in created if start <= moment < end)
        assert opened and "Nobody new came" not in everything
        assert f"Cases opened {opened} " in flat(pages[0])
        assert sum(images) >= 10


async def test_forty_posters_fit_the_page_with_the_rest_as_others(harness: Harness) -> None:
    tz = harness.services.settings.tz
    now = utcnow()
    async with harness.services.db.write() as session:
        telegram_id = 6_000_000
        for number in range(40):
            for _ in range(40 - number):  # poster-0 brought 40 people, poster-39 one
                telegram_id += 1
                session.add(
                    Person(telegram_id=telegram_id, source=f"poster-{number}", first_seen=now,
                           last_seen=now)
                )  # fmt: skip
    today = now.astimezone(tz).date()
    full = await reports.build_full_report(
        harness.services.db, Period(today, today), tz=tz, now=now
    )
    kb = harness.services.kb
    data = await asyncio.to_thread(
        report_pdf, full.report, "en", provider_namer(kb, "en"), providers=list(kb.providers),
        previous=full.previous, trends=full.trends, tz=tz,
    )  # fmt: skip
    pages, _images = read_pdf(data)
    everything = " ".join(pages)

    def times(label: str) -> int:
        return len(re.findall(rf"(?<![\w-]){label}(?![\w-])", everything))

    # The chart names the 14 largest and "others"; the table by source lists every poster.
    assert "New people: where they came from" in everything
    assert times("poster-13") == 2 and times("poster-14") == 1 and times("poster-39") == 1
    assert str(sum(range(1, 27))) in everything  # the 26 smallest posters in one bar: 351 people
