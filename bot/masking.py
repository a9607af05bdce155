"""Mask what could identify a person in free text before it is kept without its author.

Used where words people typed are stored with no person attached (the searches that found
nothing): such a row cannot be found and erased by `/forget`, so whatever could point to
someone must be gone before it is written.

Masked, as `#` for numbers and `***` for names:
- phone numbers however written (`+7 701 555 12 34`, `8 (701) 555-12-34`, `8.701.555.12.34`),
  and any other run of four digits or more (ID numbers, card numbers);
- e-mail addresses and `@usernames`;
- personal names: a word with a patronymic ending (-ович, -овна, -ұлы, -қызы, -uly, ...), a
  common given name with a capital or beside a surname, a capitalised surname (-ов, -ева,
  -ин, -ский, ...) beside another name or inside a sentence, and the words after "my name is",
  "меня зовут", "менің атым" and the like.

Names are recognised on the normalised skeleton of each word (see `bot.knowledge.normalize`),
so Kazakh, Russian and Latin spellings are treated alike. This is a heuristic: it prefers
masking an ordinary word now and then to keeping a person's name.
"""

from __future__ import annotations

import re

from bot.knowledge import normalize

NUMBER_MASK = "#"
NAME_MASK = "***"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@\w{3,}")
# A run of digits, perhaps split by spaces, dashes, dots, slashes or brackets, with a "+" ahead.
_DIGITS = re.compile(r"\+?\(?\d(?:[\d\s().\-/]*\d)?\)?")
_LONG = 4  # digits in one run that make it a number to mask
_PHONE = 6  # digits in a split run that make it a phone (or ID) number
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`-][^\W\d_]+)*")

# Endings in the normalised skeleton (ұлы -> uli, қызы -> kizi, ович -> ovich).
# Russian names are declined: Иванову, Петровым, Сергеевичу, Ивановной.
_PATRONYMIC = re.compile(r"..(?:(?:ovich|evich)(?:a|u|em|e)?|(?:ovn|evn|ichn)(?:a|i|e|u|oi|oiu))$")
# Kazakh patronymics (Серікұлы, Нұрланқызы) end like everyday words (жабулы, қосулы): with a
# capital only, or beside another name.
_KAZAKH_PATRONYMIC = re.compile(r"...(?:uli|kizi)$")
_SURNAME = re.compile(
    r"...(?:(?:ov|ev|in)(?:a|u|im|e|oi|oiu|ikh|imi)?|sk(?:ii|i|ogo|omu|im|om|aia|oi|uiu)|enko|iuk|uk)$"
)
# Common given names, in the skeleton (Kazakh, Russian and their Latin spellings meet there).
# Names that are also everyday words (Алма "apple", Бақыт, Гүл, Нұр, Ерік, Жан) are left out.
_GIVEN = frozenset(
    normalize(name)
    for name in """
    abai abdulla adil adilet aibek aida aidana aidar aidos aigerim aigul aiia aikerim ainur
    aisulu aizhan akbota akerke aliia alibek alikhan alikhan alina alisher almas altinai
    amir amina anar anara ansar arman arailim aruzhan asel asem asilbek askar asset asiet
    ailin bakitzhan balzhan batirkhan bauirzhan beibit berik bekzat daniiar dariga daulet
    dauren diana dias dilnaz dimash dina erbol erden erzhan ergali erlan ermek ernar esbol
    gaukhar gulmira gulnar gulnara gulzhan ilias inkar kairat kamila kanat karina kuanish
    laura madina makhabbat malika marat meiram mukhtar nazerke nazira nurbek nurlan
    nursultan nurzhan olzhas rauan rustam sabina samal sanzhar saule serik sholpan sultan
    symbat talgat temirlan timur togzhan tolkin ulan ulzhan zarina zhandos zhanar zhanna
    zhansaia zhasulan zhuldiz
    aleksandr aleksei anatolii andrei anna anton artem boris daria denis dmitrii ekaterina
    elena evgenii galina igor irina ivan kirill konstantin liudmila maksim margarita maria
    mariia mikhail natalia natalia nikolai oleg olga pavel roman sergei svetlana tatiana
    valentina valerii vera viktor vladimir iulia iurii
    """.split()
)
# Words that introduce a name; the name's words follow them.
_INTRODUCERS = (
    ("menia", "zovut"),
    ("moe", "imia"),
    ("moia", "familiia"),
    ("my", "name", "is"),
    ("name", "is"),
    ("menin", "atim"),
    ("atim",),
    ("esimim",),
    ("tegim",),
    ("familiia",),
    ("fio",),
)
_SENTENCE_END = re.compile(r"[.!?…]\s*$")


def _mask_numbers(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        run = match.group()
        digits = sum(ch.isdigit() for ch in run)
        longest = max(len(part) for part in re.findall(r"\d+", run))
        if longest >= _LONG or digits >= _PHONE:
            return NUMBER_MASK
        return run

    return _DIGITS.sub(replace, text)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _name_words(text: str) -> list[tuple[int, int]]:
    """Return the spans of the words of `text` that look like part of a person's name."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    skeletons = [normalize(word).replace(" ", "") for _start, _end, word in words]
    count = len(words)

    def sentence_start(index: int) -> bool:
        start = words[index][0]
        return index == 0 or bool(_SENTENCE_END.search(text[:start]))

    def given(i: int) -> bool:
        return 0 <= i < count and skeletons[i] in _GIVEN

    def patronymic(i: int) -> bool:
        if not 0 <= i < count:
            return False
        if _PATRONYMIC.search(skeletons[i]):
            return True
        return bool(_KAZAKH_PATRONYMIC.search(skeletons[i])) and (
            (capital(i) and not sentence_start(i)) or given(i - 1) or surname(i - 1)
        )

    def surname(i: int) -> bool:
        return 0 <= i < count and bool(_SURNAME.search(skeletons[i]))

    def capital(i: int) -> bool:
        return 0 <= i < count and _capitalised(words[i][2])

    def namelike(i: int) -> bool:
        return given(i) or patronymic(i) or (surname(i) and capital(i))

    masked: set[int] = set()
    for i in range(count):
        if patronymic(i):
            masked.add(i)
        elif given(i) and (capital(i) or surname(i - 1) or surname(i + 1) or given(i + 1)):
            masked.add(i)
        elif surname(i) and (given(i - 1) or given(i + 1) or patronymic(i + 1)):
            masked.add(i)
        elif surname(i) and capital(i):
            neighbour = (capital(i - 1) and not sentence_start(i - 1)) or capital(i + 1)
            if not sentence_start(i) or neighbour:
                masked.add(i)
    # A capitalised word right beside a masked name is part of it ("Айгерим Тлеуберген").
    grown = True
    while grown:
        grown = False
        for i in sorted(masked):
            for j in (i - 1, i + 1):
                if j in masked or not capital(j):
                    continue
                if j > i or not sentence_start(j) or namelike(j):
                    masked.add(j)
                    grown = True
    # The words after "my name is" and the like, up to three, while they are not ordinary words.
    for i in range(count):
        for phrase in _INTRODUCERS:
            if tuple(skeletons[i : i + len(phrase)]) != phrase:
                continue
            after = i + len(phrase)
            for j in range(after, min(after + 3, count)):
                if j > after and not (capital(j) or namelike(j) or surname(j)):
                    break
                masked.add(j)
    return [(words[i][0], words[i][1]) for i in sorted(masked)]


def mask_personal(text: str) -> str:
    """Return `text` with numbers, addresses and personal names masked."""
    text = _EMAIL.sub(NAME_MASK, text)
    text = _HANDLE.sub(NAME_MASK, text)
    text = _mask_numbers(text)
    spans = _name_words(text)
    for start, end in reversed(spans):
        text = text[:start] + NAME_MASK + text[end:]
    # Neighbouring masks say no more than one: "*** *** ***" -> "***".
    text = re.sub(r"\*\*\*(?:[\s,]*\*\*\*)+", NAME_MASK, text)
    return text
