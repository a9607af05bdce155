"""A reporting period: whole local days, from a first to a last day inclusive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NAMED = ("w", "m", "lw", "lm")
_RANGE = re.compile(r"^(\d{8})-(\d{8})$")
MAX_DAYS = 11 * 366  # ten years and more: the whole life of the bot, not an endless range
# The first and last days whose local midnights exist in UTC in every time zone.
EARLIEST, LATEST = date.min + timedelta(days=1), date.max - timedelta(days=2)


class PeriodError(ValueError):
    """A period that cannot be understood or is the wrong way round."""


@dataclass(frozen=True)
class Period:
    """Local calendar days `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError(f"the period ends ({self.last}) before it starts ({self.first})")
        if (self.last - self.first).days >= MAX_DAYS:
            raise PeriodError(f"the period is longer than {MAX_DAYS} days")
        if self.first < EARLIEST or self.last > LATEST:
            raise PeriodError(f"the period is not between {EARLIEST} and {LATEST}")

    @classmethod
    def named(cls, code: str, today: date) -> Period:
        """Return this week (w), this month (m), last week (lw) or last month (lm)."""
        monday = today - timedelta(days=today.weekday())
        if code == "w":
            return cls(monday, today)
        if code == "m":
            return cls(today.replace(day=1), today)
        if code == "lw":
            return cls(monday - timedelta(days=7), monday - timedelta(days=1))
        if code == "lm":
            last = today.replace(day=1) - timedelta(days=1)
            return cls(last.replace(day=1), last)
        raise PeriodError(f"unknown period {code!r}: use one of {', '.join(NAMED)}")

    @classmethod
    def last_days(cls, days: int, today: date) -> Period:
        """Return the `days` days that end today."""
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def from_code(cls, code: str, today: date) -> Period:
        """Read a period from callback data: a named one or YYYYMMDD-YYYYMMDD."""
        match = _RANGE.match(code)
        if match is None:
            return cls.named(code, today)
        try:
            first, last = (datetime.strptime(g, "%Y%m%d").date() for g in match.groups())
        except ValueError:
            raise PeriodError(f"not a date range: {code!r}") from None
        return cls(first, last)

    @classmethod
    def from_dates(cls, first: str, last: str) -> Period:
        """Read a period from two ISO dates (YYYY-MM-DD), as people type them."""
        try:
            return cls(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError as exc:
            if isinstance(exc, PeriodError):
                raise
            raise PeriodError(f"write dates as YYYY-MM-DD, not {first!r} / {last!r}") from None

    @property
    def code(self) -> str:
        """Return the period as short callback data."""
        return f"{self.first:%Y%m%d}-{self.last:%Y%m%d}"

    @property
    def days(self) -> int:
        """Return how many days the period has."""
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return the UTC start (included) and end (excluded) of the period's local days."""
        start = datetime.combine(self.first, time(0), tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tz).astimezone(UTC)
        return start, end
