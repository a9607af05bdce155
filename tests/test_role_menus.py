"""Role-aware menus: clients, a provider's staff and the OSS's managers each see their own
command menu and /help, in their language."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness
from tests.support import DAMU_STAFF, MANAGER_ID, link, manager_phone, onboard, say

LANGS = ["kk", "ru", "en"]


def described(lang: str, *descriptions: str) -> list[str]:
    return [say(lang, d) for d in descriptions]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_client_sees_the_clients_menu_and_help(harness: Harness, lang: str) -> None:
    client = await onboard(harness, lang, "job_seeker")
    assert client.commands[:2] == described(lang, "Start again", "Main menu")
    assert say(lang, "All open cases") not in client.commands
    [help_screen] = await client.send("/help")
    assert say(lang, "How to use this bot") in help_screen.text
    assert "/report" not in help_screen.text and "/cases" not in help_screen.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_manager_gets_the_managers_menu_from_the_start(harness: Harness, lang: str) -> None:
    # Before the manager writes anything, the menu set at start-up is there (in the default
    # language, the manager's own not known yet).
    assert harness.fake.commands_for(MANAGER_ID, None)[0] == say("kk", "All open cases")
    manager = await manager_phone(harness, lang)
    assert manager.commands[:3] == described(
        lang, "All open cases", "One case and its messages: /case 42",
        "Report for a week or a month",
    )  # fmt: skip
    [help_screen] = await manager.send("/help")
    assert say(lang, "Help for the ODAK centre's manager") in help_screen.text
    for command in ("/cases", "/case 42", "/report", "/gaps", "/invite", "/announce", "/export"):
        assert command in help_screen.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_staff_account_gets_its_menu_when_linked(harness: Harness, lang: str) -> None:
    staff = await link(harness, "damu", DAMU_STAFF, lang)  # opened the bot, then was linked
    assert staff.commands[0] == say(lang, "Start again")  # still a client's, until it is seen
    await staff.send("/start")
    assert staff.commands[:2] == described(
        lang, "Your organisation's open cases", "One case and its messages: /case 42"
    )
    [help_screen] = await staff.send("/help")
    assert say(lang, "Help for a provider's staff") in help_screen.text
    assert "/cases" in help_screen.text and "/report" not in help_screen.text


async def test_an_invite_accepted_sets_the_staff_menu_at_once(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    await manager.send("/invite")
    [invite] = await manager.press("Damu")
    token = next(line for line in invite.text.splitlines() if "start=inv-" in line).split("=")[1]
    staff = harness.phone(DAMU_STAFF, "Aidana", language_code="ru")
    await staff.send(f"/start {token}")
    assert staff.commands[0] == say("ru", "Your organisation's open cases")
