"""Greetings, thanks and "who are you" are told from questions, in every way people type them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.smalltalk import Kind, read

ROOT = Path(__file__).resolve().parent.parent
NATURAL = Path(__file__).resolve().parent / "data" / "natural_queries.yaml"

G, T, B, W, P = Kind.GREETING, Kind.THANKS, Kind.GOODBYE, Kind.WHO, Kind.PERSON


@pytest.fixture(scope="module")
def real() -> KnowledgeBase:
    """Return the real knowledge base."""
    return load_knowledge(ROOT / "knowledge")


@pytest.mark.parametrize(
    ("message", "kinds"),
    [
        ("Сәлеметсіз бе!", (G,)),
        ("салеметсизбе", (G,)),  # Kazakh typed with Russian letters
        ("Salemetsiz be", (G,)),  # Kazakh in Latin letters
        ("Ассалаумағалейкум", (G,)),
        ("қайырлы күн", (G,)),
        ("здравствуйте", (G,)),
        ("Здраствуйте!!", (G,)),  # a typo
        ("добрый вечер", (G,)),
        ("hello", (G,)),
        ("hi", (G,)),
        ("как дела?", (G,)),
        ("рахмет", (T,)),
        ("рақмет көп", (T,)),
        ("raqmet", (T,)),
        ("спасибо большое", (T,)),
        ("thank you", (T,)),
        ("рахмет, сау болыңыз", (T, B)),
        ("до свидания", (B,)),
        ("bye", (B,)),
        ("сен кімсің?", (W,)),
        ("сен робот па", (W,)),
        ("sen kimsin", (W,)),
        ("кто это?", (W,)),
        ("ты бот?", (W,)),
        ("who are you", (W,)),
        ("are you a robot?", (W,)),
        ("маман керек", (P,)),
        ("оператор", (P,)),
        ("мне нужен живой человек, а не бот", (P,)),
        ("can I talk to a real person", (P,)),
    ],
)
def test_small_talk_alone_is_recognised(message: str, kinds: tuple[Kind, ...]) -> None:
    found = read(message)
    assert found.kinds == kinds
    assert found.only_small_talk
    assert found.question == ""


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("салем, мне нужна субсидия на сад", "нужна субсидия на сад"),
        ("Сәлеметсіз бе, алма бағына субсидия керек", "алма бағына субсидия керек"),
        ("salem, jumys bar ma?", "jumys bar ma?"),
        ("Здравствуйте! Корова заболела, что делать?", "Корова заболела, что делать?"),
        ("Hello, how do I register a farm?", "how do I register a farm?"),
        ("Подскажите, где сдать молоко? Спасибо заранее", "Подскажите, где сдать молоко?"),
        ("жұмыс керек, рахмет", "жұмыс керек"),
    ],
)
def test_a_greeting_or_thanks_around_a_question_leaves_the_question(
    message: str, question: str
) -> None:
    found = read(message)
    assert found.kinds
    assert not found.only_small_talk
    assert found.question == question


@pytest.mark.parametrize(
    "message",
    [
        "субсидия на сад",
        "көп балалы отбасына көмек",  # "көп" is not a thank-you on its own
        "",
        "   ",
        "👍",
        "?!",
    ],
)
def test_a_message_without_small_talk_is_left_as_it_is(message: str) -> None:
    found = read(message)
    assert found.kinds == ()
    assert found.question == message.strip()


def test_a_word_of_small_talk_inside_a_question_leaves_the_question_searchable() -> None:
    found = read("Оператор связи не работает, в селе нет интернета")
    assert not found.only_small_talk
    assert found.question == "связи не работает, в селе нет интернета"


def test_the_natural_set_small_talk_is_told_from_questions() -> None:
    messages = yaml.safe_load(NATURAL.read_text(encoding="utf-8"))["messages"]
    for item in messages:
        assert read(item["text"]).only_small_talk == ("smalltalk" in item), item["text"]
        if "smalltalk" in item:
            assert Kind(item["smalltalk"]) in read(item["text"]).kinds, item["text"]


@pytest.mark.parametrize(
    ("message", "lang", "entry"),
    [
        ("салем, мне нужна субсидия на сад", "ru", "apple-orchard-subsidy"),
        ("Сәлеметсіз бе, сиырым ауырып қалды", "kk", "milk-vet-help"),
        ("Hello! My cow is sick, what should I do?", "en", "milk-vet-help"),
    ],
)
def test_a_greeting_and_a_question_is_answered(
    real: KnowledgeBase, message: str, lang: str, entry: str
) -> None:
    reading = real.read(message, lang=lang)
    assert reading.small_talk.kinds == (Kind.GREETING,)
    assert [hit.entry.id for hit in reading.hits][:1] == [entry]


@pytest.mark.parametrize("message", ["сәлем", "рахмет", "who are you", "оператор керек"])
def test_small_talk_alone_is_not_searched(real: KnowledgeBase, message: str) -> None:
    reading = real.read(message)
    assert reading.hits == ()
    assert not reading.confident
    assert not reading.ambiguous


def test_a_clear_answer_is_told_from_close_choices(real: KnowledgeBase) -> None:
    clear = real.read("корова заболела что делать", lang="ru")
    assert clear.confident
    assert clear.hits[0].entry.id == "milk-vet-help"
    close = real.read("субсидия", lang="ru")  # subsidies for apples, milk, soy... which?
    assert close.ambiguous
    assert len(close.hits) >= 2
