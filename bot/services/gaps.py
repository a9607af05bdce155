"""Knowledge gaps: what people looked for and did not find, counted without who asked.

A search that found nothing is kept as its words, masked (numbers, addresses and personal names:
`bot.masking`), and their normalised skeleton, counted per local day and language, with no
person id: such a row cannot be erased by `/forget`, so nothing in it may point to someone.
Variants of one question (spelling, script, case, a different number) share a skeleton and are
counted together, shown in their most frequent wording.
Cases that started from no knowledge entry are counted by audience, value chain and the
provider that answered them, never with their question.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import Database
from bot.knowledge import normalize
from bot.masking import mask_personal
from bot.models import Case, KnowledgeGap
from bot.services.period import Period

MAX_LENGTH = 200


@dataclass(frozen=True)
class SearchGap:
    """One group of searches that found nothing: its most frequent wording, masked."""

    text: str
    skeleton: str
    count: int
    languages: tuple[str, ...]
    wordings: int = 1


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


def _cut(words: str) -> str:
    if len(words) > MAX_LENGTH:
        words = words[:MAX_LENGTH].rsplit(" ", 1)[0][:MAX_LENGTH]
    return words


def masked_words(text: str) -> tuple[str, str]:
    """Return a query as it is kept: its masked words and their skeleton ("" when none)."""
    masked = _cut(" ".join(mask_personal(text).split()))
    return masked, _cut(normalize(masked))


def skeleton(text: str) -> str:
    """Return the normalised skeleton of a query's masked words."""
    return masked_words(text)[1]


async def record_search_miss(db: Database, text: str, *, language: str, day: date) -> None:
    """Count one search that found nothing (its masked words only, never who searched)."""
    words, key = masked_words(text)
    if not key:
        return
    values = {"day": day, "skeleton": key, "text": words, "language": language[:2], "count": 1}
    insert = pg_insert if not db.is_sqlite else sqlite_insert
    statement = insert(KnowledgeGap).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "language", "text"],
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
                select(
                    KnowledgeGap.skeleton,
                    KnowledgeGap.text,
                    KnowledgeGap.language,
                    KnowledgeGap.count,
                ).where(KnowledgeGap.day >= period.first, KnowledgeGap.day <= period.last)
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
    wordings: dict[str, Counter[str]] = {}
    for key, words, language, count in searches:
        counts[key] += count
        languages.setdefault(key, set()).add(language)
        wordings.setdefault(key, Counter())[words] += count
    search_gaps = tuple(
        SearchGap(
            text=min(wordings[key].items(), key=lambda item: (-item[1], item[0]))[0],
            skeleton=key,
            count=count,
            languages=tuple(sorted(languages[key])),
            wordings=len(wordings[key]),
        )
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    )
    by_kind = Counter((a, v, p) for a, v, p in cases)
    case_gaps = tuple(
        CaseGap(a, v, p, n)
        for (a, v, p), n in sorted(
            by_kind.items(), key=lambda item: (-item[1], tuple(x or "" for x in item[0]))
        )[:limit]
    )
    return Gaps(period, search_gaps, sum(counts.values()), case_gaps, len(cases))
