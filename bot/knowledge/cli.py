"""The `oss-bot kb ...` and `oss-bot providers list` commands, as plain functions."""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

import yaml

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import LANGS, KnowledgeError, Text
from bot.knowledge.offices import to_fill_in

QUERY_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "search_queries.yaml"


class _EntryRow(TypedDict):
    """One line of `oss-bot kb list` (one object of its --json)."""

    id: str
    audiences: list[str]
    value_chains: list[str]
    topic: str
    title: dict[str, str]


def _titles(text: Text) -> dict[str, str]:
    """Return a text as a {kk, ru, en} dictionary."""
    return {lang: text.get(lang) for lang in LANGS}


def _load(directory: str | Path) -> KnowledgeBase | None:
    """Return the base in `directory`, or None after printing its errors to stderr."""
    try:
        return load_knowledge(directory)
    except KnowledgeError as exc:
        print(f"The knowledge base in {directory} is invalid:", file=sys.stderr)
        for error in exc.errors:
            print(error, file=sys.stderr)
        return None


def _dump(data: Any) -> None:
    """Print `data` as readable JSON (UTF-8 text, not escapes)."""
    print(json.dumps(data, ensure_ascii=False, indent=2))


def kb_check(directory: str | Path) -> int:
    """Validate the base; print 'OK: N entries, M providers' or every error, one per line."""
    try:
        kb = load_knowledge(directory)
    except KnowledgeError as exc:
        for error in exc.errors:
            print(error)
        print(f"{len(exc.errors)} error(s) in {directory}")
        return 1
    print(f"OK: {len(kb.entries)} entries, {len(kb.providers)} providers")
    notes = to_fill_in(kb.offices, kb.providers, datetime.date.today())
    for note in notes:
        print(f"to fill in: {note}")
    if notes:
        print(f"{len(notes)} thing(s) to fill in (warnings, not errors)")
    return 0


def kb_list(directory: str | Path, *, as_json: bool) -> int:
    """Print every entry: id, audiences, value chains, topic and title in kk, ru and en."""
    kb = _load(directory)
    if kb is None:
        return 1
    rows: list[_EntryRow] = [
        {
            "id": entry.id,
            "audiences": list(entry.audiences),
            "value_chains": list(entry.value_chains),
            "topic": entry.topic,
            "title": _titles(entry.title),
        }
        for entry in kb.entries.values()
    ]
    if as_json:
        _dump(rows)
        return 0
    width = max((len(row["id"]) for row in rows), default=2)
    print(f"{'id':<{width}}  {'topic':<13}  {'audiences':<40}  value chains")
    for row in rows:
        chains = ", ".join(row["value_chains"]) or "(all)"
        print(
            f"{row['id']:<{width}}  {row['topic']:<13}  {', '.join(row['audiences']):<40}  {chains}"
        )
        for lang in LANGS:
            print(f"{'':<{width}}  {lang}: {row['title'][lang]}")
    print(f"{len(rows)} entries")
    return 0


def kb_search(
    directory: str | Path, query: str, *, lang: str | None, limit: int, as_json: bool
) -> int:
    """Print the entries the bot would offer for `query`, best first ([] when none)."""
    kb = _load(directory)
    if kb is None:
        return 1
    hits = kb.search(query, lang=lang, limit=limit)
    if as_json:
        _dump(
            [
                {
                    "id": hit.entry.id,
                    "score": round(hit.score, 3),
                    "title": _titles(hit.entry.title),
                }
                for hit in hits
            ]
        )
        return 0
    if not hits:
        print("Nothing found above the confidence threshold: the bot offers the menu and the OSS.")
        return 0
    shown = lang if lang in LANGS else "kk"
    for hit in hits:
        print(f"{hit.score:7.3f}  {hit.entry.id:<32}  {hit.entry.title.get(shown)}")
    return 0


def providers_list(directory: str | Path, linked: Mapping[str, list[int]], *, as_json: bool) -> int:
    """Print the providers and the Telegram accounts linked to each (`linked`, from the DB)."""
    kb = _load(directory)
    if kb is None:
        return 1
    rows = [
        {
            "id": provider.id,
            "name": _titles(provider.name),
            "linked_accounts": sorted(linked.get(provider.id, [])),
        }
        for provider in kb.providers.values()
    ]
    if as_json:
        _dump(rows)
        return 0
    width = max((len(row["id"]) for row in rows), default=2)
    for row, provider in zip(rows, kb.providers.values(), strict=True):
        accounts = ", ".join(str(a) for a in row["linked_accounts"]) or "no linked account"
        print(f"{row['id']:<{width}}  {provider.short_name.en:<28}  {accounts}")
    strays = sorted(set(linked) - set(kb.providers))
    if strays:
        print(f"Accounts linked to providers no longer in the base: {', '.join(strays)}")
    return 0


def labelled_queries(path: Path = QUERY_SET) -> list[dict[str, Any]]:
    """Return the labelled query set: items with query, lang and the expected entry ids."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["queries"])


def _default_queries(kb: KnowledgeBase) -> list[str]:
    """Return the labelled queries, or the entries' keywords when the set is not installed."""
    if QUERY_SET.is_file():
        return [item["query"] for item in labelled_queries()]
    return [
        word
        for entry in kb.entries.values()
        for lang in LANGS
        for word in entry.keywords.get(lang)[:2]
    ]


def bench_search(
    kb: KnowledgeBase, queries: list[str] | None = None, *, rounds: int = 20
) -> dict[str, Any]:
    """Time every query `rounds` times; return the count and the p50, p95 and max in ms.

    Wall-clock times include waiting for a busy machine's CPU; the `cpu_` figures are the
    process's own CPU time per query, which a loaded machine does not inflate.
    """
    queries = queries if queries is not None else _default_queries(kb)
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            kb.search(query)
            cpu.append((time.process_time() - start_cpu) * 1000)
            timings.append((time.perf_counter() - start) * 1000)
    if not timings:
        return {"queries": 0, "p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    timings.sort()
    cpu.sort()
    p95 = min(len(timings) - 1, int(0.95 * len(timings)))
    return {
        "queries": len(queries),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[p95], 3),
        "max_ms": round(timings[-1], 3),
        "cpu_p50_ms": round(statistics.median(cpu), 3),
        "cpu_p95_ms": round(cpu[p95], 3),
    }
