"""A person opens the bot for the first time: the language choice and the welcome."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness

LANGUAGE_LABELS = ["Қазақша", "Русский", "English"]


async def test_start_offers_all_three_languages_in_all_three_languages(harness: Harness) -> None:
    person = harness.phone()
    [screen] = await person.send("/start")
    assert "Тілді таңдаңыз" in screen.text
    assert "Выберите язык" in screen.text
    assert "Choose your language" in screen.text
    assert sorted(screen.labels) == sorted(LANGUAGE_LABELS)


@pytest.mark.parametrize(
    ("telegram_language", "first_offered"),
    [("ru", "Русский"), ("en", "English"), ("kk", "Қазақша"), ("de", "Қазақша"), (None, "Қазақша")],
)
async def test_the_language_telegram_reports_is_offered_first(
    harness: Harness, telegram_language: str | None, first_offered: str
) -> None:
    person = harness.phone(language_code=telegram_language)
    [screen] = await person.send("/start")
    assert screen.labels[0] == first_offered


@pytest.mark.parametrize(
    ("label", "welcome"),
    [
        ("Қазақша", "қош келдіңіз"),
        ("Русский", "Добро пожаловать"),
        ("English", "Welcome"),
    ],
)
async def test_choosing_a_language_gives_a_welcome_in_it(
    harness: Harness, label: str, welcome: str
) -> None:
    person = harness.phone()
    await person.send("/start")
    [screen] = await person.press(label)
    assert welcome in screen.text
    assert "12" in screen.text  # what the OSS is: twelve organisations together


async def test_the_welcome_replaces_the_language_menu_instead_of_piling_up(
    harness: Harness,
) -> None:
    person = harness.phone()
    await person.send("/start")
    await person.press("English")
    assert len(person.screens) == 1


async def test_command_menus_are_set_for_every_language_at_start(harness: Harness) -> None:
    fake = harness.fake
    assert fake.commands_for(1, "ru")[:2] == ["Начать заново", "Главное меню"]
    assert fake.commands_for(1, "en")[:2] == ["Start again", "Main menu"]
    assert fake.commands_for(1, "kk")[:2] == ["Басынан бастау", "Басты мәзір"]
    assert fake.commands_for(1, None)[:2] == ["Басынан бастау", "Басты мәзір"]  # kk by default


async def test_a_person_who_chooses_russian_sees_the_command_menu_in_russian(
    harness: Harness,
) -> None:
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("Русский")
    assert person.commands[0] == "Начать заново"


async def test_the_chosen_language_is_remembered(harness: Harness) -> None:
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("Русский")
    [screen] = await person.send("/start")
    assert screen.labels[0] == "Русский"


async def test_each_choice_answers_its_button_once(harness: Harness) -> None:
    person = harness.phone(language_code="en")
    await person.send("/start")
    for data in ("lang:en", "aud:farmer", "vc:apple", "lang:ru", "aud:job_seeker"):
        first = len(harness.fake.calls)
        await person.press_data(data)
        answers = [c for c in harness.fake.calls[first:] if c.method == "answerCallbackQuery"]
        assert [c.ok for c in answers] == [True], data  # a second answer is refused as too old


async def test_a_failure_inside_a_handler_gets_a_kind_answer_in_the_persons_language(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import people

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    person = harness.phone(language_code="ru")
    await person.send("/start")
    await person.press("Русский")
    monkeypatch.setattr(people, "record_visit", broken)
    screens = await person.send("/start")
    assert "Извините" in screens[-1].text
    assert "Traceback" not in screens[-1].text
    assert [type(e) for e in harness.errors] == [RuntimeError]  # logged, with its traceback
    harness.errors.clear()
