"""Offices: where the OSS and its providers receive people, when they are open, whom to call.

Everything is optional, because nothing may be invented: an office may have an address and no
phone, or a phone and no hours. `office_status` answers "is it open now, and until when / from
when" in the OSS's time zone, with breaks, public holidays and hours that cross midnight.

The objects are plain frozen dataclasses; `Office.from_mapping` and `Office.to_mapping` turn one
office into the mapping a YAML item or a workbook row holds, and back.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import get_day_names

from bot.i18n import translator
from bot.knowledge.model import LANGS, KnowledgeError, Text

OFFICES_FILE = "offices.yaml"
OSS = "oss"  # the owner of the One Stop Shop's own offices
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_ID = re.compile(r"^[a-z][a-z0-9_]{1,23}$")
OFFICE_KEYS = ("id", "owner", "name", "address", "location", "hours", "phones", "website",
               "telegram")  # fmt: skip
# Public holidays of Kazakhstan with a fixed date (month, day), days off by law. Kurban ait moves
# every year and the government moves some days off: those go in `closed_dates` of offices.yaml.
FIXED_HOLIDAYS = frozenset(
    {(1, 1), (1, 2), (1, 7), (3, 8), (3, 21), (3, 22), (3, 23), (5, 1), (5, 7), (5, 9),
     (7, 6), (8, 30), (10, 25), (12, 16)}
)  # fmt: skip
# Almaty Region, roughly (Enbekshikazakh district is about 43.3-43.9 N, 77.0-78.8 E).
LATITUDES = (42.0, 46.5)
LONGITUDES = (73.5, 81.0)
HORIZON_DAYS = 15  # how far ahead "opens ..." looks (long holidays included)

_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
_PHONE_CHARS = re.compile(r"^[+0-9 ()-]+$")
_TELEGRAM = re.compile(r"^(?:@|https://t\.me/)([A-Za-z][A-Za-z0-9_]{3,31})$")


def is_public_holiday(day: date, closed_dates: Collection[date] = ()) -> bool:
    """Tell whether `day` is a fixed public holiday of Kazakhstan or one of `closed_dates`."""
    return (day.month, day.day) in FIXED_HOLIDAYS or day in closed_dates


@dataclass(frozen=True)
class Interval:
    """Open from `opens` to `closes`, minutes after midnight; `closes` > 1440 crosses midnight."""

    opens: int
    closes: int

    def __str__(self) -> str:
        closes = self.closes - 1440 if self.closes > 1440 else self.closes
        return f"{_hhmm(self.opens)}-{_hhmm(closes)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class WeeklyHours:
    """The opening hours of each weekday, Monday first; a day with no interval is closed."""

    days: tuple[tuple[Interval, ...], ...] = ((),) * 7

    def on(self, weekday: int) -> tuple[Interval, ...]:
        """Return the intervals of `weekday` (0 = Monday)."""
        return self.days[weekday]

    def to_mapping(self) -> dict[str, str]:
        """Return {"mon": "09:00-13:00, 14:00-18:00", ..., "sun": "closed"}."""
        return {
            day: ", ".join(str(i) for i in intervals) or "closed"
            for day, intervals in zip(DAYS, self.days, strict=True)
        }


@dataclass(frozen=True)
class Location:
    """A point on the map."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class Office:
    """One office of the OSS (`owner` "oss") or of a provider (`owner` its id)."""

    id: str
    owner: str
    name: Text | None = None
    address: Text | None = None
    location: Location | None = None
    hours: WeeklyHours | None = None
    phones: tuple[str, ...] = ()
    website: str | None = None
    telegram: str | None = None  # "@username"

    def missing(self) -> tuple[str, ...]:
        """Name what a visitor would need and the office does not say yet."""
        wanted = (
            ("address", self.address),
            ("location", self.location),
            ("hours", self.hours),
            ("phones", self.phones),
        )
        return tuple(name for name, value in wanted if not value)

    @classmethod
    def from_mapping(cls, raw: Any, *, owners: Collection[str] | None = None) -> Office:
        """Build an office from a YAML item or a workbook row; raise KnowledgeError if invalid."""
        errors: list[str] = []
        office = parse_office(raw, "office", errors, owners=owners)
        if office is None or errors:
            raise KnowledgeError(errors or ["office: invalid"])
        return office

    def to_mapping(self) -> dict[str, Any]:
        """Return the office as from_mapping reads it (parts that are not known are left out)."""
        out: dict[str, Any] = {"id": self.id, "owner": self.owner}
        for key in ("name", "address"):
            text = getattr(self, key)
            if text is not None:
                out[key] = dict(zip(LANGS, text.all(), strict=True))
        if self.location:
            out["location"] = {
                "latitude": self.location.latitude,
                "longitude": self.location.longitude,
            }
        if self.hours:
            out["hours"] = self.hours.to_mapping()
        if self.phones:
            out["phones"] = list(self.phones)
        if self.website:
            out["website"] = self.website
        if self.telegram:
            out["telegram"] = self.telegram
        return out


@dataclass(frozen=True)
class Offices:
    """Every office, in file order, and the dates every office is closed beyond the fixed
    holidays (Kurban ait, days off moved by the government)."""

    offices: tuple[Office, ...] = ()
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    def of(self, owner: str) -> tuple[Office, ...]:
        """Return the offices of the OSS ("oss") or of one provider."""
        return tuple(office for office in self.offices if office.owner == owner)

    def get(self, office_id: str) -> Office | None:
        """Return the office with `office_id`, or None."""
        return next((office for office in self.offices if office.id == office_id), None)

    def owners(self) -> tuple[str, ...]:
        """Return the owners that have at least one office, in file order."""
        return tuple(dict.fromkeys(office.owner for office in self.offices))


# ---- open or closed ----------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """Whether an office is open at a moment: open until `closes`, or closed until `opens`.

    `closes` None while open: open around the clock. `opens` None while closed: not within the
    next two weeks. `holiday`: today is a public holiday or a closed date."""

    open: bool
    closes: datetime | None = None
    opens: datetime | None = None
    holiday: bool = False


def _periods(
    hours: WeeklyHours, closed_dates: Collection[date], first: date, days: int
) -> list[tuple[datetime, datetime]]:
    """The open periods (naive local times) starting on `days` days from `first`, merged where
    one ends as the next begins (22:00-24:00 and 00:00-06:00)."""
    periods: list[tuple[datetime, datetime]] = []
    for n in range(days):
        day = first + timedelta(days=n)
        if is_public_holiday(day, closed_dates):
            continue
        midnight = datetime.combine(day, time())
        for interval in hours.on(day.weekday()):
            start = midnight + timedelta(minutes=interval.opens)
            end = midnight + timedelta(minutes=interval.closes)
            if periods and periods[-1][1] >= start:
                periods[-1] = (periods[-1][0], max(end, periods[-1][1]))
            else:
                periods.append((start, end))
    return periods


def office_status(hours: WeeklyHours, now: datetime, closed_dates: Collection[date] = ()) -> Status:
    """Tell whether an office with `hours` is open at `now` (local time of the office)."""
    tz = now.tzinfo
    local = now.replace(tzinfo=None)
    first = local.date() - timedelta(days=1)  # yesterday's hours may cross midnight into today
    periods = _periods(hours, closed_dates, first, HORIZON_DAYS + 1)
    horizon = datetime.combine(first + timedelta(days=HORIZON_DAYS), time())
    holiday = is_public_holiday(local.date(), closed_dates)
    for start, end in periods:
        if start <= local < end:
            closes = None if end >= horizon else end.replace(tzinfo=tz)
            return Status(True, closes=closes, holiday=holiday)
        if start > local:
            return Status(False, opens=start.replace(tzinfo=tz), holiday=holiday)
    return Status(False, holiday=holiday)


# ---- reading and checking ----------------------------------------------------------------


def _where(errors: list[str], where: str, key: str, message: str) -> None:
    errors.append(f"{where}: field '{key}': {message}")


def parse_text(raw: Any, where: str, key: str, errors: list[str]) -> Text | None:
    """Return a kk/ru/en text, or None after reporting what is wrong."""
    if not isinstance(raw, Mapping):
        _where(errors, where, key, "expected a text in each language: {kk: ..., ru: ..., en: ...}")
        return None
    values: dict[str, str] = {}
    for name in raw:
        if name not in LANGS:
            _where(errors, where, f"{key}.{name}", "unknown language, use kk, ru and en")
    for lang in LANGS:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            _where(errors, where, f"{key}.{lang}", "missing or empty")
        else:
            values[lang] = value.strip()
    return Text(**values) if len(values) == len(LANGS) else None


def parse_location(raw: Any, where: str, errors: list[str]) -> Location | None:
    """Return a point inside Almaty Region, or None after reporting what is wrong."""
    if not isinstance(raw, Mapping) or set(raw) != {"latitude", "longitude"}:
        _where(errors, where, "location", "expected latitude: and longitude: beneath it")
        return None
    lat, lon = raw["latitude"], raw["longitude"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        _where(errors, where, "location", "latitude and longitude must be numbers, e.g. 43.35")
        return None
    inside = LATITUDES[0] <= lat <= LATITUDES[1] and LONGITUDES[0] <= lon <= LONGITUDES[1]
    if not inside:
        swapped = LATITUDES[0] <= lon <= LATITUDES[1] and LONGITUDES[0] <= lat <= LONGITUDES[1]
        hint = " (latitude and longitude look swapped)" if swapped else ""
        _where(
            errors, where, "location",
            f"{lat}, {lon} is not in Almaty Region (latitude {LATITUDES[0]}-{LATITUDES[1]}, "
            f"longitude {LONGITUDES[0]}-{LONGITUDES[1]}){hint}",
        )  # fmt: skip
        return None
    return Location(float(lat), float(lon))


def _minutes(hours: str, minutes: str) -> int | None:
    h, m = int(hours), int(minutes)
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return h * 60 + m


def parse_hours(raw: Any, where: str, errors: list[str]) -> WeeklyHours | None:
    """Return the weekly hours: each day "09:00-13:00, 14:00-18:00" or "closed"; a day left
    out is closed; "22:00-02:00" crosses midnight."""
    if not isinstance(raw, Mapping) or not raw:
        _where(errors, where, "hours", f"expected the days beneath it: {', '.join(DAYS)}")
        return None
    count = len(errors)
    days: list[tuple[Interval, ...]] = []
    for name in raw:
        if name not in DAYS:
            _where(errors, where, f"hours.{name}", f"unknown day; use {', '.join(DAYS)}")
    for day in DAYS:
        days.append(_day(raw.get(day), where, f"hours.{day}", errors))
    for n, intervals in enumerate(days):  # a night into the next day must end before it opens
        if intervals and intervals[-1].closes > 1440:
            following = days[(n + 1) % 7]
            if following and following[0].opens < intervals[-1].closes - 1440:
                _where(
                    errors, where, f"hours.{DAYS[n]}",
                    f"{intervals[-1]} runs into the opening hours of {DAYS[(n + 1) % 7]}",
                )  # fmt: skip
    if len(errors) > count:
        return None
    if not any(days):
        _where(errors, where, "hours", "every day is closed; leave hours out when unknown")
        return None
    return WeeklyHours(tuple(days))


def _day(raw: Any, where: str, key: str, errors: list[str]) -> tuple[Interval, ...]:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "closed")):
        return ()
    if not isinstance(raw, str):
        _where(errors, where, key, 'expected "09:00-18:00", "09:00-13:00, 14:00-18:00" or closed')
        return ()
    intervals: list[Interval] = []
    for part in raw.split(","):
        match = _INTERVAL.match(part.strip())
        opens = _minutes(match[1], match[2]) if match else None
        closes = _minutes(match[3], match[4]) if match else None
        if match is None or opens is None or closes is None or opens == 1440:
            _where(errors, where, key, f"'{part.strip()}' is not a time span like 09:00-18:00")
            return ()
        if closes == opens:
            _where(errors, where, key, f"'{part.strip()}' opens and closes at the same time")
            return ()
        if closes < opens:
            closes += 1440  # crosses midnight
        if intervals and opens < intervals[-1].closes:
            _where(
                errors, where, key,
                f"'{part.strip()}' overlaps or comes before {intervals[-1]}; list the spans in "
                "order, breaks between them",
            )  # fmt: skip
            return ()
        if intervals and intervals[-1].closes > 1440:
            _where(errors, where, key, "only the last span of a day may end after midnight")
            return ()
        intervals.append(Interval(opens, closes))
    return tuple(intervals)


def normalize_phone(raw: str) -> str | None:
    """Return a Kazakh number as "+7 7XX XXX XX XX" (tappable in Telegram), a short service
    number (e.g. 1414) as it is, or None when it is neither."""
    text = raw.strip()
    if not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if 3 <= len(digits) <= 4 and not text.startswith("+"):
        return digits
    if len(digits) == 11 and digits[0] == "8" and not text.startswith("+"):
        digits = "7" + digits[1:]
    if len(digits) != 11 or not digits.startswith("77") or not text.startswith(("+7", "8")):
        return None
    rest = digits[1:]
    return f"+7 {rest[:3]} {rest[3:6]} {rest[6:8]} {rest[8:]}"


def parse_office(
    raw: Any, where: str, errors: list[str], *, owners: Collection[str] | None
) -> Office | None:
    """Return the office in `raw`, or None after reporting its problems into `errors`."""
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: expected an office with keys such as 'id:' and 'owner:'")
        return None
    count = len(errors)
    for key in raw:
        if key not in OFFICE_KEYS:
            _where(errors, where, str(key), f"unknown key; allowed: {', '.join(OFFICE_KEYS)}")
    office_id, owner = raw.get("id"), raw.get("owner")
    if not isinstance(office_id, str) or not OFFICE_ID.match(office_id):
        _where(errors, where, "id", f"'{office_id}' is not a valid id (2-24 lowercase letters, "
               "digits or _, starting with a letter)")  # fmt: skip
    if not isinstance(owner, str) or not owner:
        _where(errors, where, "owner", f"missing: '{OSS}' for the OSS, or a provider's id")
    elif owner != OSS and owners is not None and owner not in owners:
        _where(errors, where, "owner", f"unknown provider '{owner}'; use '{OSS}' or a provider id")
    name = parse_text(raw["name"], where, "name", errors) if "name" in raw else None
    address = parse_text(raw["address"], where, "address", errors) if "address" in raw else None
    location = parse_location(raw["location"], where, errors) if "location" in raw else None
    hours = parse_hours(raw["hours"], where, errors) if "hours" in raw else None
    phones = _phones(raw.get("phones"), where, errors)
    website = raw.get("website")
    if website is not None and not (
        isinstance(website, str) and website.startswith("https://") and " " not in website
    ):
        _where(errors, where, "website", f"'{website}' must be a web address starting https://")
    telegram = raw.get("telegram")
    if telegram is not None:
        match = _TELEGRAM.match(telegram.strip()) if isinstance(telegram, str) else None
        if match is None:
            _where(errors, where, "telegram", f"'{telegram}' is not @username or https://t.me/...")
        telegram = f"@{match[1]}" if match else None
    if len(errors) > count:
        return None
    return Office(
        id=str(office_id), owner=str(owner), name=name, address=address, location=location,
        hours=hours, phones=phones, website=website, telegram=telegram,
    )  # fmt: skip


def _phones(raw: Any, where: str, errors: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        _where(errors, where, "phones", 'expected a list of numbers in quotes: ["+7 727 ..."]')
        return ()
    phones: list[str] = []
    for item in items:
        phone = normalize_phone(item) if isinstance(item, str) else None
        if phone is None:
            _where(
                errors, where, "phones",
                f"{item!r} is not a Kazakh phone number in quotes, like \"+7 727 123 45 67\" or "
                "\"+7 701 123 45 67\"",
            )  # fmt: skip
        elif phone not in phones:
            phones.append(phone)
    return tuple(phones)


def parse_offices(
    data: Any, source: str, errors: list[str], owners: Collection[str] | None
) -> Offices:
    """Read the whole offices file: `closed_dates:` and `offices:`."""
    if data is None:
        return Offices()
    if not isinstance(data, Mapping):
        errors.append(f"{source}: expected 'closed_dates:' and 'offices:'")
        return Offices()
    for key in data:
        if key not in ("closed_dates", "offices"):
            errors.append(f"{source}: unknown top-level key '{key}' (use closed_dates:, offices:)")
    closed = _closed_dates(data.get("closed_dates"), source, errors)
    items = data.get("offices") or []
    if not isinstance(items, list):
        errors.append(f"{source}: 'offices:' must be followed by a list of offices")
        return Offices(closed_dates=closed)
    offices: list[Office] = []
    seen: set[str] = set()
    for number, raw in enumerate(items, 1):
        oid = raw.get("id") if isinstance(raw, Mapping) else None
        label = f"'{oid}'" if isinstance(oid, str) else f"#{number}"
        where = f"{source}: office {label}"
        if isinstance(oid, str) and oid in seen:
            errors.append(f"{where}: field 'id': '{oid}' is used by an earlier office too")
            continue
        seen.add(str(oid))
        office = parse_office(raw, where, errors, owners=owners)
        if office is not None:
            offices.append(office)
    return Offices(tuple(offices), closed)


def _closed_dates(raw: Any, source: str, errors: list[str]) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        errors.append(f"{source}: field 'closed_dates': expected a list of dates YYYY-MM-DD")
        return frozenset()
    days: set[date] = set()
    for item in raw:
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            errors.append(f"{source}: field 'closed_dates': '{item}' is not a date YYYY-MM-DD")
    return frozenset(days)


def to_fill_in(offices: Offices, providers: Iterable[str], today: date) -> list[str]:
    """What the offices file does not say yet, for curators: warnings, not errors."""
    notes: list[str] = []
    if not offices.of(OSS):
        notes.append(f"{OFFICES_FILE}: the OSS has no office yet (owner: {OSS})")
    for provider in providers:
        if not offices.of(provider):
            notes.append(f"{OFFICES_FILE}: provider '{provider}' has no office yet")
    for office in offices.offices:
        if office.missing():
            notes.append(f"{OFFICES_FILE}: office '{office.id}': {', '.join(office.missing())}")
    if not any(day.year == today.year for day in offices.closed_dates):
        notes.append(
            f"{OFFICES_FILE}: closed_dates: no date in {today.year} (Kurban ait, moved days off)"
        )
    return notes


# ---- in words ------------------------------------------------------------------------------


def _span(opens: int, closes: int) -> str:
    return f"{opens // 60}:{opens % 60:02d}–{closes % 1440 // 60}:{closes % 60:02d}"


def _day_names(lang: str) -> list[str]:
    """Weekday names for a schedule, Monday first: full in Kazakh (the short ones are cryptic),
    short elsewhere."""
    names = get_day_names("wide" if lang == "kk" else "abbreviated", locale=lang)
    return [str(names[n]).capitalize() for n in range(7)]


def schedule(hours: WeeklyHours, lang: str) -> str:
    """Return the week in one line: "Mon–Fri 9:00–13:00, 14:00–18:00; Sat 10:00–14:00"."""
    _ = translator(lang).gettext
    names = _day_names(lang)
    groups: list[tuple[int, int]] = []
    for day in range(7):
        if groups and hours.on(day) == hours.on(groups[-1][0]) and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day)
        else:
            groups.append((day, day))
    parts = []
    for first, last in groups:
        intervals = hours.on(first)
        if not intervals:
            continue
        days = names[first] if first == last else f"{names[first]}–{names[last]}"
        if len(intervals) == 1 and intervals[0].opens == 0 and intervals[0].closes == 1440:
            spans = _("around the clock")
        else:
            spans = ", ".join(_span(i.opens, i.closes) for i in intervals)
        parts.append(f"{days} {spans}")
    return "; ".join(parts)
