"""Knowledge gaps: what people looked for and did not find, counted without who asked.

A search that found nothing is kept as the normalised skeleton of its words only (long numbers
such as phone or ID numbers masked), counted per local day and language, with no person id.
Cases that started from no knowledge entry are counted by audience, value chain and the
provider that answered them, never with their question.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import Database
from bot.knowledge import normalize
from bot.models import Case, KnowledgeGap
from bot.services.period import Period

MAX_SKELETON = 200
_LONG_NUMBER = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class SearchGap:
    """One group of searches that found nothing."""

    skeleton: str
    count: int
    languages: tuple[str, ...]


@dataclass(frozen=True)
class CaseGap:
    """Cases that started from no knowledge entry, for one kind of client and provider."""

    audience: str | None
    value_chain: str | None
    provider_id: str | None
    count: int


@dataclass(frozen=True)
class Gaps:
    """What the knowledge base lacked in a period, most frequent first."""

    period: Period
    searches: tuple[SearchGap, ...]
    searches_total: int
    cases: tuple[CaseGap, ...]
    cases_total: int


def skeleton(text: str) -> str:
    """Return a query as it is kept: its normalised skeleton, long numbers masked."""
    words = _LONG_NUMBER.sub("#", normalize(text))
    if len(words) > MAX_SKELETON:
        words = words[:MAX_SKELETON].rsplit(" ", 1)[0]
    return words


async def record_search_miss(db: Database, text: str, *, language: str, day: date) -> None:
    """Count one search that found nothing (its skeleton only, never who searched)."""
    words = skeleton(text)
    if not words:
        return
    values = {"day": day, "skeleton": words, "language": language[:2], "count": 1}
    insert = pg_insert if not db.is_sqlite else sqlite_insert
    statement = insert(KnowledgeGap).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "skeleton", "language"],
        set_={"count": KnowledgeGap.count + 1},
    )
    async with db.write() as session:
        await session.execute(statement)


async def knowledge_gaps(db: Database, period: Period, tz: ZoneInfo, *, limit: int = 30) -> Gaps:
    """Group the searches that found nothing and the cases without an entry in a period."""
    start, end = period.bounds(tz)
    async with db.read() as session:
        searches = (
            await session.execute(
                select(KnowledgeGap.skeleton, KnowledgeGap.language, KnowledgeGap.count).where(
                    KnowledgeGap.day >= period.first, KnowledgeGap.day <= period.last
                )
            )
        ).all()
        cases = (
            await session.execute(
                select(Case.audience, Case.value_chain, Case.provider_id).where(
                    Case.entry_id.is_(None), Case.created_at >= start, Case.created_at < end
                )
            )
        ).all()
    counts: Counter[str] = Counter()
    languages: dict[str, set[str]] = {}
    for words, language, count in searches:
        counts[words] += count
        languages.setdefault(words, set()).add(language)
    search_gaps = tuple(
        SearchGap(words, count, tuple(sorted(languages[words])))
        for words, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    )
    by_kind = Counter((a, v, p) for a, v, p in cases)
    case_gaps = tuple(
        CaseGap(a, v, p, n)
        for (a, v, p), n in sorted(
            by_kind.items(), key=lambda item: (-item[1], tuple(x or "" for x in item[0]))
        )[:limit]
    )
    return Gaps(period, search_gaps, sum(counts.values()), case_gaps, len(cases))
