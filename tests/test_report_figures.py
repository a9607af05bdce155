"""The figures behind the report: the monthly trend over twelve local months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.models import Case, Person
from bot.services import reports


async def test_the_monthly_trend_counts_what_happened_in_each_local_month(
    database: Database,
) -> None:
    tz = ZoneInfo("Asia/Almaty")  # UTC+5

    def at(day: date, hour: int = 12) -> datetime:
        return datetime.combine(day, time(hour), tz).astimezone(UTC)

    async with database.write() as session:
        for number_, seen in enumerate(
            [date(2025, 6, 30), date(2025, 7, 1), date(2026, 1, 31), date(2026, 2, 1)]
        ):
            session.add(Person(telegram_id=10 + number_, first_seen=at(seen), last_seen=at(seen)))

        def case(created: datetime, answer: float | None, resolved: datetime | None) -> Case:
            return Case(
                language="kk",
                created_at=created,
                updated_at=created,
                first_answer_at=created + timedelta(hours=answer) if answer else None,
                resolved_at=resolved,
                status="resolved" if resolved else "assigned",
            )

        session.add_all(
            [
                case(at(date(2025, 6, 30)), 1, None),  # before the twelve months
                case(at(date(2025, 7, 1), 0), 2, at(date(2025, 7, 3))),  # 00:00 local, 1 July
                case(at(date(2026, 1, 31), 23), 3, at(date(2026, 2, 1), 1)),  # 18:00 UTC
                case(at(date(2026, 6, 10)), 2, at(date(2026, 6, 11))),
                case(at(date(2026, 6, 12)), 4, None),
                case(at(date(2026, 6, 14)), 9, at(date(2026, 7, 2))),  # resolved after
                case(at(date(2026, 6, 20)), None, None),
            ]
        )
    trend = await reports.build_trends(database, date(2026, 6, 15), tz=tz)
    assert [m.month for m in trend] == [date(2025, 7 + i, 1) for i in range(6)] + [
        date(2026, 1 + i, 1) for i in range(6)
    ]
    by_month = {m.month: m for m in trend}
    july, january, february, june = (
        by_month[date(2025, 7, 1)], by_month[date(2026, 1, 1)], by_month[date(2026, 2, 1)],
        by_month[date(2026, 6, 1)],
    )  # fmt: skip
    assert (july.opened, july.resolved, july.median_first_answer_hours, july.new_people) == (
        1, 1, 2.0, 1,
    )  # fmt: skip
    assert (january.opened, january.resolved, january.new_people) == (1, 0, 1)
    assert (february.opened, february.resolved, february.new_people) == (0, 1, 1)
    assert (june.opened, june.resolved, june.median_first_answer_hours) == (4, 1, 4.0)
    assert sum(m.opened for m in trend) == 6
