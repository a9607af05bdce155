"""NUL and other control characters in what people type are dropped before anything is stored
(PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import pytest

from bot.services.safetext import clean_text
from bot.tooling.harness import Harness
from tests.support import ask, case_number, client_at_entry, manager_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Fair\x00 on Saturday", "Fair on Saturday"),
        ("line one\nline two\ttab", "line one\nline two\ttab"),
        ("bell\x07 escape\x1b[31m delete\x7f", "bell escape[31m delete"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("Қазақша «ёлочки» ①²", "Қазақша «ёлочки» ①²"),
    ],
)
def test_clean_text_keeps_words_and_line_breaks_and_drops_control_characters(
    typed: str, stored: str
) -> None:
    assert clean_text(typed) == stored


async def test_an_announcement_with_a_nul_in_it_is_stored_without_it(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    await manager.send("/announce")
    await manager.send("Apple fair\x00 on Saturday in Esik")
    assert "Announcement (draft)" in manager.last_with_buttons().text
    [preview, *_] = await manager.press("Preview")
    assert "Apple fair on Saturday in Esik" in preview.text
    assert "\x00" not in preview.text


async def test_a_question_with_a_nul_in_it_is_sent_and_the_provider_reads_it_without(
    harness: Harness,
) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Where do I\x00 register?"))
    card = next(s for s in manager.screens if f"№{number}" in s.text)
    assert "Where do I register?" in card.text
    await manager.press("Reply", screen=card)
    await manager.send("At the employment centre.")
    await client.press("Write back", screen=client.last)
    await client.send("Thank\x00 you")
    assert "Thank you" in manager.last.text
