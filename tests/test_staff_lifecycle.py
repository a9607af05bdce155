"""Staff who leave, move or erase their data: their open cases are handed on, the client's
messages follow the case, and a staff member's /forget leaves neither name nor Telegram id."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.cli import main as oss_bot
from bot.tooling.harness import Harness, Phone
from tests.support import (
    DAMU_STAFF,
    EMPLOYMENT_STAFF,
    ask,
    case_number,
    client_at_entry,
    link,
    manager_phone,
)

ENTRY = "job-register-seeker"
COLLEAGUE = EMPLOYMENT_STAFF + 1


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path, database_url: str):
    """Run `oss-bot` against the test's database, from an empty folder (no .env)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("OSS_MANAGER_IDS", "900001")

    async def run(*args: str) -> int:
        return await asyncio.to_thread(oss_bot, list(args))

    return run


async def client_with_a_case(harness: Harness, question: str) -> tuple[Phone, int]:
    client = await client_at_entry(harness, ENTRY, "en", "job_seeker")
    return client, case_number(await ask(client, "en", question))


async def test_an_unlinked_staff_members_case_goes_to_a_colleague_with_the_clients_messages(
    harness: Harness, cli, capsys
) -> None:
    leaving = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client, number = await client_with_a_case(harness, "Where do I register?")
    assert f"№{number}" in leaving.last.text
    colleague = await link(harness, "employment_centre", COLLEAGUE, "en")

    assert await cli("providers", "unlink", str(EMPLOYMENT_STAFF)) == 0
    assert f"case {number} now goes to Telegram user {COLLEAGUE}" in capsys.readouterr().out
    await harness.deliver()
    card = colleague.last
    assert "Case for you" in card.text and f"№{number}" in card.text
    seen_by_leaving = len(leaving.screens)

    await colleague.press("Reply", screen=card)
    await colleague.send("Bring your identity card to the employment centre.")
    answer = client.last
    assert "identity card" in answer.text
    await client.press("Write back", screen=answer)
    await client.send("Thank you! Is Saturday possible?")
    assert "Saturday" in colleague.last.text
    assert len(leaving.screens) == seen_by_leaving  # the one who left hears nothing more


async def test_a_case_of_the_only_staff_member_goes_back_to_the_managers_queue(
    harness: Harness, cli, capsys
) -> None:
    manager = await manager_phone(harness, "en")
    await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    _, number = await client_with_a_case(harness, "Where do I register?")

    assert await cli("providers", "unlink", str(EMPLOYMENT_STAFF)) == 0
    assert f"case {number} is back in the OSS manager's queue" in capsys.readouterr().out
    await harness.deliver()
    back = manager.last
    assert f"№{number}" in back.text and "returned" in back.text
    assert back.has_button("Assign")
    [history] = await manager.send(f"/case {number}")
    assert "returned" in history.text.lower()


async def test_a_staff_member_moved_to_another_provider_leaves_the_old_cases_behind(
    harness: Harness, cli, capsys
) -> None:
    manager = await manager_phone(harness, "en")
    moving = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client, number = await client_with_a_case(harness, "Where do I register?")

    assert await cli("providers", "link", "damu", str(EMPLOYMENT_STAFF)) == 0
    out = capsys.readouterr().out
    assert "now answers cases for damu" in out and f"case {number} is back" in out
    await harness.deliver()
    assert f"№{number}" in manager.last.text
    # The client writes again: the moved account does not get it, the managers do.
    seen_by_moving = len(moving.screens)
    await manager.press("Reply", screen=manager.last)
    await manager.send("We are finding you another specialist.")
    await client.press("Write back", screen=client.last)
    await client.send("Thank you, I will wait.")
    assert "I will wait" in manager.last.text
    assert len(moving.screens) == seen_by_moving


async def test_unlinking_someone_who_is_not_linked_says_so(cli, capsys) -> None:
    assert await cli("providers", "unlink", "123") == 1
    assert "not linked" in capsys.readouterr().err


async def everything_stored(harness: Harness) -> str:
    """Every value in every table that could hold a staff member's name or Telegram id."""
    tables = ("people", "staff_accounts", "staff_invites", "outbox", "case_events", "cases")
    dump = []
    async with harness.services.db.read() as session:
        for table in tables:
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            dump.extend(str(tuple(row)) for row in rows)
    return "\n".join(dump)


async def test_a_staff_members_forget_erases_their_name_and_id_and_hands_on_their_cases(
    harness: Harness,
) -> None:
    manager = await manager_phone(harness, "en")
    await manager.send("/invite")
    [invite] = await manager.press("Damu")
    token = next(line for line in invite.text.splitlines() if "start=inv-" in line)
    staff = harness.phone(DAMU_STAFF, "Aidana Serikkyzy", language_code="en")
    await staff.send(f"/start {token.split('start=')[1]}")
    assert "Aidana Serikkyzy now answers cases" in manager.last.text
    client = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    number = case_number(await ask(client, "en", "How do I apply for a Damu guarantee?"))
    assert f"№{number}" in staff.last.text
    colleague = await link(harness, "damu", DAMU_STAFF + 1, "en")
    assert "Aidana" in await everything_stored(harness)

    await staff.send("/forget")
    [done] = await staff.press("Yes, erase")
    assert "erased" in done.text
    await harness.deliver()
    assert "Case for you" in colleague.last.text and f"№{number}" in colleague.last.text
    stored = await everything_stored(harness)
    assert "Aidana" not in stored and str(DAMU_STAFF) not in stored
    # Back as anyone else: no staff commands, no cases.
    [reply] = await staff.send("/cases")
    assert f"№{number}" not in reply.text


async def test_one_invite_opened_by_two_people_at_once_links_only_one(harness: Harness) -> None:
    """On PostgreSQL both used to be linked (9 times in 10)."""
    from bot.services import staff

    manager = await manager_phone(harness, "en")
    for attempt in range(3):
        await manager.send("/invite")
        [invite] = await manager.press("Damu")
        line = next(line for line in invite.text.splitlines() if "start=inv-" in line)
        token = line.split("start=")[1]
        first = harness.phone(DAMU_STAFF + 10 * attempt, "First", language_code="en")
        second = harness.phone(DAMU_STAFF + 10 * attempt + 1, "Second", language_code="en")
        await asyncio.gather(first.send(f"/start {token}"), second.send(f"/start {token}"))
        welcomed = [p for p in (first, second) if "You now answer cases" in p.last.text]
        refused = [p for p in (first, second) if "not valid" in p.last.text]
        assert len(welcomed) == 1 and len(refused) == 1
    linked = await staff.linked_accounts(harness.services.db)
    assert len(linked["damu"]) == 3


async def test_a_provider_writing_a_reply_when_the_client_erases_their_data_is_not_stuck(
    harness: Harness,
) -> None:
    await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client, number = await client_with_a_case(harness, "Where do I register?")
    card = next(s for s in provider.screens if f"№{number}" in s.text)
    [prompt] = await provider.press("Reply", screen=card)
    assert "Write your answer" in prompt.text
    await client.send("/forget")
    await client.press("Yes, erase")
    await harness.deliver()
    assert "withdrawn" in provider.last.text
    # Reply mode ended with the case: the next message is an ordinary one again.
    screens = await provider.send("employment centre")
    assert screens and all("not open for messages" not in s.text for s in screens)


async def test_a_provider_writing_a_reply_when_the_case_is_reassigned_is_not_stuck(
    harness: Harness,
) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    await link(harness, "damu", DAMU_STAFF, "en")
    _, number = await client_with_a_case(harness, "Where do I register?")
    card = next(s for s in provider.screens if f"№{number}" in s.text)
    [prompt] = await provider.press("Reply", screen=card)
    assert "Write your answer" in prompt.text
    await manager.press(
        "Reassign", screen=next(s for s in manager.screens if s.has_button("Reassign"))
    )
    await manager.press("Damu")
    assert "another provider" in provider.last.text
    screens = await provider.send("employment centre")
    assert screens and all("not available" not in s.text for s in screens)
    assert all("not open for messages" not in s.text for s in screens)
