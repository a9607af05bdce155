"""A person's own data: consent, /mydata, /forget, retention, and logs without personal data."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select, text

from bot.models import Case, Person
from bot.tooling.harness import Harness
from tests.support import (
    EMPLOYMENT_STAFF,
    Clock,
    ask,
    case_number,
    client_at_entry,
    link,
    manager_phone,
)

SECRET = "My debt to Kaspi is 450000 tenge and my husband left"
PHONE = "+77011112233"


async def everything_stored(harness: Harness) -> str:
    """Every value in every table, as one text to search for personal data."""
    tables = ("people", "cases", "case_events", "outbox", "conversations", "staff_accounts")
    dump = []
    async with harness.services.db.read() as session:
        for table in tables:
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            dump.extend(str(tuple(row)) for row in rows)
    return "\n".join(dump)


async def asked_with_phone(harness: Harness, lang: str = "en"):
    client = await client_at_entry(harness, "job-register-seeker", lang, "job_seeker")
    await client.press("Ask a specialist")
    await client.press("I agree")
    await client.send(SECRET)
    await client.send_photo()
    await client.press("Add my phone number")
    await client.share_contact(PHONE)
    screens = await client.press("Send")
    [confirmation] = [s for s in screens if "№" in s.text]
    return client, case_number(confirmation.text)


async def test_nothing_reaches_anyone_without_consent(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    [consent] = await client.press("Ask a specialist")
    assert "Employment centre" in consent.text and "Do you agree?" in consent.text
    await client.press("No, back")
    await client.send(SECRET)  # typed after refusing: just a search
    assert not any(SECRET in s.text for s in manager.screens + provider.screens)
    async with harness.services.db.read() as session:
        assert list(await session.scalars(select(Case))) == []


async def test_mydata_shows_profile_cases_and_consents_in_the_persons_language(
    harness: Harness,
) -> None:
    await link(harness, "employment_centre", EMPLOYMENT_STAFF, "ru")
    client = await client_at_entry(harness, "job-register-seeker", "ru", "job_seeker")
    number = case_number(await ask(client, "ru", SECRET))
    [data] = await client.send("/mydata")
    assert "Что я храню о вас" in data.text
    assert "Язык: Русский" in data.text and "Ищу работу" in data.text
    assert f"№{number}" in data.text and SECRET in data.text
    assert "Согласие на передачу дано" in data.text
    assert "/forget" in data.text


async def test_forget_erases_everything_personal_and_withdraws_open_cases(
    harness: Harness, clock: Clock
) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client, number = await asked_with_phone(harness)
    assert SECRET in await everything_stored(harness)

    [confirm] = await client.send("/forget")
    assert "cannot be recalled" in confirm.text
    [done] = await client.press("Yes, erase")
    assert "erased" in done.text and "cannot be recalled" in done.text
    assert "1 open question was withdrawn" in done.text

    stored = await everything_stored(harness)
    assert SECRET not in stored
    assert PHONE not in stored
    assert str(client.id) not in stored
    assert "withdrawn" in provider.last.text and f"№{number}" in provider.last.text
    assert "withdrawn" in manager.last.text
    # Anonymous counts stay for reports.
    async with harness.services.db.read() as session:
        people = list(await session.scalars(select(Person)))
        case = await session.get(Case, number)
    assert any(p.audience == "job_seeker" and p.telegram_id < 0 for p in people)
    assert case is not None and case.status == "closed" and case.question is None
    # The person is a stranger again.
    [nothing] = await client.send("/mydata")
    assert "I store nothing about you" in nothing.text


async def test_keeping_the_data_erases_nothing(harness: Harness) -> None:
    client, _ = await asked_with_phone(harness)
    await client.send("/forget")
    [kept] = await client.press("No, keep")
    assert "Nothing was erased" in kept.text
    assert SECRET in await everything_stored(harness)


async def test_closed_cases_lose_their_personal_data_after_the_retention_period(
    harness: Harness, clock: Clock
) -> None:
    harness.services.settings = dataclasses.replace(harness.services.settings, retention_days=30)
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client, number = await asked_with_phone(harness)
    await provider.press(
        "Resolved", screen=next(s for s in provider.screens if s.has_button("Resolved"))
    )
    await client.press("Yes, solved", screen=client.last)
    clock.advance(days=20)
    assert (await harness.tick())["erased"] == 0
    assert SECRET in await everything_stored(harness)
    clock.advance(days=11)
    assert (await harness.tick())["erased"] == 1
    stored = await everything_stored(harness)
    assert SECRET not in stored and PHONE not in stored
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.status == "resolved"  # the case itself still counts


async def test_logs_at_info_carry_ids_not_questions_or_phone_numbers(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    _, number = await asked_with_phone(harness)
    await provider.press("Reply", screen=next(s for s in provider.screens if s.has_button("Reply")))
    await provider.send("Bring your ID, Mrs Aigerim")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"case {number}" in logged  # ids are logged...
    for personal in (SECRET, PHONE, "Bring your ID", "Aigerim"):  # ...personal data is not
        assert personal not in logged


async def test_a_forgotten_client_is_not_reachable_by_old_buttons(
    harness: Harness, clock: Clock
) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client, _ = await asked_with_phone(harness)
    await client.send("/forget")
    await client.press("Yes, erase")
    seen = len(client.screens)
    case_screen = next(s for s in provider.screens if s.has_button("Reply"))
    await provider.press("Reply", screen=case_screen)
    answer = harness.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params.get("text") == "This was already done, or the case has moved on."
    clock.advance(days=10)  # long past any follow-up
    await harness.tick()
    assert len(client.screens) == seen


async def test_an_old_ask_button_after_forget_starts_from_the_beginning(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    client, _ = await asked_with_phone(harness)
    await client.send("/forget")
    await client.press("Yes, erase")
    cards = len(manager.screens)
    # An answer card with "Ask a specialist" is still in the chat: Telegram keeps messages.
    old = client.screens[0].message_id
    [consent] = await client.press_data("ask:job-register-seeker", message_id=old)
    [again] = await client.press("I agree", screen=consent)
    assert "Choose your language" in again.text
    await client.send("Please help")  # a search now, not an anonymous question
    assert await client.press_data("dr:send")
    assert len(manager.screens) == cards and harness.errors == []
