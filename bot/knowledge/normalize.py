"""Reduce Kazakh, Russian and English text, in any script people type, to one Latin skeleton."""

from __future__ import annotations

import re
import unicodedata

# Cyrillic (Kazakh and Russian) and the special letters of Kazakh Latin alphabets, to a lossy
# Latin skeleton: the Kazakh letter, the Russian letter people type in its place and the
# Latin letters of 2021 (and of the earlier drafts) all become the same thing.
# fmt: off
_LETTERS = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k",
    "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "h", "һ": "h",
    "ц": "s", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e",
    "ю": "iu", "я": "ia", "є": "e", "ї": "i", "ґ": "g", "ў": "u",
    # Latin letters whose accent carries a sound of its own, or that have no decomposition.
    "ş": "sh", "ç": "ch", "ı": "i", "ə": "a", "ɵ": "o", "ß": "ss", "œ": "oe", "æ": "ae",
    # Apostrophes of informal Latin (o' for ө, g' for ғ) vanish without splitting the word.
    "'": "", "’": "", "‘": "", "`": "", "ʼ": "", "ʻ": "", "´": "",
}
# fmt: on
_TABLE = str.maketrans(_LETTERS)
_LATIN_ONLY = str.maketrans({k: v for k, v in _LETTERS.items() if not "\u0400" <= k <= "\u04ff"})

# Latin spellings that mean the same sound as the skeleton's, applied after the table above.
_LATIN = (
    (re.compile(r"shch"), "sh"),  # Russian transliteration of щ
    (re.compile(r"kh"), "h"),  # Russian transliteration of х
    (re.compile(r"ph"), "f"),
    (re.compile(r"gh"), "g"),  # informal Latin for ғ
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"q"), "k"),  # Kazakh Latin for қ
    (re.compile(r"w"), "u"),  # informal Latin for у
    (re.compile(r"j"), "zh"),  # Kazakh Latin for ж
    (re.compile(r"y"), "i"),  # Kazakh Latin for ы; also English y, the я/ю of transliteration
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_RAW_WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_REPEATS = re.compile(r"([a-np-z])\1+")  # not "oo": "ТОО", "ООО" and "кооператив" keep it


def normalize(text: str) -> str:
    """Return the lossy Latin skeleton of `text`: lowercase words split by single spaces."""
    text = unicodedata.normalize("NFD", text.casefold().translate(_LATIN_ONLY))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Latin spellings first, so that the Latin the table makes of Cyrillic ("кх" -> "kh") stays.
    for pattern, replacement in _LATIN:
        text = pattern.sub(replacement, text)
    text = text.translate(_TABLE).replace("ts", "s")
    text = _NOT_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


def scripted_words(text: str) -> list[tuple[str, bool]]:
    """Return the normalised words of `text`, each with whether it was typed in Cyrillic."""
    return [
        (word, bool(_CYRILLIC.search(raw)))
        for raw in _RAW_WORD.findall(text)
        for word in normalize(raw).split()
    ]


def raw_words(text: str) -> list[tuple[str, str, bool]]:
    """Return (the word as typed, its normalised form, typed in Cyrillic) for each word."""
    return [
        (raw, word, bool(_CYRILLIC.search(raw)))
        for raw in _RAW_WORD.findall(text)
        for word in normalize(raw).split()
    ]
