"""Match a typed word to the words of the base: inflected forms, shared stems and typos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

# Endings of Kazakh, Russian and English words, as they look in the normalised skeleton
# (ы/і -> i, ә -> a, ғ -> g, қ -> k, ң -> n, ұ/ү -> u). Two words that share a short stem
# (3-4 letters) only match when what follows the stem in each is one of these, so that
# "құру" meets "құра" (both "create") but "картоп" (potato) does not meet "карта" (map).
SUFFIXES = frozenset(
    """
    a e i o u n m p r s t
    ga ge ka ke na ne da de ta te di ti ni in im iz si ip ar er ir ma me ba be pa pe sa se
    lar ler dar der tar ter nin din tin nda nde dan den tan ten nan nen men ben pen
    miz niz imiz iniz sin siz min imin adi edi idi gan gen kan ken mak mek sam sem atin etin
    itin ush ushi shi lik dik tik li gi ki uga uge uda ude udi uin uh amin emin amiz emiz asiz
    esiz aidi eidi ati eti ala ele ap ep dim tim gim gisi
    larga lerge darga derge larda lerde lardan lerden lardi lerdi larin lerin larinin lerinin
    dagi degi tagi tegi ndagi ndegi sina sine ina ine inda inde sinda sinde imen simen
    ia iu ie ii oi ei om em am iam ami iami ah iah ov ev ih imi ogo ego omu emu aia oe ee
    at iat it et ut iut ete ite aet aiut la li lo sia tsia enie enia eniu anie ania aniu
    es ed ing er ers ion ions ly ment
    """.split()
)

_MIN_STEM = 3  # shortest stem two words may share
_LONG_STEM = 5  # from this length on, two forms may share a stem and differ in any ending
_FREE_STEM = 7  # from this length on, one word may be the other plus any ending
_PREFIX_KEYS = range(_MIN_STEM, 9)  # prefix lengths kept in the prefix table
_TYPO_MIN = 6  # shortest typed word that may match with one typo
STEM_SIM = 0.8  # how surely two different words that share a stem are forms of one word
_MEMO_SIZE = 20_000


def one_edit(a: str, b: str) -> bool:
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


def deletions(word: str) -> set[str]:
    """Return `word` with one letter left out, at each position."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def common_prefix(a: str, b: str) -> int:
    """Return the length of the longest common prefix of `a` and `b`."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def is_ending(rest: str, *, chains: bool = True) -> bool:
    """Tell whether `rest` is one of SUFFIXES or, with `chains`, a chain of them."""
    # A chain is two or three suffixes of two letters or more each: "алма-лар-ымыз-ға".
    return rest in SUFFIXES or (chains and _chain(rest, 3))


def _chain(rest: str, pieces: int) -> bool:
    """Tell whether `rest` splits into at most `pieces` suffixes of two letters or more."""
    if rest in SUFFIXES and len(rest) >= 2:
        return True
    if pieces <= 1:
        return False
    return any(
        rest[:i] in SUFFIXES and _chain(rest[i:], pieces - 1) for i in range(2, len(rest) - 1)
    )


def similarity(word: str, term: str) -> float:
    """Return how surely `word` and `term` are forms of one word (0 when they are not)."""
    if word == term:
        return 1.0
    shared = common_prefix(word, term)
    if shared < _MIN_STEM:
        return 0.0
    short, long_ = sorted((len(word), len(term)))
    rest = (word[shared:], term[shared:])
    if shared == short:  # one is the other plus an ending
        if shared >= _FREE_STEM or (shared >= _LONG_STEM and is_ending(rest[0] or rest[1])):
            return max(0.7, 1.0 - 0.03 * (long_ - short))
        chains = shared > _MIN_STEM  # after a three-letter stem, one suffix only
        ending = rest[0] or rest[1]
        return (0.65 if shared == _MIN_STEM else 0.85) if is_ending(ending, chains=chains) else 0.0
    if all(is_ending(r, chains=shared > _MIN_STEM) for r in rest):  # one stem, two endings
        return 0.6 if shared == _MIN_STEM else 0.8 if shared < _LONG_STEM else 0.85
    if shared >= _LONG_STEM and shared >= short - 3:
        return 0.6 + 0.25 * shared / long_
    return 0.0


def typo_similarity(word: str) -> float:
    """Return the similarity of a one-typo match for a typed word: less for short words."""
    return 0.55 if len(word) <= 6 else 0.65 if len(word) == 7 else 0.7


class Vocabulary:
    """The normalised words of the base, with tables to find the forms of a typed word fast."""

    def __init__(
        self,
        terms: Iterable[str],
        *,
        english_only: Iterable[str] = (),
        stems: Mapping[str, Iterable[str]] | None = None,
        exact_bias: float,
    ) -> None:
        """Index `terms` by prefix, by one-letter deletions and by their stems."""
        # `english_only` are the terms found only in English text: a word typed in Cyrillic may
        # be the same word ("бизнес"), never an inflected form or a typo of one ("такси": "tax").
        self.terms = frozenset(terms)
        self.english_only = frozenset(english_only)
        self.exact_bias = exact_bias
        self._prefixes: dict[str, list[str]] = defaultdict(list)
        self._deletes: dict[str, list[str]] = defaultdict(list)
        for term in sorted(self.terms):
            for k in _PREFIX_KEYS:
                if len(term) >= k:
                    self._prefixes[term[:k]].append(term)
            if len(term) >= _TYPO_MIN - 1:
                for variant in deletions(term):
                    self._deletes[variant].append(term)
        # A term is found by its own stems and by itself: a typed form stems to the bare word.
        self._stems: dict[str, set[str]] = defaultdict(set)
        for term in self.terms:
            self._stems[term].add(term)
        for term, keys in (stems or {}).items():
            for key in keys:
                self._stems[key].add(term)
        self._memo: dict[tuple[str, bool, tuple[str, ...]], tuple[tuple[str, float], ...]] = {}

    def __contains__(self, term: object) -> bool:
        """Tell whether `term` is a word of the base."""
        return term in self.terms

    def expand(
        self, word: str, cyrillic: bool = False, stems: tuple[str, ...] = ()
    ) -> tuple[tuple[str, float], ...]:
        """Return the terms `word` may stand for, each with a similarity in (0, 1], best first."""
        key = (word, cyrillic, stems)
        found = self._memo.get(key)
        if found is None:
            matches = self._match(word)
            bias = self.exact_bias if word in self.terms else 1.0
            for stem in (word, *stems):
                for term in self._stems.get(stem, ()):
                    if term != word and STEM_SIM * bias > matches.get(term, 0.0):
                        matches[term] = STEM_SIM * bias
            if cyrillic:
                matches = {
                    t: sim for t, sim in matches.items() if t == word or t not in self.english_only
                }
            found = tuple(sorted(matches.items(), key=lambda item: (-item[1], item[0])))
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _match(self, word: str) -> dict[str, float]:
        """Match `word` to terms: as it is, inflected either way, and with one typo."""
        exact = word in self.terms
        out: dict[str, float] = {word: 1.0} if exact else {}
        bias = self.exact_bias if exact else 1.0
        if len(word) < _MIN_STEM:
            return out
        # Only the prefix buckets where `similarity` can find a match: a short shared stem
        # must be followed by an ending in the typed word too.
        candidates: set[str] = set()
        for size in range(_MIN_STEM, _LONG_STEM):
            if size <= len(word) and (size == len(word) or is_ending(word[size:])):
                candidates.update(self._prefixes.get(word[:size], ()))
        if len(word) >= _LONG_STEM:
            candidates.update(self._prefixes.get(word[:_LONG_STEM], ()))
        candidates.discard(word)
        for term in candidates:
            sim = similarity(word, term) * bias
            if sim > 0:
                out[term] = sim
        if not exact and len(word) >= _TYPO_MIN:
            sim = typo_similarity(word)
            typos = set(self._deletes.get(word, ()))
            for variant in deletions(word):
                if variant in self.terms:
                    typos.add(variant)
                typos.update(self._deletes.get(variant, ()))
            for term in typos:
                if sim > out.get(term, 0.0) and one_edit(word, term):
                    out[term] = sim
        return out
