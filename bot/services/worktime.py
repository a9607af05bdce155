"""Working hours: due times counted in the OSS's working hours, Monday to Friday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkingHours:
    """The OSS's working day in its local time zone."""

    tz: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})

    def is_workday(self, day: datetime) -> bool:
        """Tell whether the local date of `day` is a working day."""
        return day.astimezone(self.tz).weekday() in self.workdays

    def add(self, moment: datetime, hours: float) -> datetime:
        """Return the moment `hours` working hours after `moment` (UTC in, UTC out)."""
        remaining = timedelta(hours=hours)
        local = moment.astimezone(self.tz)
        while True:
            day_start = datetime.combine(local.date(), self.start, self.tz)
            day_end = datetime.combine(local.date(), self.end, self.tz)
            if local.weekday() not in self.workdays or local >= day_end:
                local = datetime.combine(local.date() + timedelta(days=1), self.start, self.tz)
                continue
            if local < day_start:
                local = day_start
            available = day_end - local
            if remaining <= available:
                return (local + remaining).astimezone(UTC)
            remaining -= available
            local = datetime.combine(local.date() + timedelta(days=1), self.start, self.tz)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return how many working hours lie between two moments."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        local = start.astimezone(self.tz)
        stop = end.astimezone(self.tz)
        while local < stop:
            day_start = datetime.combine(local.date(), self.start, self.tz)
            day_end = datetime.combine(local.date(), self.end, self.tz)
            if local.weekday() in self.workdays:
                lo, hi = max(local, day_start), min(stop, day_end)
                if hi > lo:
                    total += hi - lo
            local = datetime.combine(local.date() + timedelta(days=1), time(0), self.tz)
        return total
