"""The knowledge base loads, refuses broken files with precise errors, and reloads safely."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge import (
    AUDIENCES,
    TOPICS,
    VALUE_CHAINS,
    KnowledgeError,
    KnowledgeHolder,
    Text,
    TextList,
    load_knowledge,
    normalize,
)
from bot.knowledge.cli import kb_check, kb_list, kb_search, providers_list

ROOT = Path(__file__).resolve().parent.parent
REAL_BASE = ROOT / "knowledge"
SMALL_BASE = Path(__file__).resolve().parent / "data" / "kb_min"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """Return a fresh copy of the small valid knowledge base."""
    target = tmp_path / "knowledge"
    shutil.copytree(SMALL_BASE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `path` with `new`."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def errors_of(directory: Path) -> tuple[str, ...]:
    """Return the errors loading `directory` reports (failing if it loads)."""
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    assert str(info.value) == "\n".join(info.value.errors)
    return info.value.errors


# ---------------------------------------------------------------- the real base


def test_the_real_base_loads_and_kb_check_says_ok(capsys: pytest.CaptureFixture[str]) -> None:
    kb = load_knowledge(REAL_BASE)
    assert kb_check(REAL_BASE) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"OK: {len(kb.entries)} entries, {len(kb.providers)} providers"
    assert all(line.startswith("to fill in: ") for line in lines[1:-1])  # offices: warnings


def test_the_real_base_covers_every_audience_topic_and_value_chain() -> None:
    kb = load_knowledge(REAL_BASE)
    assert len(kb.entries) >= 60
    assert len(kb.providers) == 12
    for topic in TOPICS:
        for audience in AUDIENCES:
            assert kb.entries_for(audience=audience, topic=topic), (
                f"nothing for {audience} under {topic}"
            )
    for chain in VALUE_CHAINS:
        specific = [e for e in kb.entries.values() if chain in e.value_chains]
        assert len(specific) >= 4, f"only {len(specific)} entries for {chain}"


def test_every_real_entry_routes_to_known_providers() -> None:
    kb = load_knowledge(REAL_BASE)
    for entry in kb.entries.values():
        assert all(kb.provider(pid) is not None for pid in entry.providers), entry.id
        assert entry.keywords.kk and entry.keywords.ru and entry.keywords.en


# ---------------------------------------------------------------- broken bases

LONG = "x" * 501

BROKEN: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = [
    (
        "missing kk text",
        lambda d: edit(
            d / "entries/farm.yaml",
            '      kk: "Мемлекет жаңа алма бағын отырғызу шығынының бір бөлігін өтеуі мүмкін."\n',
            "",
        ),
        ("entries/farm.yaml", "entry 'apple-orchard-subsidy'", "field 'summary.kk'", "missing"),
    ),
    (
        "empty en text",
        lambda d: edit(d / "entries/jobs.yaml", 'en: "Free vocational training"', 'en: ""'),
        ("entries/jobs.yaml", "entry 'job-training'", "field 'title.en'", "empty"),
    ),
    (
        "unknown provider id",
        lambda d: edit(
            d / "entries/farm.yaml",
            "value_chains: [milk]\n    providers: [akimat_agri]",
            "value_chains: [milk]\n    providers: [vet_staton]",
        ),
        ("entries/farm.yaml", "entry 'milk-cow-vaccination'", "field 'providers'", "vet_staton"),
    ),
    (
        "duplicate id across two files",
        lambda d: edit(d / "entries/jobs.yaml", "id: job-training", "id: apple-orchard-subsidy"),
        ("entries/jobs.yaml", "entry 'apple-orchard-subsidy'", "field 'id'", "entries/farm.yaml"),
    ),
    (
        "bad topic",
        lambda d: edit(d / "entries/farm.yaml", "topic: rules", "topic: rulez"),
        (
            "entries/farm.yaml",
            "entry 'milk-cow-vaccination'",
            "field 'topic'",
            "did you mean 'rules'",
        ),
    ),
    (
        "bad audience",
        lambda d: edit(
            d / "entries/jobs.yaml",
            "audiences: [farmer, job_seeker, entrepreneur,",
            "audiences: [famer, job_seeker, entrepreneur,",
        ),
        ("entries/jobs.yaml", "entry 'oss-contact'", "field 'audiences'", "'famer'"),
    ),
    (
        "typo'd key",
        lambda d: edit(
            d / "entries/farm.yaml",
            '    summary:\n      kk: "Тұқым',
            '    sumary:\n      kk: "Тұқым',
        ),
        (
            "entries/farm.yaml",
            "entry 'farm-subsidies-overview'",
            "field 'sumary'",
            "did you mean 'summary'",
        ),
    ),
    (
        "YAML syntax error",
        lambda d: edit(
            d / "entries/jobs.yaml",
            '      en: "Registering as a job seeker"',
            '      en: "Registering as a job seeker',
        ),
        ("entries/jobs.yaml", "line ", "YAML syntax error"),
    ),
    (
        "summary too long",
        lambda d: edit(
            d / "entries/jobs.yaml",
            '"Register at the employment centre or on enbek.kz."',
            f'"{LONG}"',
        ),
        (
            "entries/jobs.yaml",
            "entry 'job-register-seeker'",
            "field 'summary.en'",
            "501 characters, at most 500",
        ),
    ),
    (
        "title too long",
        lambda d: edit(
            d / "entries/jobs.yaml", 'ru: "Бесплатное обучение профессии"', f'ru: "{"я" * 61}"'
        ),
        ("entries/jobs.yaml", "entry 'job-training'", "field 'title.ru'", "at most 60"),
    ),
    (
        "steps lengths differ",
        lambda d: edit(
            d / "entries/farm.yaml",
            'ru: ["Узнайте условия.", "Подайте заявку через qoldau.kz."]',
            'ru: ["Узнайте условия."]',
        ),
        ("entries/farm.yaml", "entry 'apple-orchard-subsidy'", "field 'steps'", "ru has 1"),
    ),
    (
        "keywords missing in one language",
        lambda d: edit(d / "entries/jobs.yaml", 'en: ["training", "course", "trade"]', "en: []"),
        ("entries/jobs.yaml", "entry 'job-training'", "field 'keywords.en'", "at least one"),
    ),
    (
        "link that is not https",
        lambda d: edit(
            d / "entries/farm.yaml", 'url: "https://qoldau.kz"', 'url: "http://qoldau.kz"'
        ),
        ("entries/farm.yaml", "entry 'apple-orchard-subsidy'", "field 'links[1].url'", "https://"),
    ),
    (
        "reviewed date that does not exist",
        lambda d: edit(d / "entries/farm.yaml", "reviewed: 2026-10-15", "reviewed: 2026-13-15"),
        (
            "entries/farm.yaml",
            "entry 'milk-cow-vaccination'",
            "field 'reviewed'",
            "not a real date",
        ),
    ),
    (
        "reviewed date in the future",
        lambda d: edit(d / "entries/farm.yaml", "reviewed: 2026-10-15", "reviewed: 2999-01-01"),
        ("entries/farm.yaml", "entry 'milk-cow-vaccination'", "field 'reviewed'", "in the future"),
    ),
    (
        "badly formed entry id",
        lambda d: edit(d / "entries/jobs.yaml", "id: oss-contact", "id: OSS_Contact"),
        ("entries/jobs.yaml", "entry 'OSS_Contact'", "field 'id'", "not a valid id"),
    ),
    (
        "entry without an id",
        lambda d: edit(d / "entries/jobs.yaml", "  - id: job-training\n    topic:", "  - topic:"),
        ("entries/jobs.yaml", "entry #2", "field 'id'", "missing"),
    ),
    (
        "key given twice",
        lambda d: edit(
            d / "entries/jobs.yaml", "    topic: where\n", "    topic: where\n    topic: apply\n"
        ),
        ("entries/jobs.yaml", "line ", "given twice"),
    ),
    (
        "provider with a missing name",
        lambda d: edit(d / "providers.yaml", '      ru: "Центр занятости населения"\n', ""),
        ("providers.yaml", "provider 'employment_centre'", "field 'name.ru'", "missing"),
    ),
    (
        "duplicate provider id",
        lambda d: edit(d / "providers.yaml", "id: employment_centre", "id: akimat_agri"),
        ("providers.yaml", "provider 'akimat_agri'", "field 'id'", "earlier provider"),
    ),
    (
        "provider phone that is a number, not text",
        lambda d: edit(d / "providers.yaml", 'phone: "1414"', "phone: 1414"),
        ("providers.yaml", "provider 'employment_centre'", "field 'contacts.phone'", "quotes"),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_a_broken_base_is_refused_with_file_entry_and_field(
    base: Path, mutate: Callable[[Path], None], expected: tuple[str, ...]
) -> None:
    mutate(base)
    errors = errors_of(base)
    assert any(all(part in error for part in expected) for error in errors), errors


def test_the_error_format_is_file_entry_field_problem(base: Path) -> None:
    edit(
        base / "entries/farm.yaml",
        '      kk: "Мемлекет жаңа алма бағын отырғызу шығынының бір бөлігін өтеуі мүмкін."\n',
        "",
    )
    assert errors_of(base) == (
        "entries/farm.yaml: entry 'apple-orchard-subsidy': field 'summary.kk': missing",
    )


def test_all_errors_are_reported_at_once(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chosen = (
        "missing kk text",
        "unknown provider id",
        "duplicate id across two files",
        "bad topic",
        "summary too long",
        "provider with a missing name",
    )
    cases = {name: (mutate, expected) for name, mutate, expected in BROKEN}
    for name in chosen:
        cases[name][0](base)
    errors = errors_of(base)
    for name in chosen:
        expected = cases[name][1]
        assert any(all(part in error for part in expected) for error in errors), (name, errors)
    assert kb_check(base) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[: len(errors)] == list(errors)


def test_a_syntax_error_in_one_file_does_not_hide_errors_in_another(base: Path) -> None:
    edit(base / "entries/jobs.yaml", "topic: where", "topic: [where")
    edit(base / "entries/farm.yaml", "topic: rules", "topic: rulez")
    errors = errors_of(base)
    assert any(e.startswith("entries/jobs.yaml: line ") for e in errors)
    assert any(
        "entries/farm.yaml: entry 'milk-cow-vaccination': field 'topic'" in e for e in errors
    )


def test_a_stray_yml_file_is_reported_rather_than_skipped(base: Path) -> None:
    shutil.copy(base / "entries/jobs.yaml", base / "entries/more.yml")
    assert any("entries/more.yml" in e and ".yaml" in e for e in errors_of(base))


def test_a_missing_providers_file_is_reported(base: Path) -> None:
    (base / "providers.yaml").unlink()
    assert "providers.yaml: file not found" in errors_of(base)


# ---------------------------------------------------------------- the loaded objects


def test_the_loaded_base_is_read_only_and_in_file_order(base: Path) -> None:
    kb = load_knowledge(base)
    assert list(kb.entries) == [
        "apple-orchard-subsidy",
        "milk-cow-vaccination",
        "farm-subsidies-overview",
        "job-register-seeker",
        "job-training",
        "oss-contact",
    ]
    entry = kb.entry("apple-orchard-subsidy")
    assert entry is not None
    assert entry.source_file == "entries/farm.yaml"
    assert entry.reviewed == datetime.date(2026, 11, 1)
    assert entry.steps == TextList(
        kk=("Шарттарын біліңіз.", "qoldau.kz арқылы өтінім беріңіз."),
        ru=("Узнайте условия.", "Подайте заявку через qoldau.kz."),
        en=("Find out the conditions.", "Apply on qoldau.kz."),
    )
    assert entry.links[0].url == "https://qoldau.kz"
    assert entry.details is None and entry.legal_basis == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.topic = "rules"  # type: ignore[misc]
    with pytest.raises(TypeError):
        kb.entries["x"] = entry  # type: ignore[index]
    with pytest.raises(AttributeError):
        kb.entries = {}  # type: ignore[misc]
    centre = kb.provider("employment_centre")
    assert centre is not None and centre.contacts.phone == "1414"
    assert centre.contacts.website == "https://enbek.kz" and centre.contacts.address is None
    assert kb.provider("nobody") is None and kb.entry("nothing") is None


def test_text_falls_back_to_kazakh_for_an_unknown_language() -> None:
    text = Text(kk="сәлем", ru="привет", en="hello")
    assert [text.get("ru"), text.get("en"), text.get("de")] == ["привет", "hello", "сәлем"]
    items = TextList(kk=("а",), ru=("б",), en=("c",))
    assert items.get("en") == ("c",) and items.get("xx") == ("а",)


def test_entries_for_puts_chain_specific_entries_before_general_ones(base: Path) -> None:
    kb = load_knowledge(base)
    ids = [e.id for e in kb.entries_for(audience="farmer", value_chain="apple")]
    assert ids == ["apple-orchard-subsidy", "farm-subsidies-overview", "oss-contact"]
    assert [e.id for e in kb.entries_for(topic="where")] == ["oss-contact"]
    assert [e.id for e in kb.entries_for(audience="vulnerable", topic="opportunities")] == [
        "job-training"
    ]
    assert len(kb.entries_for()) == len(kb.entries)
    with pytest.raises(ValueError, match="famer"):
        kb.entries_for(audience="famer")


# ---------------------------------------------------------------- reload


def test_reload_keeps_the_old_base_when_the_new_one_is_invalid(base: Path) -> None:
    holder = KnowledgeHolder(base)
    before = holder.current
    edit(base / "entries/farm.yaml", "topic: rules", "topic: rulez")
    errors = holder.reload()
    assert any("field 'topic'" in e for e in errors)
    assert holder.current is before
    assert holder.current.entry("milk-cow-vaccination") is not None


def test_reload_picks_up_a_valid_change(base: Path) -> None:
    holder = KnowledgeHolder(base)
    edit(
        base / "entries/jobs.yaml",
        'en: "Free vocational training"',
        'en: "Free courses for a new trade"',
    )
    assert holder.reload() == ()
    entry = holder.current.entry("job-training")
    assert entry is not None and entry.title.en == "Free courses for a new trade"
    assert [h.entry.id for h in holder.current.search("courses for a new trade", lang="en")][
        :1
    ] == ["job-training"]


def test_the_holder_refuses_to_start_on_an_invalid_base(base: Path) -> None:
    edit(base / "entries/farm.yaml", "topic: rules", "topic: rulez")
    with pytest.raises(KnowledgeError):
        KnowledgeHolder(base)


# ---------------------------------------------------------------- the CLI functions


def test_kb_list_and_search_print_json(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert kb_list(base, as_json=True) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {
        "id": "apple-orchard-subsidy",
        "audiences": ["farmer", "entrepreneur"],
        "value_chains": ["apple"],
        "topic": "opportunities",
        "title": {
            "kk": "Алма бағына субсидия",
            "ru": "Субсидии на яблоневый сад",
            "en": "Subsidies for apple orchards",
        },
    }
    assert kb_search(base, "алма бағына субсидия", lang="kk", limit=3, as_json=True) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["id"] == "apple-orchard-subsidy"
    assert (
        set(hits[0]) == {"id", "score", "title"} and round(hits[0]["score"], 3) == hits[0]["score"]
    )
    assert kb_search(base, "погода завтра", lang="ru", limit=3, as_json=True) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_kb_list_prints_a_readable_table(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert kb_list(base, as_json=False) == 0
    out = capsys.readouterr().out
    assert "apple-orchard-subsidy" in out and "ru: Субсидии на яблоневый сад" in out


def test_providers_list_shows_linked_accounts(
    base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    assert providers_list(base, {"employment_centre": [42, 7]}, as_json=True) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["akimat_agri", "employment_centre"]
    assert rows[1]["linked_accounts"] == [7, 42] and rows[0]["linked_accounts"] == []
    assert rows[1]["name"]["ru"] == "Центр занятости населения"
    assert providers_list(base, {}, as_json=False) == 0
    assert "no linked account" in capsys.readouterr().out


# ---------------------------------------------------------------- normalisation

SAME_SKELETON = [
    # Kazakh Cyrillic, Kazakh typed on a Russian keyboard, Kazakh Latin (2021 and informal)
    ("жұмыс", "жумыс", "jūmys", "zhumys", "jumys"),
    ("қалай", "калай", "qalai", "qalay", "kalai"),
    ("ақша", "акша", "aqşa", "aqsha", "aksha"),
    ("шаруашылығы", "шаруашылыгы", "şaruaşylyğy", "sharuashylygy", "sharuashylyghy"),
    ("өнім", "оним", "önım", "onim", "o'nim"),
    ("жеңілдік", "женилдик", "jeñıldık", "zhenildik", "jenildik"),
    ("сүт", "сут", "süt", "sut", "SÜT"),
    ("әлеуметтік", "алеуметтик", "äleumettık", "aleumettik", "aleumetik"),
    ("ауыл", "ауыл", "auyl", "awyl", "auil"),
    ("һ", "х", "h", "h", "H"),
    ("ұсыныс", "усыныс", "ūsynys", "usynys", "usinis"),
    ("ғой", "гой", "ğoi", "goy", "ghoi"),
    # Russian and its Latin transliteration
    ("ещё", "еще", "eshche", "eshe", "ESHCHE"),
    ("субсидию", "субсидию", "subsidiyu", "subsidiu", "SUBSIDIIU"),
    ("хозяйство", "хозяйство", "khozyaystvo", "hozyaistvo", "hoziaistvo"),
]


@pytest.mark.parametrize("spellings", SAME_SKELETON, ids=[row[0] for row in SAME_SKELETON])
def test_spellings_of_one_word_meet_in_one_skeleton(spellings: tuple[str, ...]) -> None:
    skeletons = {normalize(word) for word in spellings}
    assert len(skeletons) == 1, skeletons


@pytest.mark.parametrize(
    ("text", "skeleton"),
    [
        ("Алма бағына СУБСИДИЯ!", "alma bagina subsidia"),
        ("  Как получить   субсидию?? ", "kak poluchit subsidiu"),
        ("Qoldau.kz — өтінім", "koldau kz otinim"),
        ("Ёлка", "elka"),
        ("Шаш, sh, ş", "shash sh sh"),
        ("ЭЦП / ЖСН: 1414", "esp zhsn 1414"),
        ("apple-orchard", "aple orchard"),
        ("", ""),
        ("!!! ??? 🙂", ""),
    ],
)
def test_normalize_lowercases_transliterates_and_strips_punctuation(
    text: str, skeleton: str
) -> None:
    assert normalize(text) == skeleton


def test_the_example_entry_in_the_curators_guide_is_valid(base: Path) -> None:
    guide = (REAL_BASE / "README.md").read_text(encoding="utf-8")
    start = guide.index("```yaml\n  - id: ") + len("```yaml\n")
    example = guide[start : guide.index("```", start)]
    (base / "entries" / "example.yaml").write_text("entries:\n" + example, encoding="utf-8")
    (base / "providers.yaml").write_text(
        (REAL_BASE / "providers.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    kb = load_knowledge(base)
    entry = kb.entry("job-cv-enbek")
    assert entry is not None and entry.fees is None and len(entry.steps.kk) == 3  # type: ignore[union-attr]
