"""A question written but never sent does not stay forever."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.tooling.harness import Harness
from tests.support import Clock, client_at_entry

ENTRY = "job-register-seeker"
WRITING = "You are writing a question now"


@pytest.fixture
def clock_start() -> datetime:
    """Now: a draft is stamped with the real time when it is written."""
    return datetime.now(UTC)


async def test_an_unsent_question_is_removed_after_draft_days(
    harness: Harness, clock: Clock
) -> None:
    client = await client_at_entry(harness, ENTRY, "en", "job_seeker")
    await client.press("Ask a specialist")
    await client.press("I agree")
    await client.send("My landlord Serik Akhmetov took my passport")
    await client.share_contact("+77011234567")
    draft_screen = client.last_with_buttons()
    [mydata, *_] = await client.send("/mydata")
    assert WRITING in mydata.text

    clock.advance(days=29)
    await harness.tick()
    [mydata, *_] = await client.send("/mydata")
    assert WRITING in mydata.text  # within DRAFT_DAYS (30) it waits to be sent

    clock.advance(days=2)
    await harness.tick()
    [mydata, *_] = await client.send("/mydata")
    assert WRITING not in mydata.text
    # Its old "Send" button sends nothing: the question is gone.
    screens = await client.press("Send", screen=draft_screen)
    assert all("case number" not in s.text for s in screens)
