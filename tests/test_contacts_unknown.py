"""The shipped base has no office yet: the Contacts screen says honestly how to reach the OSS."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness
from tests.support import onboard, say


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_without_office_data_contacts_says_how_to_reach_the_oss_here(
    harness: Harness, lang: str
) -> None:
    person = await onboard(harness, lang, "farmer", "milk")
    assert say(lang, "Address, hours and phone of the OSS") in harness.fake.commands_for(
        person.id, lang
    )
    [screen] = await person.press(say(lang, "Contacts"))
    assert say(lang, "The OSS's address and phone number are not in the bot yet.") in screen.text
    assert "+7" not in screen.text and "📍" not in " ".join(screen.labels)
    [draft] = await person.press(say(lang, "Ask a specialist"))
    assert draft.text  # the question starts, as from any answer
