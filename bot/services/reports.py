"""The manager's report: who came, what they asked, how fast providers answered, how it ended.

People are those first seen in the period; cases are those opened in it (their status and
timings as they are now). Medians are computed here, in Python, the same on SQLite and
PostgreSQL. The export tables are anonymous unless asked otherwise: no Telegram ids, no
question texts, no phone numbers.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, extract, func, select
from sqlalchemy import case as when

from bot.db import Database
from bot.knowledge import AUDIENCES, LANGS, VALUE_CHAINS
from bot.models import Announcement, AnnouncementDelivery, Case, CaseEvent, Person
from bot.services.cases import OPEN, PROVIDERS_TURN, CaseStatus
from bot.services.gaps import Gaps, knowledge_gaps
from bot.services.period import Period
from bot.services.subscriptions import subscribers_by_topic

Counts = tuple[tuple[str, int], ...]
STATUSES = tuple(status.value for status in CaseStatus)
OUTCOMES = ("yes", "no", "waiting")
RESOLVED = ("resolved", "closed")
TREND_MONTHS = 12
# The columns the report reads of each case: rows, not ORM objects, to stay fast at scale.
CASE_FIGURES = (
    Case.id, Case.provider_id, Case.status, Case.topic, Case.value_chain, Case.rating,
    Case.outcome, Case.followup_count,
)  # fmt: skip
# Safe fields of a case event's detail; the rest (message parts) may carry personal data.
SAFE_DETAIL = ("provider_id", "stars", "answer", "entry_id", "suggested")
ANNOUNCEMENT_COLUMNS = (
    "announcement", "started", "audience", "value_chain", "language", "topic", "recipients",
    "delivered", "blocked", "failed", "unknown", "waiting", "text",
)  # fmt: skip


@dataclass(frozen=True)
class ProviderFigures:
    """How one provider (or the OSS queue, id "") did with the period's cases."""

    provider_id: str
    cases: int
    open: int
    answered: int
    median_first_answer_hours: float | None
    resolved: int
    median_resolution_hours: float | None
    went_overdue: int


@dataclass(frozen=True)
class GroupFigures:
    """How the period's cases of one group (a value chain, a source) went."""

    key: str
    people: int
    cases: int
    resolved: int
    median_first_answer_hours: float | None
    rating_average: float | None
    got_service: int


@dataclass(frozen=True)
class AnnouncementFigures:
    """The announcements started in a period and what became of their messages."""

    announcements: int
    recipients: int
    delivered: int
    blocked: int
    failed: int
    waiting: int


@dataclass(frozen=True)
class Headline:
    """The figures of a period's first page, to set beside the previous period's."""

    people: int
    cases: int
    resolved: int
    median_first_answer_hours: float | None
    median_resolution_hours: float | None
    went_overdue: int
    rating_average: float | None
    got_service: int
    searches_not_found: int
    announcements_delivered: int


@dataclass(frozen=True)
class MonthFigures:
    """One local calendar month of the trend."""

    month: date
    opened: int
    resolved: int
    median_first_answer_hours: float | None
    new_people: int


@dataclass(frozen=True)
class Report:
    """Every figure of the manager's report for one period."""

    period: Period
    generated_at: datetime
    people: int
    people_by_audience: Counts
    people_by_value_chain: Counts
    people_by_language: Counts
    people_by_source: Counts
    cases: int
    cases_by_topic: Counts
    cases_by_provider: Counts
    cases_by_status: Counts
    providers: tuple[ProviderFigures, ...]
    median_first_answer_hours: float | None
    median_resolution_hours: float | None
    overdue_now: int
    went_overdue: int
    ratings: tuple[tuple[int, int], ...]
    rating_average: float | None
    followups_asked: int
    outcomes: Counts
    subscribers: Counts
    gaps: Gaps
    by_value_chain: tuple[GroupFigures, ...] = ()
    by_source: tuple[GroupFigures, ...] = ()
    announcements: AnnouncementFigures = AnnouncementFigures(0, 0, 0, 0, 0, 0)

    @property
    def headline(self) -> Headline:
        """Return the figures of the first page."""
        return Headline(
            people=self.people,
            cases=self.cases,
            resolved=sum(n for status, n in self.cases_by_status if status in RESOLVED),
            median_first_answer_hours=self.median_first_answer_hours,
            median_resolution_hours=self.median_resolution_hours,
            went_overdue=self.went_overdue,
            rating_average=self.rating_average,
            got_service=dict(self.outcomes).get("yes", 0),
            searches_not_found=self.gaps.searches_total,
            announcements_delivered=self.announcements.delivered,
        )


@dataclass(frozen=True)
class Table:
    """One sheet of the export: a name, column names and rows of plain values."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _counts(values: Iterable[str | None], order: Iterable[str] = ()) -> Counts:
    """Count values ("" for none); known keys in their order, the rest by count."""
    counter = Counter(value or "" for value in values)
    known = [key for key in order if counter.get(key)]
    rest = sorted(
        (key for key in counter if key not in known), key=lambda key: (-counter[key], key)
    )
    return tuple((key, counter[key]) for key in [*known, *rest])


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 3600, 2)


def _median(values: Iterable[float | None]) -> float | None:
    present = [float(value) for value in values if value is not None]
    return round(statistics.median(present), 2) if present else None


def _groups(
    cases: list[tuple[Any, str | None]],
    people: Iterable[str | None],
    key: Any,
    order: Iterable[str] = (),
) -> tuple[GroupFigures, ...]:
    """Sum up the cases (and count the new people) of each group, largest first."""
    groups: dict[str, list[Any]] = {}
    for case, source in cases:
        groups.setdefault(key(case, source) or "", []).append(case)
    reached = Counter(value or "" for value in people)
    order = list(order)
    keys = sorted(
        set(groups) | set(reached),
        key=lambda k: (
            order.index(k) if k in order else len(order),
            -len(groups.get(k, ())),
            -reached[k],
            k,
        ),
    )
    figures = []
    for k in keys:
        group = groups.get(k, [])
        rated = [c.rating for c in group if c.rating is not None]
        figures.append(
            GroupFigures(
                key=k,
                people=reached[k],
                cases=len(group),
                resolved=sum(1 for c in group if c.status in RESOLVED),
                median_first_answer_hours=_median(c.to_answer for c in group),
                rating_average=round(sum(rated) / len(rated), 2) if rated else None,
                got_service=sum(1 for c in group if c.outcome == "yes"),
            )
        )
    return tuple(figures)


async def build_report(db: Database, period: Period, *, tz: ZoneInfo, now: datetime) -> Report:
    """Compute the report of a period from the database."""
    start, end = period.bounds(tz)
    async with db.read() as session:
        people = (
            await session.execute(
                select(Person.audience, Person.value_chain, Person.language, Person.source).where(
                    Person.first_seen >= start, Person.first_seen < end
                )
            )
        ).all()
        with_source = [
            (case, case.source)
            for case in (
                await session.execute(
                    select(
                        *CASE_FIGURES,
                        elapsed_hours(db, Case.created_at, Case.first_answer_at).label("to_answer"),
                        elapsed_hours(db, Case.created_at, Case.resolved_at).label("to_resolve"),
                        Person.source,
                    )
                    .outerjoin(Person, Person.id == Case.person_id)
                    .where(Case.created_at >= start, Case.created_at < end)
                )
            ).all()
        ]
        overdue_ids = set(
            await session.scalars(
                select(CaseEvent.case_id)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(CaseEvent.kind == "overdue", Case.created_at >= start, Case.created_at < end)
            )
        )
        overdue_now = await session.scalar(
            select(func.count()).where(
                Case.status.in_(PROVIDERS_TURN), Case.due_at.is_not(None), Case.due_at < now
            )
        )
        deliveries = (
            await session.execute(
                select(AnnouncementDelivery.status, func.count())
                .join(Announcement, Announcement.id == AnnouncementDelivery.announcement_id)
                .where(Announcement.started_at >= start, Announcement.started_at < end)
                .group_by(AnnouncementDelivery.status)
            )
        ).all()
        announced = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Announcement.recipients), 0)).where(
                    Announcement.started_at >= start, Announcement.started_at < end
                )
            )
        ).one()
    cases = [case for case, _source in with_source]
    by_provider: dict[str, list[Any]] = {}
    for case in cases:
        by_provider.setdefault(case.provider_id or "", []).append(case)
    providers = tuple(
        ProviderFigures(
            provider_id=provider_id,
            cases=len(group),
            open=sum(1 for c in group if c.status in OPEN),
            answered=sum(1 for c in group if c.to_answer is not None),
            median_first_answer_hours=_median(c.to_answer for c in group),
            resolved=sum(1 for c in group if c.to_resolve is not None),
            median_resolution_hours=_median(c.to_resolve for c in group),
            went_overdue=sum(1 for c in group if c.id in overdue_ids),
        )
        for provider_id, group in sorted(by_provider.items(), key=lambda i: (-len(i[1]), i[0]))
    )
    rated = [c.rating for c in cases if c.rating is not None]
    delivered = Counter({status: int(n) for status, n in deliveries})
    return Report(
        period=period,
        generated_at=now,
        people=len(people),
        people_by_audience=_counts((p.audience for p in people), AUDIENCES),
        people_by_value_chain=_counts(
            (p.value_chain for p in people if p.audience == "farmer"), VALUE_CHAINS
        ),
        people_by_language=_counts((p.language for p in people), LANGS),
        people_by_source=_counts(p.source for p in people),
        cases=len(cases),
        cases_by_topic=_counts(c.topic for c in cases),
        cases_by_provider=_counts(c.provider_id for c in cases),
        cases_by_status=_counts((c.status for c in cases), STATUSES),
        providers=providers,
        median_first_answer_hours=_median(c.to_answer for c in cases),
        median_resolution_hours=_median(c.to_resolve for c in cases),
        overdue_now=int(overdue_now or 0),
        went_overdue=len(overdue_ids),
        ratings=tuple((stars, rated.count(stars)) for stars in range(1, 6)),
        rating_average=round(sum(rated) / len(rated), 2) if rated else None,
        followups_asked=sum(1 for c in cases if c.followup_count),
        outcomes=_counts((c.outcome for c in cases if c.outcome), OUTCOMES),
        subscribers=tuple((await subscribers_by_topic(db)).items()),
        gaps=await knowledge_gaps(db, period, tz),
        by_value_chain=_groups(
            [pair for pair in with_source if pair[0].value_chain],
            (p.value_chain for p in people if p.value_chain),
            lambda case, _source: case.value_chain,
            VALUE_CHAINS,
        ),
        by_source=_groups(with_source, (p.source for p in people), lambda _case, source: source),
        announcements=AnnouncementFigures(
            announcements=int(announced[0] or 0),
            recipients=int(announced[1] or 0),
            delivered=delivered["sent"],
            blocked=delivered["blocked"],
            failed=delivered["failed"],
            waiting=delivered["unknown"] + delivered["pending"] + delivered["sending"],
        ),
    )


@dataclass(frozen=True)
class FullReport:
    """What the report document shows: the period, the one before it and the monthly trend."""

    report: Report
    previous: Report | None
    trends: tuple[MonthFigures, ...]


async def build_full_report(
    db: Database, period: Period, *, tz: ZoneInfo, now: datetime
) -> FullReport:
    """Compute a period's report, the previous period's and the 12 months ending with it."""
    before = previous_period(period)
    return FullReport(
        report=await build_report(db, period, tz=tz, now=now),
        previous=await build_report(db, before, tz=tz, now=now) if before else None,
        trends=await build_trends(db, period.last, tz=tz),
    )


def elapsed_hours(db: Database, start: Any, end: Any) -> Any:
    """Return the SQL for the hours between two timestamps (the one dialect difference)."""
    if db.is_sqlite:
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return extract("epoch", end - start) / 3600.0


def previous_period(period: Period) -> Period | None:
    """Return the period of the same length just before this one (None before the calendar)."""
    try:
        return Period(period.first - timedelta(days=period.days), period.first - timedelta(days=1))
    except (ValueError, OverflowError):
        return None


def _add_months(day: date, months: int) -> date | None:
    """Return the first day of the month `months` after `day`'s (None off the calendar)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, 1) if 1 <= year <= 9999 else None


def _month_starts(last_day: date, months: int) -> list[date]:
    """Return the first days of up to `months` months ending with `last_day`'s, then the
    first day of the month after."""
    days = [_add_months(last_day, shift) for shift in range(1 - months, 2)]
    return [day for day in days if day is not None]


async def build_trends(
    db: Database, last_day: date, *, tz: ZoneInfo, months: int = TREND_MONTHS
) -> tuple[MonthFigures, ...]:
    """Return a figure per local month, for the `months` months ending with `last_day`'s.

    Cases opened, their median hours to the first answer and new people count by the month
    they began in; cases resolved by the month they were resolved in.
    """
    starts = _month_starts(last_day, months)
    if len(starts) < 2 or starts[-1] <= last_day:  # the end of the calendar
        return ()
    months = len(starts) - 1  # fewer at its start
    bounds = [datetime.combine(day, time(0), tz).astimezone(UTC) for day in starts]

    def month_of(column: Any) -> Any:
        return when(*((column < bound, index) for index, bound in enumerate(bounds[1:])))

    def within(column: Any) -> Any:
        return and_(column >= bounds[0], column < bounds[-1])

    async def counted(column: Any) -> Counter[int]:
        month = month_of(column).label("month")  # grouped by its name: PostgreSQL needs it
        rows = await session.execute(
            select(month, func.count()).where(within(column)).group_by(month)
        )
        return Counter({int(index): int(n) for index, n in rows.all()})

    async with db.read() as session:
        opened_in = await counted(Case.created_at)
        resolved_in = await counted(Case.resolved_at)
        people_in = await counted(Person.first_seen)
        answered = await session.execute(
            select(
                month_of(Case.created_at),
                elapsed_hours(db, Case.created_at, Case.first_answer_at),
            ).where(within(Case.created_at), Case.first_answer_at.is_not(None))
        )
        answer_hours: dict[int, list[float]] = {}
        for index, elapsed in answered.all():
            answer_hours.setdefault(int(index), []).append(float(elapsed))
    return tuple(
        MonthFigures(
            month=starts[i],
            opened=opened_in[i],
            resolved=resolved_in[i],
            median_first_answer_hours=_median(answer_hours.get(i, ())),
            new_people=people_in[i],
        )
        for i in range(months)
    )


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Return a naive local time, as spreadsheets want it."""
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


async def export_tables(
    db: Database, period: Period, *, tz: ZoneInfo, personal: bool = False
) -> tuple[Table, ...]:
    """Return the period's raw tables; anonymous unless `personal` is asked for."""
    start, end = period.bounds(tz)
    async with db.read() as session:
        people = list(
            await session.scalars(
                select(Person)
                .where(Person.first_seen >= start, Person.first_seen < end)
                .order_by(Person.first_seen, Person.id)
            )
        )
        cases = list(
            await session.scalars(
                select(Case)
                .where(Case.created_at >= start, Case.created_at < end)
                .order_by(Case.id)
            )
        )
        events = list(
            await session.scalars(
                select(CaseEvent)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(Case.created_at >= start, Case.created_at < end)
                .order_by(CaseEvent.id)
            )
        )
        announcements = list(
            await session.scalars(
                select(Announcement)
                .where(
                    Announcement.started_at >= start,
                    Announcement.started_at < end,
                )
                .order_by(Announcement.id)
            )
        )
        outcomes = (
            await session.execute(
                select(AnnouncementDelivery.announcement_id, AnnouncementDelivery.status).where(
                    AnnouncementDelivery.announcement_id.in_([a.id for a in announcements])
                )
            )
        ).all()
        client_of = {
            person_id: telegram_id
            for person_id, telegram_id in (
                await session.execute(
                    select(Person.id, Person.telegram_id).where(
                        Person.id.in_({c.person_id for c in cases if c.person_id})
                    )
                )
            ).all()
        }
    gaps = await knowledge_gaps(db, period, tz, limit=1000)

    person_columns = (
        "telegram_id" if personal else "person",
        "first_seen", "language", "audience", "value_chain", "source",
    )  # fmt: skip
    person_rows = []
    for number, p in enumerate(people, 1):
        row: tuple[Any, ...] = (
            _local(p.first_seen, tz),
            p.language,
            p.audience,
            p.value_chain,
            p.source,
        )
        person_rows.append((p.telegram_id if personal else number, *row))

    case_columns: tuple[str, ...] = (
        "case", "opened", "language", "audience", "value_chain", "topic", "entry", "provider",
        "status", "due", "first_answer", "hours_to_first_answer", "resolved",
        "hours_to_resolution", "closed", "rating", "follow_up_outcome", "attachments",
    )  # fmt: skip
    case_rows = []
    for c in cases:
        row = (
            c.id, _local(c.created_at, tz), c.language, c.audience, c.value_chain, c.topic,
            c.entry_id, c.provider_id, c.status, _local(c.due_at, tz),
            _local(c.first_answer_at, tz), _hours(c.created_at, c.first_answer_at),
            _local(c.resolved_at, tz), _hours(c.created_at, c.resolved_at),
            _local(c.closed_at, tz), c.rating, c.outcome, len(c.attachments or ()),
        )  # fmt: skip
        if personal:
            row = (*row, client_of.get(c.person_id or 0), c.question, c.phone)
        case_rows.append(row)
    if personal:
        case_columns = (*case_columns, "client_telegram_id", "question", "phone")

    event_rows = []
    for e in events:
        detail = {k: v for k, v in (e.detail or {}).items() if k in SAFE_DETAIL}
        event_rows.append(
            (e.case_id, _local(e.created_at, tz), e.kind, e.actor_role,
             ", ".join(f"{k}={v}" for k, v in sorted(detail.items())) or None)
        )  # fmt: skip

    status_counts: dict[int, Counter[str]] = {}
    for announcement_id, status in outcomes:
        status_counts.setdefault(announcement_id, Counter())[status] += 1
    announcement_rows = []
    for a in announcements:
        got = status_counts.get(a.id, Counter())
        announcement_rows.append(
            (a.id, _local(a.started_at, tz), a.audience, a.value_chain, a.language, a.topic,
             a.recipients, got["sent"], got["blocked"], got["failed"], got["unknown"],
             got["pending"] + got["sending"], a.text)
        )  # fmt: skip

    return (
        Table("people", person_columns, tuple(person_rows)),
        Table("cases", case_columns, tuple(case_rows)),
        Table("case_events", ("case", "at", "kind", "by", "detail"), tuple(event_rows)),
        Table("announcements", ANNOUNCEMENT_COLUMNS, tuple(announcement_rows)),
        Table(
            "searches_not_found",
            ("words", "count", "languages", "skeleton"),
            tuple((g.text, g.count, " ".join(g.languages), g.skeleton) for g in gaps.searches),
        ),
        Table(
            "cases_without_entry",
            ("audience", "value_chain", "provider", "count"),
            tuple((g.audience, g.value_chain, g.provider_id, g.count) for g in gaps.cases),
        ),
    )
