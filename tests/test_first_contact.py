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


@pytest.mark.parametrize("telegram_language", ["ru", "en", "kk", "de", None])
async def test_the_languages_are_always_offered_in_the_same_order(
    harness: Harness, telegram_language: str | None
) -> None:
    person = harness.phone(language_code=telegram_language)
    [screen] = await person.send("/start")
    assert screen.labels == LANGUAGE_LABELS  # a finger learns the place; it never moves
    await person.press("English")
    [again] = await person.send("/language")
    assert again.labels == LANGUAGE_LABELS


@pytest.mark.parametrize(
    ("label", "welcome", "who"),
    [
        ("Қазақша", "ODAK орталығы", "Сіз кімсіз?"),
        ("Русский", "Центр ODAK", "Кто вы?"),
        ("English", "ODAK centre", "Who are you?"),
    ],
)
async def test_choosing_a_language_gives_a_welcome_in_it_that_fits_one_screen(
    harness: Harness, label: str, welcome: str, who: str
) -> None:
    person = harness.phone()
    await person.send("/start")
    [screen] = await person.press(label)
    assert welcome in screen.text and who in screen.text
    # what this is in a line, then "who are you?" and one button a row: one phone screen
    assert len(screen.text) <= 200
    assert len(screen.buttons) == 5 and all(len(row) == 1 for row in screen.buttons)


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
    [screen] = await person.send("/menu")
    assert "Кто вы?" in screen.text


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
