"""The manager reads what was said on a case; an ended case's cards lose their buttons."""

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
async def test_the_manager_reads_the_messages_and_ended_cards_lose_their_buttons(
    harness: Harness, lang: str
) -> None:
    manager = await manager_phone(harness, lang)
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, lang)
    client = await client_at_entry(harness, "job-register-seeker", lang, "job_seeker")
    number = case_number(await ask(client, lang, "Where do I register?"))
    provider_card = provider.last
    manager_card = next(s for s in manager.screens if f"№{number}" in s.text and s.buttons)
    await provider.press(say(lang, "Reply"), screen=provider_card)
    await provider.send("Room 5, with <b>your ID</b> & a photo.")
    await client.press(say(lang, "Write back"), screen=client.last)
    await client.send("Thank you!")

    [view] = await manager.send(f"/case {number}")
    assert "Room 5, with <b>your ID</b> & a photo." in view.text  # shown as typed, escaped
    assert "Thank you!" in view.text

    await provider.press(say(lang, "Resolved"), screen=provider.last)
    cards = {s.message_id: s for s in provider.screens + manager.screens}
    assert not cards[provider_card.message_id].buttons
    assert not cards[manager_card.message_id].buttons


async def test_a_long_case_fits_one_message_and_keeps_its_html_whole(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "A long talk"))
    for n in range(12):
        await provider.press(
            "Reply", screen=next(s for s in reversed(provider.screens) if s.has_button("Reply"))
        )
        await provider.send(f"Answer {n}: " + "<i>x</i> & y " * 60)
    [view] = await manager.send(f"/case {number}")
    assert len(view.html) <= 4096
    assert "Answer 11:" in view.text  # the latest are kept
    assert "earlier events not shown" in view.text
    assert not harness.errors
