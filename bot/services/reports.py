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
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

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
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 2) if present else None


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
        cases = list(
            await session.scalars(
                select(Case).where(Case.created_at >= start, Case.created_at < end)
            )
        )
        overdue_ids = set(
            await session.scalars(
                select(CaseEvent.case_id)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(CaseEvent.kind == "overdue", Case.created_at >= start, Case.created_at < end)
            )
        )
        open_now = (
            await session.execute(
                select(Case.status, Case.due_at).where(Case.status.in_(PROVIDERS_TURN))
            )
        ).all()
    by_provider: dict[str, list[Case]] = {}
    for case in cases:
        by_provider.setdefault(case.provider_id or "", []).append(case)
    providers = tuple(
        ProviderFigures(
            provider_id=provider_id,
            cases=len(group),
            open=sum(1 for c in group if c.status in OPEN),
            answered=sum(1 for c in group if c.first_answer_at is not None),
            median_first_answer_hours=_median(
                _hours(c.created_at, c.first_answer_at) for c in group
            ),
            resolved=sum(1 for c in group if c.resolved_at is not None),
            median_resolution_hours=_median(_hours(c.created_at, c.resolved_at) for c in group),
            went_overdue=sum(1 for c in group if c.id in overdue_ids),
        )
        for provider_id, group in sorted(by_provider.items(), key=lambda i: (-len(i[1]), i[0]))
    )
    rated = [c.rating for c in cases if c.rating is not None]
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
        median_first_answer_hours=_median(_hours(c.created_at, c.first_answer_at) for c in cases),
        median_resolution_hours=_median(_hours(c.created_at, c.resolved_at) for c in cases),
        overdue_now=sum(1 for _, due_at in open_now if due_at is not None and due_at < now),
        went_overdue=len(overdue_ids),
        ratings=tuple((stars, rated.count(stars)) for stars in range(1, 6)),
        rating_average=round(sum(rated) / len(rated), 2) if rated else None,
        followups_asked=sum(1 for c in cases if c.followup_count),
        outcomes=_counts((c.outcome for c in cases if c.outcome), OUTCOMES),
        subscribers=tuple((await subscribers_by_topic(db)).items()),
        gaps=await knowledge_gaps(db, period, tz),
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
