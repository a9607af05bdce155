"""My questions: a client sees their cases, who has each and the last word, and acts on them."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness
from tests.support import (
    EMPLOYMENT_STAFF,
    ask,
    case_number,
    client_at_entry,
    link,
    manager_phone,
    say,
)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_client_follows_an_answered_question_and_marks_it_solved(
    harness: Harness, lang: str
) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", lang, "job_seeker")
    number = case_number(await ask(client, lang, "How do I register as unemployed?"))
    await provider.press("Reply", screen=provider.last)
    await provider.send("Come with your ID card.")

    [menu] = await client.send("/menu")
    [listing] = await client.press(say(lang, "My questions"), screen=menu)
    assert f"№{number}" in listing.text and say(lang, "Answered: your turn") in listing.text
    [case] = await client.press(f"№{number}", screen=listing)
    assert say(lang, "Who has it: {who}").split("{")[0] in case.text
    employment = harness.services.kb.provider("employment_centre")
    assert employment is not None and employment.short_name.get(lang) in case.text
    assert "Come with your ID card." in case.text  # the last message, from whom
    assert case.has_button(say(lang, "Write more"))

    [done] = await client.press(say(lang, "It is solved"), screen=case)
    assert f"№{number}" in done.text
    assert f"№{number}" in provider.last.text and "solved" in provider.last.text
    [listing] = await client.press(say(lang, "My questions"), screen=done)
    [case_again] = await client.press(f"№{number}", screen=listing)
    assert say(lang, "Closed") in case_again.text
    assert not case_again.has_button(say(lang, "Write more"))
    assert not case_again.has_button(say(lang, "Withdraw"))


async def test_a_client_withdraws_a_waiting_question_after_saying_yes(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "biz-damu-support", "ru", "entrepreneur")
    number = case_number(await ask(client, "ru", "Нужна гарантия Даму"))
    [menu] = await client.send("/menu")
    [listing] = await client.press("Мои вопросы", screen=menu)
    [case] = await client.press(f"№{number}", screen=listing)
    assert "Ждёт ответа центра ODAK" in case.text
    assert not case.has_button("Дописать")  # nobody has it yet: nothing to write to
    [sure] = await client.press("Отозвать", screen=case)
    assert f"№{number}" in sure.text
    [kept] = await client.press("Нет, оставить", screen=sure)
    assert "Ждёт ответа центра ODAK" in kept.text
    await client.press("Отозвать", screen=kept)
    [gone] = await client.press("Да, отозвать")
    assert f"Вопрос №{number} отозван." in gone.text
    assert f"№{number}" in manager.last.text and "withdrawn by the client" in manager.last.text
    # An old "withdraw" button pressed again is refused kindly.
    await client.press_data(f"st:{number}:wy")
    refused = harness.fake.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert refused == say("ru", "This was already done, or the case has moved on.")


async def test_someone_elses_question_cannot_be_opened_or_withdrawn(harness: Harness) -> None:
    client = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    number = case_number(await ask(client, "en", "A loan guarantee, please"))
    stranger = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    await stranger.press_data(f"mc:{number}")
    assert f"№{number}" not in stranger.last.text
    await stranger.press_data(f"st:{number}:wy")
    [listing] = await client.send("/menu")
    [mine] = await client.press("My questions", screen=listing)
    assert "Waiting for the ODAK centre" in mine.text  # still open


async def test_no_questions_yet(harness: Harness) -> None:
    client = await client_at_entry(harness, "biz-damu-support", "kk", "entrepreneur")
    [menu] = await client.send("/menu")
    [empty] = await client.press("Менің сұрақтарым", screen=menu)
    assert "Сізде әзірге сұрақ жоқ" in empty.text
