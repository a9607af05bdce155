"""Offices: read and checked from the knowledge base, open or closed now, shown to people."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.knowledge import KnowledgeError, KnowledgeHolder, Office, load_knowledge, office_status
from bot.knowledge.cli import kb_check
from bot.knowledge.offices import WeeklyHours, normalize_phone, parse_hours
from bot.settings import PROJECT_ROOT
from bot.tooling.harness import Harness
from tests.support import Clock, ask, client_at_entry, onboard, say

DATA = Path(__file__).resolve().parent / "data"
ALMATY = ZoneInfo("Asia/Almaty")
LANGS = ("kk", "ru", "en")


def hours(**days: str) -> WeeklyHours:
    errors: list[str] = []
    parsed = parse_hours(days, "test", errors)
    assert parsed is not None, errors
    return parsed


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY)


WEEK = hours(**{d: "09:00-13:00, 14:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
             sat="10:00-14:00")  # fmt: skip


# ---- open or closed: the pure function --------------------------------------------------------


def test_open_in_the_morning_closes_for_the_break() -> None:
    status = office_status(WEEK, at(2026, 11, 30, 10))  # a Monday
    assert status.open and status.closes == at(2026, 11, 30, 13)


def test_closed_during_the_break_opens_after_it() -> None:
    status = office_status(WEEK, at(2026, 11, 30, 13, 30))
    assert not status.open and status.opens == at(2026, 11, 30, 14)


def test_closed_on_sunday_opens_on_monday_morning() -> None:
    status = office_status(WEEK, at(2026, 12, 5, 15))  # Saturday after 14:00
    assert not status.open and status.opens == at(2026, 12, 7, 9)


def test_a_public_holiday_is_closed_and_says_so() -> None:
    status = office_status(WEEK, at(2026, 12, 16, 10))  # Independence Day, a Wednesday
    assert not status.open and status.holiday and status.opens == at(2026, 12, 17, 9)


def test_nauryz_closes_three_days_and_a_closed_date_more() -> None:
    weekdays = hours(**{d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")})
    status = office_status(weekdays, at(2027, 3, 19, 19), closed_dates={date(2027, 3, 24)})  # Fri
    assert status.opens == at(2027, 3, 25, 9)  # 20-21 weekend, 22-23 Nauryz, 24 closed


def test_hours_that_cross_midnight() -> None:
    night = hours(mon="20:00-02:00", tue="20:00-02:00")
    tuesday_1am = office_status(night, at(2026, 12, 1, 1))
    assert tuesday_1am.open and tuesday_1am.closes == at(2026, 12, 1, 2)
    wednesday_3am = office_status(night, at(2026, 12, 2, 3))
    assert not wednesday_3am.open and wednesday_3am.opens == at(2026, 12, 7, 20)


def test_a_night_shift_that_starts_before_a_holiday_still_runs_into_it() -> None:
    night = hours(tue="22:00-06:00")
    status = office_status(night, at(2026, 12, 16, 3))  # 15 Dec 22:00 to 16 Dec 06:00
    assert status.open and status.holiday and status.closes == at(2026, 12, 16, 6)


def test_around_the_clock() -> None:
    always = hours(**{d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    status = office_status(always, at(2026, 11, 30, 3))
    assert status.open and status.closes is None


# ---- reading and checking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 727 000 00 01", "+7 727 000 00 01"),
        ("8 (701) 123-45-67", "+7 701 123 45 67"),
        ("+77011234567", "+7 701 123 45 67"),
        ("1414", "1414"),
        ("+7 495 123 45 67", None),  # Moscow, not Kazakhstan
        ("727 000 00 01", None),
        ("call us", None),
    ],
)
def test_phone_numbers_in_a_kazakh_format(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def office(**fields: object) -> dict[str, object]:
    return {"id": "oss_esik", "owner": "oss", **fields}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"location": {"latitude": 55.75, "longitude": 37.62}}, "not in Almaty Region"),
        ({"location": {"latitude": 77.45, "longitude": 43.35}}, "look swapped"),
        ({"hours": {"mon": "18:00-09:00", "tue": "08:00-12:00"}}, "runs into the opening hours"),
        ({"hours": {"mon": "09:00-13:00, 12:00-18:00"}}, "overlaps"),
        ({"hours": {"mon": "9-18"}}, "not a time span"),
        ({"hours": {"mon": "09:00-09:00"}}, "same time"),
        ({"hours": {"monday": "09:00-18:00"}}, "unknown day"),
        ({"phones": ["+7 495 123 45 67"]}, "not a Kazakh phone number"),
        ({"telegram": "oss"}, "@username"),
        ({"owner": "akimat"}, "unknown provider 'akimat'"),
        ({"address": {"kk": "Есік", "ru": "Есик"}}, "field 'address.en'"),
    ],
)
def test_bad_office_data_is_refused_with_field_and_reason(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(KnowledgeError) as refused:
        Office.from_mapping(office(**fields), owners={"akimat_agri"})
    assert message in str(refused.value) and "office: field '" in str(refused.value)


def test_an_office_round_trips_through_a_mapping() -> None:
    data = yaml.safe_load((DATA / "offices.yaml").read_text(encoding="utf-8"))
    for raw in data["offices"]:
        parsed = Office.from_mapping(raw)
        assert Office.from_mapping(parsed.to_mapping()) == parsed
    half = Office.from_mapping(data["offices"][1])
    assert half.missing() == ("address", "location")


def fixture_base(tmp_path: Path) -> Path:
    base = tmp_path / "kb"
    shutil.copytree(DATA / "kb_min", base)
    shutil.copy(DATA / "offices.yaml", base / "offices.yaml")
    return base


def test_a_bad_offices_file_names_file_office_and_field(tmp_path: Path) -> None:
    base = fixture_base(tmp_path)
    text = (base / "offices.yaml").read_text(encoding="utf-8")
    (base / "offices.yaml").write_text(text.replace("77.4529", "7.4529"), encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_knowledge(base)
    assert refused.value.errors == (
        "offices.yaml: office 'oss_esik': field 'location': 43.3554, 7.4529 is not in Almaty "
        "Region (latitude 42.0-46.5, longitude 73.5-81.0)",
    )


def test_kb_check_lists_what_is_still_to_fill_in_as_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = PROJECT_ROOT / "knowledge"
    assert kb_check(real) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ")
    assert "to fill in: offices.yaml: the OSS has no office yet (owner: oss)" in out
    assert "to fill in: offices.yaml: provider 'employment_centre' has no office yet" in out
    assert load_knowledge(real).offices.offices == (), "no invented office in the shipped base"


def test_kb_check_names_the_missing_parts_of_an_office(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kb_check(fixture_base(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "to fill in: offices.yaml: office 'employment_night': address, location" in out
    assert "provider 'akimat_agri' has no office yet" in out
    assert "the OSS has no office" not in out


# ---- what people see --------------------------------------------------------------------------


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeHolder:
    """The small base with the fixture offices."""
    return KnowledgeHolder(fixture_base(tmp_path))


@pytest.mark.parametrize("lang", LANGS)
async def test_the_contacts_screen_shows_address_hours_phones_and_a_map_pin(
    harness: Harness, clock: Clock, lang: str
) -> None:
    person = await onboard(harness, lang, "job_seeker")
    [screen] = await person.press(say(lang, "Contacts"))
    print(f"\n--- Contacts screen ({lang}) ---\n{screen.text}")
    address = {"kk": "Есік қ., Тест көшесі, 1", "ru": "г. Есик, ул. Тестовая, 1",
               "en": "1 Test street, Esik"}[lang]  # fmt: skip
    assert address in screen.text
    assert say(lang, "Open now, closes at {time}").format(time="13:00") in screen.text
    assert "+7 727 000 00 01, +7 701 000 00 02" in screen.text  # plain text: tappable
    assert "@oss_test_desk" in screen.text
    [pin] = await person.press("📍")
    assert pin.kind == "venue" and address in pin.text
    [venue] = harness.fake.calls_to("sendVenue")
    assert (venue.params["latitude"], venue.params["longitude"]) == (43.3554, 77.4529)
    # The provider with half its data: a phone and night hours, the address honestly missing.
    centre = {"kk": "Жұмыспен қамту орталығы", "ru": "Центр занятости", "en": "Employment centre"}
    [night] = await person.press("🏢 " + centre[lang])
    assert say(lang, "The address is not in the bot yet.") in night.text
    assert "+7 727 000 00 03" in night.text
    assert say(lang, "Closed now, opens today at {time}").format(time="20:00") in night.text
    assert not night.has_button("📍")


@pytest.mark.parametrize("lang", LANGS)
async def test_contacts_on_a_weekend_and_on_a_holiday(
    harness: Harness, clock: Clock, lang: str
) -> None:
    person = await onboard(harness, lang, "job_seeker")
    clock.now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # Saturday 15:00 in Almaty
    [weekend] = await person.send("/contacts")
    monday = {"kk": "дүйсенбі", "ru": "понедельник", "en": "Monday"}[lang]
    expected = say(lang, "Closed now, opens {day} at {time}").format(day=monday, time="9:00")
    assert expected in weekend.text
    clock.now = datetime(2026, 12, 16, 5, 0, tzinfo=UTC)  # Independence Day, 10:00
    [holiday] = await person.send("/contacts")
    assert say(lang, "Today is a public holiday.") in holiday.text
    assert say(lang, "Closed now, opens tomorrow at {time}").format(time="9:00") in holiday.text
    clock.now = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)  # Tuesday 01:30: the night shift
    [oss] = await person.send("/contacts")
    [night] = await person.press("🏢 ")
    assert say(lang, "Open now, closes at {time}").format(time="2:00") in night.text
    assert say(lang, "Closed now, opens today at {time}").format(time="9:00") in oss.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_refused_venue_becomes_a_text_with_a_map_link(
    harness: Harness, clock: Clock, lang: str
) -> None:
    person = await onboard(harness, lang, "job_seeker")
    await person.press(say(lang, "Contacts"))
    harness.fake.fail_next("400", methods=["sendVenue"])
    screens = await person.press("📍")
    assert "openstreetmap.org/?mlat=43.35540&mlon=77.45290" in screens[-1].text
    assert harness.errors == []


@pytest.mark.parametrize("lang", LANGS)
async def test_an_answer_says_where_to_go_when_and_whom_to_call(
    harness: Harness, clock: Clock, lang: str
) -> None:
    client = await client_at_entry(harness, "job-register-seeker", lang, "job_seeker")
    [where] = await client.press(say(lang, "Where and whom"))
    assert "+7 727 000 00 03" in where.text
    assert say(lang, "Closed now, opens today at {time}").format(time="20:00") in where.text
    # A provider with no office: its name, and the way through the OSS.
    farmer = await client_at_entry(harness, "apple-orchard-subsidy", lang, "farmer")
    [where] = await farmer.press(say(lang, "Where and whom"))
    assert say(lang, "Ask a specialist") in " ".join(where.labels)
    assert "+7" not in where.text
    # An entry for the OSS itself: the OSS's office, with its map pin.
    oss = await client_at_entry(harness, "oss-contact", lang, "job_seeker")
    [where] = await oss.press(say(lang, "Where and whom"))
    assert "+7 727 000 00 01" in where.text
    assert where.has_button("📍")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_case_confirmation_names_the_oss_phone_and_address(
    harness: Harness, clock: Clock, lang: str
) -> None:
    client = await client_at_entry(harness, "job-register-seeker", lang, "job_seeker")
    confirmation = await ask(client, lang, "Where do I register?")
    address = {"kk": "Есік қ., Тест көшесі, 1", "ru": "г. Есик, ул. Тестовая, 1",
               "en": "1 Test street, Esik"}[lang]  # fmt: skip
    assert address in confirmation and "+7 727 000 00 01" in confirmation
