"""An in-memory BM25F index over normalised words, forgiving of inflections and typos."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from bot.knowledge.model import LANGS, Entry, Provider, Text, TextList
from bot.knowledge.normalize import normalize
from bot.knowledge.stopwords import STOP_WORDS

_MIN_STEM = 3  # shortest word that may match by prefix
_PREFIX_KEYS = range(_MIN_STEM, 9)  # prefix lengths kept in the prefix table
_SHARED_STEM = 5  # two inflected forms must share at least this much
_TYPO_MIN = 5  # shortest query word that may match with one typo
_MEMO_SIZE = 20_000


@dataclass(frozen=True)
class SearchConfig:
    """The weights and thresholds of search, calibrated on the labelled query set."""

    k1: float = 1.2
    # field: (weight, length normalisation b, how strongly a match there answers the query)
    fields: tuple[tuple[str, float, float, float], ...] = (
        ("title", 3.0, 0.5, 1.0),
        ("keywords", 3.0, 0.5, 1.0),
        ("summary", 1.0, 0.75, 0.7),
        ("body", 0.5, 0.75, 0.5),
        ("extra", 0.3, 0.75, 0.35),
    )
    other_language: float = 0.85  # weight of text in a language other than the person's
    audience_boost: float = 1.1  # score factor for entries meant for the person's audience
    unknown_word: float = 0.6  # weight of a word found nowhere, as a share of the highest idf
    min_score: float = 2.0  # a hit needs at least this score ...
    min_coverage: float = 0.4  # ... and to answer this share of the query's weight
    relative: float = 0.3  # further hits need this share of the best hit's score
    exact_bias: float = 0.85  # inflection and typo matches of a word the base knows as it is


def tokens(text: str) -> list[str]:
    """Return the normalised words of `text` that can carry meaning (no stop words)."""
    return [
        word
        for word in normalize(text).split()
        if word not in STOP_WORDS and (len(word) >= 3 if word.isdigit() else len(word) >= 2)
    ]


def _texts(value: Text | TextList | None, lang: str) -> Iterator[str]:
    """Yield the strings of one language of a text or text list (nothing for None)."""
    if isinstance(value, Text):
        yield value.get(lang)
    elif isinstance(value, TextList):
        yield from value.get(lang)


def _entry_fields(
    entry: Entry, providers: Mapping[str, Provider]
) -> dict[str, dict[str, list[str]]]:
    """Return the words of `entry`, by field and by language."""
    sources: dict[str, list[Text | TextList | None]] = {
        "title": [entry.title],
        "keywords": [entry.keywords],
        "summary": [entry.summary],
        "body": [
            entry.details,
            entry.eligibility,
            entry.steps,
            entry.documents,
            entry.fees,
            entry.duration,
            entry.where,
        ],
        "extra": [*entry.legal_basis, *(link.title for link in entry.links)],
    }
    for pid in entry.providers:
        if pid in providers:
            sources["extra"] += [providers[pid].name, providers[pid].short_name]
    return {
        field: {
            lang: [w for v in values for t in _texts(v, lang) for w in tokens(t)] for lang in LANGS
        }
        for field, values in sources.items()
    }


def _one_edit(a: str, b: str) -> bool:
    """Tell whether `a` and `b` differ by exactly one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _deletions(word: str) -> Iterable[str]:
    """Yield `word` with one letter left out, at each position."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _common_prefix(a: str, b: str) -> int:
    """Return the length of the longest common prefix of `a` and `b`."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


# Postings of one term: (entry number, weighted term frequency, answer quality) per entry.
_Postings = tuple[tuple[int, float, float], ...]


class SearchIndex:
    """BM25F over the entries' words in the three languages, with fuzzy word matching."""

    def __init__(
        self,
        entries: tuple[Entry, ...],
        providers: Mapping[str, Provider],
        config: SearchConfig | None = None,
    ) -> None:
        """Index `entries`; all the work of search that does not depend on a query is done here."""
        self.config = config or SearchConfig()
        self.entries = entries
        docs = [_entry_fields(entry, providers) for entry in entries]
        self._df, self._postings = self._weigh(docs)
        self._vocab = frozenset(self._df)
        self._count = len(entries)
        self._prefixes: dict[str, list[str]] = defaultdict(list)
        self._deletes: dict[str, list[str]] = defaultdict(list)
        for term in sorted(self._vocab):
            for k in _PREFIX_KEYS:
                if len(term) >= k:
                    self._prefixes[term[:k]].append(term)
            if len(term) >= _TYPO_MIN - 1:
                for variant in _deletions(term):
                    self._deletes[variant].append(term)
        self._memo: dict[str, tuple[tuple[str, float], ...]] = {}

    def idf(self, df: float) -> float:
        """Return the BM25 inverse document frequency of a word found in `df` entries."""
        return math.log(1 + (self._count - df + 0.5) / (df + 0.5))

    def _weigh(
        self, docs: list[dict[str, dict[str, list[str]]]]
    ) -> tuple[dict[str, int], dict[str | None, dict[str, _Postings]]]:
        """Return each term's document frequency and its postings for each language hint."""
        cfg = self.config
        count = max(len(docs), 1)
        avg = {
            (field, lang): max(sum(len(d[field][lang]) for d in docs) / count, 1.0)
            for field, *_ in cfg.fields
            for lang in LANGS
        }
        per_doc: list[dict[str, tuple[list[float], float]]] = []
        df: dict[str, int] = defaultdict(int)
        for doc in docs:
            terms: dict[str, tuple[list[float], float]] = {}
            for field, weight, b, quality in cfg.fields:
                for li, lang in enumerate(LANGS):
                    words = doc[field][lang]
                    norm = 1 - b + b * len(words) / avg[field, lang]
                    for word in words:
                        tf, best = terms.get(word, ([0.0, 0.0, 0.0], 0.0))
                        tf[li] += weight / norm
                        terms[word] = (tf, max(best, quality))
            per_doc.append(terms)
            for word in terms:
                df[word] += 1
        postings: dict[str | None, dict[str, _Postings]] = {}
        for hint in (None, *LANGS):
            factors = [1.0 if hint in (None, lang) else cfg.other_language for lang in LANGS]
            lists: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
            for number, terms in enumerate(per_doc):
                for word, (tf, quality) in terms.items():
                    tfw = sum(f * t for f, t in zip(factors, tf, strict=True))
                    lists[word].append((number, tfw, quality))
            postings[hint] = {word: tuple(items) for word, items in lists.items()}
        return dict(df), postings

    def expand(self, word: str) -> tuple[tuple[str, float], ...]:
        """Return the indexed terms that `word` may stand for, each with a similarity in (0, 1]."""
        found = self._memo.get(word)
        if found is None:
            found = tuple(sorted(self._expand(word).items(), key=lambda item: -item[1]))
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[word] = found
        return found

    def _expand(self, word: str) -> dict[str, float]:
        """Match `word` to terms: as it is, inflected either way, and with one typo."""
        vocab = self._vocab
        n = len(word)
        exact = word in vocab
        bias = self.config.exact_bias if exact else 1.0
        out: dict[str, float] = {word: 1.0} if exact else {}

        def add(term: str, sim: float) -> None:
            if sim * bias > out.get(term, 0.0):
                out[term] = sim * bias

        # The base has the stem, the person typed a suffix: "субсидиялар" -> "субсидия".
        for k in range(_MIN_STEM, n):
            stem = word[:k]
            if stem in vocab and (k > _MIN_STEM or n - k <= 3):
                add(stem, max(0.75, 1.0 - 0.04 * (n - k)))
        # The person typed the stem, the base has a suffix: "алма" -> "алмаға".
        if n >= _MIN_STEM:
            for term in self._prefixes.get(word[: _PREFIX_KEYS[-1]], ()):
                extra = len(term) - n
                if extra > 0 and term.startswith(word) and (n > _MIN_STEM or extra <= 2):
                    add(term, max(0.7, 1.0 - 0.04 * extra))
        # Both inflected: "субсидию" -> "субсидиями".
        if n > _SHARED_STEM:
            for term in self._prefixes.get(word[:_SHARED_STEM], ()):
                shared = _common_prefix(word, term)
                if shared < min(n, len(term)) and shared >= min(n, len(term)) - 3:
                    add(term, min(0.9, 0.55 + 0.4 * shared / max(n, len(term))))
        # One typo: "субсидя", "тарктор".
        if not exact and n >= _TYPO_MIN:
            candidates = set(self._deletes.get(word, ()))
            for variant in _deletions(word):
                if variant in vocab:
                    candidates.add(variant)
                candidates.update(self._deletes.get(variant, ()))
            for term in candidates:
                if _one_edit(word, term):
                    add(term, 0.75)
        return out

    def _word(
        self, word: str, postings: dict[str, _Postings]
    ) -> tuple[float, dict[int, float], dict[int, float]]:
        """Return a query word's idf, its BM25 score and its answer quality in each entry.

        All the terms a word may stand for count as one term, like a stem: their frequencies
        add up (scaled by similarity) and the word's idf comes from every entry that has any.
        """
        k1 = self.config.k1
        freq: dict[int, float] = {}
        answer: dict[int, float] = {}
        presence: dict[int, float] = {}
        for term, sim in self.expand(word):
            for number, tfw, quality in postings[term]:
                freq[number] = freq.get(number, 0.0) + sim * tfw
                if sim * quality > answer.get(number, 0.0):
                    answer[number] = sim * quality
                if sim > presence.get(number, 0.0):
                    presence[number] = sim
        if not freq:
            return 0.0, {}, {}
        idf = self.idf(sum(presence.values()))
        scores = {number: idf * tf * (k1 + 1) / (k1 + tf) for number, tf in freq.items()}
        return idf, scores, answer

    def search(
        self, words: list[str], *, lang: str | None, audience: str | None, limit: int
    ) -> list[tuple[int, float]]:
        """Return (entry number, score) of the confident matches for the query `words`."""
        cfg = self.config
        postings = self._postings[lang if lang in LANGS else None]
        scores: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        total = 0.0
        for word in dict.fromkeys(words):
            idf, word_scores, answer = self._word(word, postings)
            if not word_scores:
                total += cfg.unknown_word * self.idf(0)
                continue
            total += idf
            for number, score in word_scores.items():
                scores[number] += score
            for number, quality in answer.items():
                covered[number] += idf * quality
        if not scores or total <= 0:
            return []
        ranked: list[tuple[int, float]] = []
        for number, score in scores.items():
            if covered[number] / total < cfg.min_coverage:
                continue
            if audience is not None and audience in self.entries[number].audiences:
                score *= cfg.audience_boost
            if score >= cfg.min_score:
                ranked.append((number, score))
        if not ranked:
            return []
        ranked.sort(key=lambda item: (-item[1], item[0]))
        top = ranked[0][1]
        return [item for item in ranked if item[1] >= cfg.relative * top][:limit]

    def explain(self, words: list[str], *, lang: str | None = None) -> dict[str, object]:
        """Return the raw figures behind a query, for calibration and debugging."""
        postings = self._postings[lang if lang in LANGS else None]
        rows: dict[str, object] = {}
        for word in dict.fromkeys(words):
            idf, scores, answer = self._word(word, postings)
            best = sorted(scores.items(), key=lambda item: -item[1])[:5]
            rows[word] = {
                "idf": round(idf, 3),
                "terms": {term: (round(sim, 3), self._df[term]) for term, sim in self.expand(word)},
                "best": [(self.entries[n].id, round(s, 2), round(answer[n], 2)) for n, s in best],
            }
        return rows
