"""Whatever people send, nobody sees a traceback, and each gets a kind answer in their language."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness
from handlers.guard import FloodGuard
from tests.support import EMPLOYMENT_STAFF, ask, case_number, client_at_entry, link


async def english_speaker(harness: Harness):
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("English")
    await person.press("Looking for a job")
    return person


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "S1", "file_unique_id": "s1", "type": "regular", "width": 512,
                     "height": 512, "is_animated": False, "is_video": False}},
        {"location": {"latitude": 43.35, "longitude": 77.46}},
        {"poll": {"id": "p1", "question": "Yes?", "options": [
                  {"text": "a", "voter_count": 0, "persistent_id": "a"},
                  {"text": "b", "voter_count": 0, "persistent_id": "b"}],
                  "total_voter_count": 0, "is_closed": False,
                  "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
                  "allows_revoting": False, "members_only": False}},
        {"dice": {"emoji": "🎲", "value": 3}},
        {"venue": {"location": {"latitude": 43.3, "longitude": 77.4}, "title": "Bazaar",
                   "address": "Esik"}},
    ],
)  # fmt: skip
async def test_things_the_bot_cannot_read_get_a_kind_answer(harness: Harness, content) -> None:
    person = await english_speaker(harness)
    [answer] = await person.send_content(content)
    assert "I read text messages" in answer.text


async def test_a_very_long_text_is_searched_without_trouble(harness: Harness) -> None:
    person = await english_speaker(harness)
    [answer] = await person.send("job " * 1000)
    assert answer.text


async def test_a_very_long_question_reaches_the_provider_whole(harness: Harness) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    long_text = " ".join(f"word{n}" for n in range(800))  # about 6,000 characters
    await ask(client, "en", long_text[:4000], long_text[4000:])
    received = " ".join(" ".join(s.text.split()) for s in provider.screens)
    assert "word0 " in received and "word799" in received
    assert all(len(s.text) <= 4096 for s in provider.screens)


async def test_html_and_markup_typed_by_a_client_are_shown_as_typed(harness: Harness) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    typed = "<b>urgent</b> & <script>alert(1)</script> *bold* _it_ [x](http://evil)"
    number = case_number(await ask(client, "en", typed))
    card = next(s for s in provider.screens if f"№{number}" in s.text)
    assert typed in card.text  # shown literally, not interpreted


async def test_edited_messages_are_not_silently_ignored(harness: Harness) -> None:
    person = await english_speaker(harness)
    [answer] = await person.send_content({"text": "typo"}, edited=True)
    assert "not edits" in answer.text


async def test_unknown_commands_get_a_pointer_to_what_works(harness: Harness) -> None:
    person = await english_speaker(harness)
    [answer] = await person.send("/weather")
    assert "/menu" in answer.text


async def test_in_a_group_the_bot_says_it_works_in_private_and_leaves(harness: Harness) -> None:
    person = harness.phone(language_code="en")
    group = harness.fake.add_group(-100123, "Talgar farmers")
    await harness.feed(harness.fake.added_to_chat_update(person.id, group["id"]))
    said = harness.fake.bot_messages(group["id"])
    assert said and "private chat" in said[0]["text"]
    assert group["id"] in harness.fake.left_chats


async def test_a_command_in_a_group_gets_the_same_polite_answer(harness: Harness) -> None:
    person = harness.phone(language_code="ru")
    group = harness.fake.add_group(-100124, "Есік базары", kind="supergroup")
    await harness.feed(harness.fake.text_update(person.id, "/start", chat_id=group["id"]))
    said = harness.fake.bot_messages(group["id"])
    assert said and "личном чате" in said[0]["text"]
    assert not harness.fake.bot_messages(person.id)  # nothing private leaks into the group


async def test_a_person_who_floods_is_slowed_down_without_affecting_others(
    harness: Harness,
) -> None:
    guard = FloodGuard(burst=5, rate=1.0, max_delay=3.0)
    now = [0.0]
    guard.clock = lambda: now[0]
    harness.app.bot_data["flood_guard"] = guard
    flooder = await english_speaker(harness)  # three updates of the burst
    calm = await english_speaker(harness)
    harness.waits.clear()
    replies = []
    for _ in range(10):
        replies.extend(await flooder.send("register as unemployed"))
    # Two more in the burst, then three slowed down by 1, 2 and 3 seconds, then dropped.
    assert harness.waits == [1.0, 2.0, 3.0]
    assert sum("found" in r.text for r in replies) == 5
    assert sum("very fast" in r.text for r in replies) == 1  # told once, kindly
    harness.waits.clear()
    [answer] = await calm.send("register as unemployed")
    assert "found" in answer.text and harness.waits == []  # others are not slowed down
    now[0] += 10  # ten seconds later the flooder is served again at once
    [again] = await flooder.send("register as unemployed")
    assert "found" in again.text and harness.waits == []
