"""Stems of Kazakh, Russian and English words, so that the forms of one word meet in search.

Kazakh has no stemmer in Snowball, and people type it in three ways (proper Cyrillic, Russian
letters only, Latin). So Kazakh is stemmed by a small suffix stripper that works on the lossy
Latin skeleton of `normalize`, where the three spellings are already the same word: "сиырыма",
"сиырыма" typed with Russian letters and "siyrymа" in Latin all lose their endings to "siir".
Russian and English are stemmed by Snowball (PyStemmer's C build when it is installed).
A word gets every stem that may apply; the search index matches words that share one.
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

from bot.knowledge.normalize import normalize

# Kazakh endings as the skeleton spells them (ы/і -> i, ә -> a, ғ -> g, қ -> k, ң -> n,
# ұ/ү/у -> u): case, possessive, plural, person, and the common verb forms. Stripped from
# the end, longest first, a few times over: "жұмыссыз-бын" -> "жұмыс-сыз" -> "жұмыс".
# fmt: off
_KK_ENDINGS = tuple(sorted(set("""
    lar ler dar der tar ter
    nin din tin
    ga ge ka ke na ne
    da de ta te nda nde
    dan den tan ten nan nen ndan nden
    ni di ti
    men ben pen imen
    im in imiz iniz miz niz si sin siz
    min bin pin mun biz piz
    lik dik tik shi
    u uga uge udi uda ude ushi
    gan gen kan ken atin etin itin ip
    mak mek bak bek pak pek makpin mekpin
    gim kim gisi kisi gimiz kimiz
    sa se sam sem sak sek
    dim tim dik tik di ti adi edi idi aidi eidi
    amin emin imin aiin eiin iniz ingiz iniz
    a e i
""".split()), key=lambda ending: (-len(ending), ending)))
# fmt: on
_KK_MIN_STEM = 3  # a stem keeps at least this many letters of the skeleton
_KK_ROUNDS = 3  # at most this many endings come off one word

# Endings of a Kazakh verb said by the person ("салдырамын", "сатсам", "алғым"): a word the
# base does not know but that ends so is how they ask, not what they ask about.
_KK_VERB_ENDINGS = tuple(
    "amin emin imin min miz aiin eiin aiik eiik dim tim dik tik gim kim gimiz kimiz gisi kisi"
    " sam sem sak sek makpin mekpin pakpin pekpin makpiz mekpiz iniz ingiz iniziz"
    " adi edi aidi eidi ipti ipti".split()
)

_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")


def kazakh_stem(word: str) -> str:
    """Return `word` (a normalised skeleton) without its Kazakh endings."""
    for _ in range(_KK_ROUNDS):
        for ending in _KK_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= _KK_MIN_STEM:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


@lru_cache(maxsize=50_000)
def stems(raw: str) -> tuple[str, ...]:
    """Return the stems of one typed word, as skeletons; empty when it has none of its own."""
    word = normalize(raw)
    if not word or " " in word:
        return ()
    found = {kazakh_stem(word)}
    lowered = raw.casefold()
    if any("\u0400" <= ch <= "\u04ff" for ch in lowered):
        found.add(normalize(_RUSSIAN.stemWord(lowered)))
    else:
        found.add(normalize(_ENGLISH.stemWord(lowered)))
    found.discard(word)
    return tuple(sorted(stem for stem in found if len(stem) >= _KK_MIN_STEM))


def kazakh_verb(word: str) -> bool:
    """Tell whether a normalised word ends like a Kazakh verb the person says of themselves."""
    return len(word) >= 5 and word.endswith(_KK_VERB_ENDINGS)
