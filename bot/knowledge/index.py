"""An in-memory BM25F index over normalised words, forgiving of inflections and typos."""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.knowledge.lexicon import CONCEPTS, find_concepts
from bot.knowledge.model import LANGS, Entry, Provider, Text, TextList
from bot.knowledge.normalize import normalize, raw_words, scripted_words
from bot.knowledge.stem import kazakh_verb, stems
from bot.knowledge.stopwords import STOP_WORDS, STOP_WORDS_CYRILLIC
from bot.knowledge.words import Vocabulary


@dataclass(frozen=True)
class SearchConfig:
    """The weights and thresholds of search, calibrated on the labelled query set."""

    k1: float = 2.0
    idf_power: float = 0.7  # below 1, rare words dominate a query less
    # field: (weight, length normalisation b, how strongly a match there answers the query)
    fields: tuple[tuple[str, float, float, float], ...] = (
        ("title", 3.0, 0.5, 1.0),
        ("keywords", 3.0, 0.5, 1.0),
        ("summary", 1.0, 0.75, 0.8),
        ("body", 0.5, 0.75, 0.6),
        ("extra", 0.3, 0.75, 0.4),
    )
    other_language: float = 0.85  # weight of text in a language other than the person's
    audience_boost: float = 1.1  # score factor for entries meant for the person's audience
    unknown_word: float = 1.3  # weight of a word found nowhere, as a share of a one-entry idf
    unknown_cap: float = 1.3  # ... and all of them in a run of words, at most this much
    unknown_verb: float = 0.3  # ... and of an unknown word that ends like a Kazakh verb
    min_score: float = 1.6  # a hit needs this score, in rare words (idf of a one-entry word)...
    min_score_whole: float = 0.45  # ... or this, when it answers the whole of the query ("job")
    whole: float = 0.99  # the share of a run of words that counts as the whole
    min_coverage: float = 0.4  # ... and to answer this share of the query's weight ...
    window: int = 6  # ... in the best run of this many words: the rest of a story is context
    strong_answer: float = 0.0  # a word answers only this surely or more: no sum of weak hints
    min_answer: float = 0.72  # ... and to answer one word at least this surely
    weak_word: float = 1.0  # how much less a word counts when no entry answers it surely
    answer_power: float = 2.0  # how much less inexact matches (inflections, typos) count there
    relative: float = 0.3  # further hits need this share of the best hit's score
    exact_bias: float = 0.85  # inflection and typo matches of a word the base knows as it is
    title_boost: float = 0.5  # score factor 1 + this x the share of a title the query says
    concept: float = 0.9  # how surely a word that says a concept stands for the base's words
    confident_score: float = 2.9  # a first hit this strong (in rare words) ...
    confident_margin: float = 0.8  # ... with the next below this share of it is a clear answer
    phrase_boost: float = 0.3  # ... + this when the query says a whole keyword phrase


def _meaningful(word: str, cyrillic: bool) -> bool:
    """Tell whether a normalised word may carry meaning: no stop word, no stray letter."""
    if word in (STOP_WORDS_CYRILLIC if cyrillic else STOP_WORDS):
        return False
    return len(word) >= 3 if word.isdigit() else len(word) >= 2


def tokens(text: str) -> list[str]:
    """Return the normalised words of `text` that can carry meaning."""
    return [word for word, cyrillic in scripted_words(text) if _meaningful(word, cyrillic)]


# A word of a query: its normalised form, whether it was typed in Cyrillic, and its stems.
Word = tuple[str, bool, tuple[str, ...]]


def words_of(text: str) -> list[Word]:
    """Return the words of `text` that can carry meaning, with their stems."""
    return [
        (word, cyrillic, stems(raw))
        for raw, word, cyrillic in raw_words(text)
        if _meaningful(word, cyrillic)
    ]


def _texts(value: Text | TextList | None, lang: str) -> Iterator[str]:
    """Yield the strings of one language of a text or text list (nothing for None)."""
    if isinstance(value, Text):
        yield value.get(lang)
    elif isinstance(value, TextList):
        yield from value.get(lang)


def _entry_fields(
    entry: Entry, providers: Mapping[str, Provider], stem_map: dict[str, set[str]]
) -> dict[str, dict[str, list[str]]]:
    """Return the words of `entry`, by field and by language; add their stems to `stem_map`."""
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
    fields: dict[str, dict[str, list[str]]] = {}
    for field, values in sources.items():
        fields[field] = {}
        for lang in LANGS:
            found = [w for v in values for t in _texts(v, lang) for w in words_of(t)]
            for word, _, word_stems in found:
                stem_map[word].update(word_stems)
            fields[field][lang] = [word for word, _, _ in found]
    return fields


_MAX_WORDS = 40  # a long message is judged on its first words: search stays fast
_MEMO_SIZE = 20_000  # words whose figures are kept
_PHRASE_SIM = 0.7  # how close a typed word must be to a word of a phrase to say it

# Postings of one term: (entry number, weighted term frequency, answer quality) per entry.
_Postings = tuple[tuple[int, float, float], ...]


def _best_window(
    covered: Sequence[float], weights: Sequence[float], unknown: Sequence[float], cfg: SearchConfig
) -> float:
    """Return the largest share of the query's weight that a run of words answers."""
    # A message that tells a story says its need in a few words ("my cow fell sick") and
    # the rest is context (a village, an age, three children): judge the need where it is said.
    # Words the base does not know weigh against a match, up to a cap: a brick factory and
    # two kids around "I lost my job" do not make it a question about something else.
    if not covered:
        return 0.0
    best = 0.0
    size = cfg.window
    for start in range(max(len(weights) - size, 0) + 1):
        stop = start + size
        answered = sum(covered[start:stop])
        if answered <= 0:
            continue
        weight = sum(weights[start:stop]) + min(sum(unknown[start:stop]), cfg.unknown_cap)
        best = max(best, answered / weight)
    return best


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
        stem_map: dict[str, set[str]] = defaultdict(set)
        docs = [_entry_fields(entry, providers, stem_map) for entry in entries]
        # The words of each title, per language: a query that says most of them asks that.
        self._titles = tuple(
            tuple(frozenset(doc["title"][lang]) for lang in LANGS if doc["title"][lang])
            for doc in docs
        )
        # Keyword phrases of two words or more, stop words included ("жұмысшы керек").
        self._phrases = tuple(
            tuple(
                dict.fromkeys(
                    tuple(words)
                    for lang in LANGS
                    for keyword in entry.keywords.get(lang)
                    if len(words := normalize(keyword).split()) >= 2
                    and any(_meaningful(w, cyrillic=False) for w in words)
                )
            )
            for entry in entries
        )
        self._df, self._postings = self._weigh(docs)
        self._count = len(entries)
        # Each word's figures, by word, concepts and language hint (see `_word`).
        self._memo: dict[
            tuple[Word, tuple[str, ...], int], tuple[float, dict[int, float], dict[int, float]]
        ] = {}
        english = {w for doc in docs for field in doc.values() for w in field["en"]}
        other = {
            w
            for doc in docs
            for field in doc.values()
            for lang in ("kk", "ru")
            for w in field[lang]
        }
        self.vocabulary = Vocabulary(
            self._df,
            english_only=english - other,
            stems=stem_map,
            exact_bias=self.config.exact_bias,
        )
        # What each concept of the lexicon stands for in this base: the terms of its targets.
        self._concept_terms: dict[str, tuple[tuple[str, float], ...]] = {}
        for concept in CONCEPTS:
            terms: dict[str, float] = {}
            for target in concept.targets:
                for word in words_of(target):
                    for term, sim in self.vocabulary.expand(*word):
                        sim *= self.config.concept
                        if sim > terms.get(term, 0.0):
                            terms[term] = sim
            self._concept_terms[concept.name] = tuple(terms.items())

    def idf(self, df: float) -> float:
        """Return the BM25 inverse document frequency of a word found in `df` entries."""
        return math.pow(math.log(1 + (self._count - df + 0.5) / (df + 0.5)), self.config.idf_power)

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

    def _word(
        self, word: Word, postings: dict[str, _Postings], concepts: tuple[str, ...] = ()
    ) -> tuple[float, dict[int, float], dict[int, float]]:
        """Return a query word's idf, its BM25 score and its answer quality in each entry."""
        key = (word, concepts, id(postings))
        found = self._memo.get(key)
        if found is None:
            found = self._score_word(word, postings, concepts)
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _score_word(
        self, word: Word, postings: dict[str, _Postings], concepts: tuple[str, ...]
    ) -> tuple[float, dict[int, float], dict[int, float]]:
        """Compute what `_word` returns (words recur across messages: it is memoised)."""
        # All the terms a word may stand for count as one term, like a stem: their frequencies
        # add up (scaled by similarity) and the word's idf comes from every entry that has any.
        # The targets of the concepts the word says count as forms of it.
        k1, power = self.config.k1, self.config.answer_power
        freq: dict[int, float] = {}
        answer: dict[int, float] = {}
        presence: dict[int, float] = {}
        own = {term for term, _ in self.vocabulary.expand(*word)}
        for term, sim in self._expand(word, concepts):
            for number, tfw, quality in postings[term]:
                freq[number] = freq.get(number, 0.0) + sim * tfw
                certainty = sim**power * quality
                if certainty > answer.get(number, 0.0):
                    answer[number] = certainty
                # How rare the word is comes from its own forms; a concept's broad targets
                # ("мал" for "понос") only when the base has no form of the word at all.
                if (term in own or not own) and sim > presence.get(number, 0.0):
                    presence[number] = sim
        if not freq:
            return 0.0, {}, {}
        idf = self.idf(sum(presence.values()))
        scores = {number: idf * tf * (k1 + 1) / (k1 + tf) for number, tf in freq.items()}
        return idf, scores, answer

    def _expand(self, word: Word, concepts: tuple[str, ...]) -> list[tuple[str, float]]:
        """Return the terms a query word stands for, with those of the concepts it says."""
        terms = dict(self.vocabulary.expand(*word))
        for name in concepts:
            for term, sim in self._concept_terms[name]:
                if sim > terms.get(term, 0.0):
                    terms[term] = sim
        return list(terms.items())

    def _read(self, typed: list[tuple[str, str, bool]]) -> list[tuple[Word, tuple[str, ...]]]:
        """Return the meaningful words of a query, each with the concepts it says."""
        # Concepts are found in every word, stop words included ("жұмыс жоқ": no job), and
        # belong to the first meaningful word of the phrase that says them; the phrase's
        # other meaningful words are part of the concept, not words of their own.
        typed = typed[: _MAX_WORDS * 2]
        concepts = find_concepts([word for _, word, _ in typed])
        said: dict[int, list[str]] = defaultdict(list)
        inside: set[int] = set()
        for position, (found, length) in concepts.items():
            span = [
                p
                for p in range(position, position + length)
                if _meaningful(typed[p][1], typed[p][2])
            ]
            if span:
                said[span[0]].extend(concept.name for concept in found)
                inside.update(span[1:])
        read: dict[Word, list[str]] = {}
        for position, (raw, word, cyrillic) in enumerate(typed):
            if position in inside or not _meaningful(word, cyrillic):
                continue
            key = (word, cyrillic, stems(raw))
            names = read.setdefault(key, [])
            names.extend(name for name in said.get(position, ()) if name not in names)
        return [(word, tuple(names)) for word, names in read.items()][:_MAX_WORDS]

    def search(
        self, query: str, *, lang: str | None, audience: str | None, limit: int
    ) -> list[tuple[int, float]]:
        """Return (entry number, score) of the confident matches for `query`, best first."""
        cfg = self.config
        typed = raw_words(query)
        read = self._read(typed)
        if not read or limit <= 0:
            return []
        words = [word for word, _ in read]
        postings = self._postings[lang if lang in LANGS else None]
        scores: dict[int, float] = defaultdict(float)
        # Per word, in order: its weight in the query and how much of it each entry answers.
        weights: list[float] = []
        unknowns: list[float] = []
        covered: dict[int, list[float]] = {}
        strongest: dict[int, float] = defaultdict(float)
        said: dict[str, float] = {word: 1.0 for _, word, _ in typed}  # stop words say phrases
        for position, (word, concepts) in enumerate(read):
            for term, sim in self._expand(word, concepts):
                if sim > said.get(term, 0.0):
                    said[term] = sim
            idf, word_scores, answer = self._word(word, postings, concepts)
            if not word_scores:
                unknown = cfg.unknown_verb if kazakh_verb(word[0]) else cfg.unknown_word
                weights.append(0.0)
                unknowns.append(unknown * self.idf(1))
                continue
            weights.append(idf * (1 - cfg.weak_word * (1 - max(answer.values()))))
            unknowns.append(0.0)
            for number, score in word_scores.items():
                scores[number] += score
            for number, quality in answer.items():
                if quality >= cfg.strong_answer:
                    covered.setdefault(number, [0.0] * len(words))[position] = idf * quality
                strongest[number] = max(strongest[number], quality)
        if sum(weights) <= 0:
            return []
        unknown_cap = cfg.unknown_cap * self.idf(1)
        window = dataclasses.replace(cfg, unknown_cap=unknown_cap)
        ranked: list[tuple[int, float]] = []
        # The boosts below at most multiply a score by `ceiling`: an entry whose score cannot
        # reach the threshold, or a share of the best found so far, is not judged at all.
        ceiling = cfg.audience_boost * (1 + cfg.title_boost + cfg.phrase_boost)
        min_score = cfg.min_score * self.idf(1)
        min_whole = cfg.min_score_whole * self.idf(1)
        best = 0.0
        for number, score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
            if score * ceiling < max(min_whole, cfg.relative * best):
                break
            if strongest[number] < cfg.min_answer:
                continue
            share = _best_window(covered.get(number, ()), weights, unknowns, window)
            if share < cfg.min_coverage or strongest[number] < cfg.min_answer:
                continue
            if audience is not None and audience in self.entries[number].audiences:
                score *= cfg.audience_boost
            score *= (
                1
                + cfg.title_boost * self._title_share(number, said)
                + cfg.phrase_boost * self._says_a_phrase(number, said)
            )
            # A weak match that leaves part of the message unanswered is a guess; a weak one
            # that answers all of it is a short, general question ("job"): offer it.
            if score >= (min_whole if share >= cfg.whole else min_score):
                ranked.append((number, score))
                best = max(best, score)
        if not ranked:
            return []
        ranked.sort(key=lambda item: (-item[1], item[0]))
        top = ranked[0][1]
        return [item for item in ranked if item[1] >= cfg.relative * top][:limit]

    def _title_share(self, number: int, said: dict[str, float]) -> float:
        """Return the largest share of an entry's title (in any language) the query says."""
        return max(
            (sum(said.get(t, 0.0) for t in title) / len(title) for title in self._titles[number]),
            default=0.0,
        )

    def _says_a_phrase(self, number: int, said: dict[str, float]) -> bool:
        """Tell whether the query says one of the entry's keyword phrases of two words or more."""
        return any(
            all(said.get(t, 0.0) >= _PHRASE_SIM for t in phrase) for phrase in self._phrases[number]
        )

    def explain(self, query: str, *, lang: str | None = None) -> dict[str, object]:
        """Return the raw figures behind a query, word by word, for calibration and debugging."""
        postings = self._postings[lang if lang in LANGS else None]
        rows: dict[str, object] = {}
        for word, concepts in self._read(raw_words(query)):
            idf, scores, answer = self._word(word, postings, concepts)
            best = sorted(scores.items(), key=lambda item: -item[1])[:5]
            rows[word[0]] = {
                "idf": round(idf, 3),
                "terms": {
                    term: (round(sim, 3), self._df[term])
                    for term, sim in self._expand(word, concepts)
                },
                "concepts": list(concepts),
                "best": [(self.entries[n].id, round(s, 2), round(answer[n], 2)) for n, s in best],
            }
        return rows
