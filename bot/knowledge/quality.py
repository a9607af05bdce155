"""Figures of how well the bot reads real messages: by language, script, length and split.

The natural set (tests/data/natural_queries.yaml) holds messages written the way people in the
district write, labelled with every entry that answers them. Each message is read as the bot
reads it (small talk split off, then search), and counted in every group it belongs to.

    python -m bot.knowledge.quality            # the tables for tune and holdout, and timings
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.model import LANGS

ROOT = Path(__file__).resolve().parents[2]
NATURAL_SET = ROOT / "tests" / "data" / "natural_queries.yaml"
LONG = 13  # a message of this many words or more is long: it tells a story
_WORD = re.compile(r"\w+")


def load_messages(path: Path = NATURAL_SET) -> list[dict[str, Any]]:
    """Return the labelled messages of the natural set."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])


def word_count(text: str) -> int:
    """Return how many words `text` has, as a person would count them."""
    return len(_WORD.findall(text))


@dataclass
class Figures:
    """Counts for one group of messages."""

    answerable: int = 0
    top1: int = 0
    top3: int = 0
    reciprocal: float = 0.0
    unanswerable: int = 0
    answered: int = 0  # unanswerable messages that got an answer anyway

    def rate(self, name: str) -> float:
        """Return top1, top3 or mrr over the answerable, or false over the unanswerable."""
        if name == "false":
            return self.answered / self.unanswerable if self.unanswerable else 0.0
        value = self.reciprocal if name == "mrr" else getattr(self, name)
        return value / self.answerable if self.answerable else 0.0


def _groups(item: Mapping[str, Any]) -> Iterable[str]:
    """Return the groups a message is counted in."""
    yield "all"
    yield f"lang {item['lang']}"
    yield f"script {item['script']}"
    yield f"words >={LONG}" if word_count(item["text"]) >= LONG else f"words <{LONG}"
    if not item["expect"]:
        yield "unanswerable " + ("small talk" if "smalltalk" in item else item["unanswerable"])


def measure(kb: KnowledgeBase, messages: Iterable[Mapping[str, Any]]) -> dict[str, Figures]:
    """Read every message as the bot would and count the results by group."""
    figures: dict[str, Figures] = {}
    for item in messages:
        lang = item["lang"] if item["lang"] in LANGS else "kk"  # mixed: a Kazakh speaker
        found = [hit.entry.id for hit in kb.read(item["text"], lang=lang, limit=3).hits]
        rank = next((i for i, eid in enumerate(found, 1) if eid in item["expect"]), None)
        for group in _groups(item):
            f = figures.setdefault(group, Figures())
            if item["expect"]:
                f.answerable += 1
                f.top1 += rank == 1
                f.top3 += rank is not None
                f.reciprocal += 1 / rank if rank else 0.0
            else:
                f.unanswerable += 1
                f.answered += bool(found)
    return figures


def table(figures: Mapping[str, Figures], title: str) -> str:
    """Return the figures as a plain-text table."""
    lines = [
        title,
        f"{'group':<30} {'n':>4} {'top-1':>6} {'top-3':>6} {'MRR':>6}   {'none':>4} {'false':>6}",
    ]
    for group in sorted(figures, key=lambda g: (g != "all", g.startswith("unans"), g)):
        f = figures[group]
        answers = (
            f"{f.answerable:>4} {f.rate('top1'):>6.3f} {f.rate('top3'):>6.3f} {f.rate('mrr'):>6.3f}"
            if f.answerable
            else f"{0:>4} {'':>6} {'':>6} {'':>6}"
        )
        none = f"{f.unanswerable:>4} {f.rate('false'):>6.3f}" if f.unanswerable else ""
        lines.append(f"{group:<30} {answers}   {none}")
    return "\n".join(lines)


def main() -> None:
    """Print the figures of the tune and holdout parts of the natural set, and search timings."""
    from bot.knowledge.cli import bench_search
    from bot.knowledge.loader import load_knowledge

    kb = load_knowledge(ROOT / "knowledge")
    messages = load_messages()
    for split in ("tune", "holdout"):
        chosen = [item for item in messages if item["split"] == split]
        print(table(measure(kb, chosen), f"natural set, {split} ({len(chosen)} messages)"))
        print()
    figures = bench_search(kb, [item["text"] for item in messages], rounds=5)
    print(f"search timings over the natural set: {figures}")


if __name__ == "__main__":
    main()
