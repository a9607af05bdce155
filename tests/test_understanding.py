"""Small talk, a greeting before a question and an unsure search, as a person sees them."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness
from tests.support import onboard, say

LANGS = ["kk", "ru", "en"]
GREETING = {"kk": "Сәлеметсіз бе!", "ru": "здравствуйте", "en": "hello"}
THANKS = {"kk": "рахмет", "ru": "спасибо большое", "en": "thank you"}
WHO = {"kk": "сен кімсің?", "ru": "ты бот?", "en": "are you a robot?"}
PERSON = {"kk": "маман керек", "ru": "оператор", "en": "can I talk to a real person"}
GREETING_AND_QUESTION = {
    "kk": "Сәлеметсіз бе, сиырым ауырып қалды",
    "ru": "Здравствуйте! Корова заболела, что делать?",
    "en": "Hello, my cow is sick",
}
VET_TITLE = {
    "kk": "Сиыр ауырса немесе кеңес керек болса",
    "ru": "Если корова заболела или нужен совет",
    "en": "When a cow is sick or you need advice",
}
NOT_FOUND = (
    "I did not find an answer to this. Try other words, choose a topic in the menu, or ask the OSS."
)
SHORT_AND_BROAD = {"kk": "субсидия", "ru": "субсидия", "en": "subsidy"}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_greeting_is_answered_kindly_with_what_the_bot_does_and_the_menu(
    harness: Harness, lang: str
) -> None:
    person = await onboard(harness, lang, "farmer", "apple")
    answer, menu = await person.send(GREETING[lang])
    assert say(lang, "Hello!") in answer.text
    assert say(lang, "How do I get a subsidy for my orchard?") in answer.text
    assert say(lang, NOT_FOUND) not in answer.text
    assert say(lang, "Main menu") in menu.text


@pytest.mark.parametrize("lang", LANGS)
async def test_thanks_and_who_are_you_get_their_own_answer(harness: Harness, lang: str) -> None:
    person = await onboard(harness, lang, "job_seeker")
    thanks, _ = await person.send(THANKS[lang])
    assert say(lang, "You are welcome! I am glad to help.") in thanks.text
    who, _ = await person.send(WHO[lang])
    assert say(lang, "I am the OSS bot, not a person: I answer from the OSS's guides.") in who.text


@pytest.mark.parametrize("lang", LANGS)
async def test_asking_for_a_person_leads_to_a_specialist_consent_first(
    harness: Harness, lang: str
) -> None:
    person = await onboard(harness, lang, "job_seeker")
    [answer] = await person.send(PERSON[lang])
    assert "ODAK" in answer.text or "OSS" in answer.text
    [consent] = await person.press("🙋 " + say(lang, "Ask a specialist"))
    assert say(lang, "The OSS keeps your question to follow it up. Do you agree?") in consent.text
    assert "✅ " + say(lang, "I agree") in consent.labels


@pytest.mark.parametrize("lang", LANGS)
async def test_a_greeting_followed_by_a_question_answers_the_question(
    harness: Harness, lang: str
) -> None:
    person = await onboard(harness, lang, "farmer", "milk")
    [answer] = await person.send(GREETING_AND_QUESTION[lang])
    assert say(lang, "Here is what I found. Choose one:") in answer.text
    assert answer.labels[0] == VET_TITLE[lang]


@pytest.mark.parametrize("lang", LANGS)
async def test_when_unsure_the_bot_asks_back_with_close_choices(
    harness: Harness, lang: str
) -> None:
    person = await onboard(harness, lang, "farmer", "soy")
    [answer] = await person.send(SHORT_AND_BROAD[lang])
    assert say(lang, "I am not sure what you mean. Is it one of these?") in answer.text
    choices = [label for label in answer.labels if not label.startswith(("🙋", "🏠"))]
    assert 2 <= len(choices) <= 3
    assert "🙋 " + say(lang, "None of these: ask a specialist") in answer.labels
    [consent] = await person.press("🙋 " + say(lang, "None of these: ask a specialist"))
    assert "✅ " + say(lang, "I agree") in consent.labels


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("text", ["🙂🙂🙂", "<b>?</b>", "ⵣⵣⵣ ⴰⵎⴰⵣⵉⵖ", "x" * 4096])
async def test_odd_messages_get_a_kind_answer_not_an_error(
    harness: Harness, lang: str, text: str
) -> None:
    person = await onboard(harness, lang, "job_seeker")
    [answer] = await person.send(text)
    assert say(lang, NOT_FOUND) == answer.text
    assert "🙋 " + say(lang, "Ask the OSS") in answer.labels
