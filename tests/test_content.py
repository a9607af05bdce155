"""The content stays true to the style guide: names, abbreviations, scripts, lengths, deadlines.

Each check is a small function that returns the problems it finds, so that every one is shown to
catch a planted mistake (the `*_catches_*` tests) as well as to pass on the real content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
LOCALES = ROOT / "locales"
LANGS = ("kk", "ru", "en")

# A title is a button label: a cheap phone shows about this many characters on a full-width
# inline button before it cuts the label off.
TITLE_BUTTON_MAX = 55

# Every abbreviation a reader may not know, with the words that write it out (lowercase stems).
# An abbreviation must not come before its full form in the same entry (or interface string).
ABBREVIATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "kk": {
        "ХҚКО": ("халыққа қызмет көрсету орталығ",),
        "ЭЦҚ": ("электрондық цифрлық қолтаңба",),
        "ЖК": ("жеке кәсіпкер",),
        "ЖШС": ("жауапкершілігі шектеулі серіктестік",),
        "ШҚ": ("шаруа қожалығ", "шаруа немесе фермер қожалығ", "шаруа (фермер) қожалығ"),
        "АӘК": ("атаулы әлеуметтік көмек",),
        "МӘСҚ": ("мемлекеттік әлеуметтік сақтандыру қор",),
        "ЭҚЖЖ": ("экономикалық қызмет түрлерінің жалпы жіктеуіш",),
        "ЕАЭО": ("еуразиялық экономикалық одақ",),
        "ҰКП": ("ұлттық кәсіпкерлер палата",),
        "МӘМС": ("міндетті әлеуметтік медициналық сақтандыру",),
        "ЖҚШ": ("жеке қосалқы шаруашылық",),
        "ҚазҰАЗУ": ("қазақ ұлттық аграрлық зерттеу университет",),
        "МСАК": ("медициналық-санитариялық алғашқы көмек",),
    },
    "ru": {
        "ЦОН": ("обслуживания населения",),
        "ЭЦП": ("электронн", "цифров"),
        "ИП": ("индивидуальн",),
        "ТОО": ("товарищество с ограниченной ответственностью",),
        "КФХ": ("крестьянск",),
        "КХ": ("крестьянск",),
        "АСП": ("адресн",),
        "ГФСС": ("фонд социального страхования", "фонда социального страхования"),
        "ОКЭД": ("классификатор",),
        "ЕАЭС": ("евразийск",),
        "НПП": ("национальн",),
        "ОСМС": ("обязательн",),
        "ЛПХ": ("личное подсобное хозяйство", "личного подсобного хозяйства"),
        "КазНАИУ": (
            "национальный аграрный исследовательский",
            "национального аграрного исследовательского",
        ),
        "ПМСП": ("первичн",),
        "АПК": ("агропромышленн",),
        "ГСМ": ("горюче", "горючее и смазочн"),
    },
    "en": {
        "PSC": ("public service centre",),
        "EDS": ("digital signature",),
        "IE": ("individual entrepreneur",),
        "LLP": ("limited liability partnership",),
        "KFH": ("peasant", "farm enterprise"),
        "TSA": ("targeted social assistance",),
        "EAEU": ("eurasian economic union",),
        "KazNARU": ("kazakh national agrarian research university",),
        "SHI": ("social health insurance",),
    },
}

# The OSS's own name in Kazakh and Russian; the public service centre's nickname is never used
# for it (villagers know «Бір терезе» / «одно окно» as the ХҚКО / ЦОН and would go there).
PSC_NICKNAME = re.compile(r"бір терезе|одно[гм]?[оу]? окн|едино[ейм]? окн|единого окна", re.I)
PSC_NAMES = re.compile(r"ХҚКО|ЦОН|халыққа қызмет көрсету|обслуживания населения", re.I)
BARE_OSS = re.compile(r"\bOSS\b")

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# The Russian letter a Kazakh letter is replaced with on a Russian keyboard.
RUSSIAN_KEYBOARD = str.maketrans("әғқңөұүһі", "агкноуухи")
TAG = re.compile(r"</?[a-z]+>")
CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.I)
LATIN = re.compile(r"[a-z]", re.I)
WORD = re.compile(r"[^\s«»\"'(),.;:!?/—–]+")

MONTHS = (
    r"январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
)
CALENDAR_DATE = re.compile(
    rf"\b\d{{1,2}}\s*(?:-?(?:ші|шы|інші|ыншы))?\s*(?:{MONTHS})"
    rf"|\b(?:{MONTHS})[a-zа-яәғқңөұүһі]*\s+\d{{1,2}}\b"
    r"|\b\d{1,2}\.\d{1,2}(?:\.\d{2,4})?\b",
    re.I,
)

# Words whose Russian-letter spelling is a different, correct word in Kazakh.
LOANWORD_TWINS = frozenset({"болу"})  # "to be" beside "бөлу", "to divide"

TEXT_FIELDS = ("title", "summary", "details", "eligibility", "fees", "duration", "where")
LIST_FIELDS = ("steps", "documents")


# ---------------------------------------------------------------- reading the content


@cache
def entries() -> list[dict[str, Any]]:
    """Return every entry of the real knowledge base as written in the YAML files."""
    found: list[dict[str, Any]] = []
    for path in sorted((KNOWLEDGE / "entries").glob("*.yaml")):
        found.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["entries"])
    return found


@cache
def providers() -> list[dict[str, Any]]:
    """Return every provider as written in providers.yaml."""
    data = yaml.safe_load((KNOWLEDGE / "providers.yaml").read_text(encoding="utf-8"))
    return list(data["providers"])


def screen(entry: dict[str, Any], lang: str, *, with_title: bool = True) -> list[str]:
    """Return the texts a person reads on an entry's screen in `lang`, in the order shown.

    Without the title, for the abbreviation check: a title is a short button label, and the
    summary under it writes out what the title abbreviates.
    """
    texts = [entry[field][lang] for field in TEXT_FIELDS if field in entry]
    if not with_title:
        texts = texts[1:]
    for field in LIST_FIELDS:
        texts.extend(entry.get(field, {}).get(lang, []))
    texts.extend(item[lang] for item in entry.get("legal_basis", []))
    texts.extend(link["title"][lang] for link in entry.get("links", []))
    return texts


def provider_texts(provider: dict[str, Any], lang: str) -> list[str]:
    """Return a provider's texts in `lang`."""
    return [provider[field][lang] for field in ("name", "short_name", "description")]


@cache
def interface(lang: str) -> list[str]:
    """Return every translated interface string of `lang` (all plural forms)."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    found: list[str] = []
    for message in catalog:
        if not message.id:
            continue
        found.extend([message.string] if isinstance(message.string, str) else message.string)
    return found


def screens(lang: str) -> Iterator[tuple[str, list[str]]]:
    """Yield (where, texts) for every screen of `lang`: entries, providers, interface strings."""
    for entry in entries():
        yield f"entry {entry['id']}", screen(entry, lang, with_title=False)
    for provider in providers():
        yield f"provider {provider['id']}", provider_texts(provider, lang)
    for number, text in enumerate(interface(lang)):
        yield f"interface string {number}: {text[:40]!r}", [text]


# ---------------------------------------------------------------- the checks


def bare_oss(texts: list[str]) -> list[str]:
    """Return texts that call the OSS by the bare Latin 'OSS' (only English may)."""
    return [text for text in texts if BARE_OSS.search(text)]


def psc_nickname_for_the_oss(texts: list[str]) -> list[str]:
    """Return texts using «Бір терезе» / «одно окно» on a screen that never names the ХҚКО / ЦОН."""
    if PSC_NAMES.search("\n".join(texts)):
        return []
    return [text for text in texts if PSC_NICKNAME.search(text)]


def unexplained_abbreviations(texts: list[str], lang: str) -> list[str]:
    """Return the abbreviations used on a screen before (or without) their full form."""
    joined = "\n".join(texts)
    lowered = joined.lower()
    problems = []
    for abbreviation, full_forms in ABBREVIATIONS[lang].items():
        first = re.search(rf"(?<![\w-]){re.escape(abbreviation)}(?!\w)", joined)
        if first is None:
            continue
        # the full form comes first, or right after the abbreviation as a gloss in brackets
        limit = first.end() + 20
        written_out = [lowered.find(form) for form in full_forms if lowered.find(form) != -1]
        if not written_out or min(written_out) > limit:
            problems.append(abbreviation)
    return problems


def mixed_script_words(texts: list[str]) -> list[str]:
    """Return words that mix Cyrillic and Latin letters (a Latin look-alike typed by mistake)."""
    bad = []
    for text in texts:
        for word in WORD.findall(TAG.sub(" ", text)):
            if "." in word or "@" in word:
                continue
            # "SMS-код", "ODAK-тың": a Latin word with a Kazakh or Russian ending is fine
            if any(CYRILLIC.search(part) and LATIN.search(part) for part in word.split("-")):
                bad.append(word)
    return bad


def russian_letters_in_kazakh_words(texts: list[str]) -> list[str]:
    """Return Kazakh words written with Russian letters in place of Kazakh ones.

    A word is caught when the same texts also spell it with its Kazakh letters ("жумыс" beside
    "жұмыс"), which tells a typing slip from a loanword such as "субсидия".
    """
    words = {w.lower() for text in texts for w in WORD.findall(TAG.sub(" ", text))}
    kazakh = {w.translate(RUSSIAN_KEYBOARD) for w in words if set(w) & KAZAKH_LETTERS}
    return sorted(w for w in words if not set(w) & KAZAKH_LETTERS and w in kazakh)


def fixed_dates(texts: list[str]) -> list[str]:
    """Return calendar dates written into a text (deadlines change every year)."""
    return [match.group(0) for text in texts for match in CALENDAR_DATE.finditer(text)]


def long_titles(entry: dict[str, Any]) -> list[str]:
    """Return the titles of an entry that do not fit a phone button."""
    return [entry["title"][lang] for lang in LANGS if len(entry["title"][lang]) > TITLE_BUTTON_MAX]


# ---------------------------------------------------------------- the checks on the real content


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_kazakh_and_russian_never_call_the_oss_by_a_bare_latin_name(lang: str) -> None:
    problems = [(where, bare_oss(texts)) for where, texts in screens(lang) if bare_oss(texts)]
    keywords = [e["id"] for e in entries() if bare_oss(list(e["keywords"][lang]))]
    assert problems == []
    assert keywords == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_public_service_centres_nickname_is_never_the_osss_name(lang: str) -> None:
    problems = [
        (where, psc_nickname_for_the_oss(texts))
        for where, texts in screens(lang)
        if psc_nickname_for_the_oss(texts)
    ]
    assert problems == []


def test_the_welcome_screen_explains_the_osss_name_once() -> None:
    explained = {
        "kk": [t for t in interface("kk") if t.startswith("ODAK орталығы —")],
        "ru": [t for t in interface("ru") if t.startswith("Центр ODAK —")],
    }
    assert len(explained["kk"]) == 1 and "ХҚКО" in explained["kk"][0]
    assert len(explained["ru"]) == 1 and "ЦОН" in explained["ru"][0]
    about = next(e for e in entries() if e["id"] == "odak-about")
    assert "ХҚКО" in about["summary"]["kk"] and "ЦОН" in about["summary"]["ru"]


@pytest.mark.parametrize("lang", LANGS)
def test_abbreviations_are_written_out_at_first_use_on_every_screen(lang: str) -> None:
    problems = [
        (where, unexplained_abbreviations(texts, lang))
        for where, texts in screens(lang)
        if unexplained_abbreviations(texts, lang)
    ]
    assert problems == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_word_mixes_cyrillic_with_latin_look_alikes(lang: str) -> None:
    problems = [(w, mixed_script_words(t)) for w, t in screens(lang) if mixed_script_words(t)]
    assert problems == []


def test_kazakh_words_are_not_typed_with_russian_letters() -> None:
    # keywords are left out: they hold Russian-keyboard spellings on purpose, for search
    texts = [text for _, screen_texts in screens("kk") for text in screen_texts]
    texts += [e["title"]["kk"] for e in entries()]
    assert [w for w in russian_letters_in_kazakh_words(texts) if w not in LOANWORD_TWINS] == []


def test_kazakh_entries_are_written_in_kazakh() -> None:
    not_kazakh = [
        e["id"]
        for e in entries()
        if not set(e["summary"]["kk"]) & KAZAKH_LETTERS or e["summary"]["kk"] == e["summary"]["ru"]
    ]
    assert not_kazakh == []


def test_every_title_fits_a_phone_button() -> None:
    assert [(e["id"], long_titles(e)) for e in entries() if long_titles(e)] == []


def test_every_provider_has_at_least_one_entry() -> None:
    used = {provider for entry in entries() for provider in entry["providers"]}
    assert [p["id"] for p in providers() if p["id"] not in used] == []


def test_every_entrys_provider_exists() -> None:
    known = {p["id"] for p in providers()}
    unknown = [(e["id"], p) for e in entries() for p in e["providers"] if p not in known]
    assert unknown == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_entry_names_a_fixed_calendar_deadline(lang: str) -> None:
    problems = [
        (e["id"], fixed_dates(screen(e, lang))) for e in entries() if fixed_dates(screen(e, lang))
    ]
    assert problems == []


# ------------------------------------------------------- each check catches a planted mistake


def test_the_bare_oss_check_catches_a_planted_one() -> None:
    assert bare_oss(["Сұрағыңызды OSS-ке жіберіңіз."])
    assert not bare_oss(["Сұрағыңызды ODAK орталығына жіберіңіз."])


def test_the_nickname_check_catches_the_oss_called_one_window() -> None:
    assert psc_nickname_for_the_oss(["Напишите в центр «одного окна»."])
    assert psc_nickname_for_the_oss(["«Бір терезе» орталығына жазыңыз."])
    assert not psc_nickname_for_the_oss(["Это не ЦОН («одно окно»)."])


@pytest.mark.parametrize(
    ("texts", "lang", "expected"),
    [
        (["Жұмыстан айырылсаңыз, МӘСҚ төлемін алу үшін керек."], "kk", ["МӘСҚ"]),
        (["Қызмет түрін (ЭҚЖЖ коды) көрсетіңіз."], "kk", ["ЭҚЖЖ"]),
        (["Registering a peasant farm (KFH)", "Get a KFH number."], "en", []),
        (["Register your KFH first."], "en", ["KFH"]),
        (["Мемлекеттік әлеуметтік сақтандыру қорынан (МӘСҚ) төлем."], "kk", []),
        (
            ["Получите ЭЦП на портале egov.kz заранее.", "Электронная цифровая подпись нужна."],
            "ru",
            ["ЭЦП"],
        ),
    ],
)
def test_the_abbreviation_check_catches_an_unexplained_one(
    texts: list[str], lang: str, expected: list[str]
) -> None:
    assert unexplained_abbreviations(texts, lang) == expected


def test_the_script_checks_catch_look_alikes_and_russian_letters() -> None:
    assert mixed_script_words(["Cиыр ауырып қалды"]) == ["Cиыр"]  # a Latin C
    assert mixed_script_words(["egov.kz сайтына кіріңіз"]) == []
    assert russian_letters_in_kazakh_words(["Жұмыс іздеймін", "жумыс керек"]) == ["жумыс"]
    assert russian_letters_in_kazakh_words(["вакцина және ветеринар"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Өтінімді 1 наурызға дейін беріңіз.",
        "Заявки принимают до 15 апреля.",
        "Apply by March 1.",
        "Срок — до 01.03.2026.",
    ],
)
def test_the_deadline_check_catches_a_fixed_date(text: str) -> None:
    assert fixed_dates([text])


def test_the_deadline_check_leaves_plain_numbers_alone() -> None:
    assert fixed_dates(["Нагоя хаттамасы 2010 жылы қабылданған; 12 ұйым; 1414 нөмірі."]) == []


def test_the_title_check_catches_a_long_title() -> None:
    entry = {"title": {"kk": "қысқа", "ru": "коротко", "en": "x" * (TITLE_BUTTON_MAX + 1)}}
    assert long_titles(entry) == ["x" * (TITLE_BUTTON_MAX + 1)]
