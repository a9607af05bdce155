"""Handoff: a question goes to the right provider, the manager sees it, answers come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import Case, CaseEvent
from bot.tooling.harness import Harness
from tests.support import (
    DAMU_STAFF,
    EMPLOYMENT_STAFF,
    EMPLOYMENT_STAFF_2,
    MANAGER_ID,
    Clock,
    ask,
    case_number,
    client_at_entry,
    link,
    manager_phone,
)


async def test_the_whole_loop_from_a_kazakh_question_to_a_rating(
    harness: Harness, clock: Clock
) -> None:
    manager = await manager_phone(harness, "ru")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "ru")
    farmer = await client_at_entry(harness, "job-register-seeker", "kk", "job_seeker")

    confirmation = await ask(farmer, "kk", "Сәлеметсіз бе! Жұмыссыз ретінде қалай тіркелемін?")
    number = case_number(confirmation)
    assert "Жұмыспен" in confirmation or "жауап береді" in confirmation

    # The manager is told, with the question and who the client is.
    card = manager.last
    assert f"№{number}" in card.text and "Жұмыссыз ретінде қалай тіркелемін?" in card.text
    assert "Қазақша" in card.text  # the client's language
    # The right provider gets the case, with the client's language and question.
    case = provider.last
    assert f"№{number}" in case.text and "Қазақша" in case.text
    assert case.has_button("Ответить")

    await provider.press("Ответить", screen=case)
    await provider.send("Приходите в центр занятости с удостоверением личности.")
    answer = farmer.last
    assert f"№{number}" in answer.text
    assert "Приходите в центр занятости с удостоверением личности." in answer.text

    await farmer.press("Жауап жазу", screen=answer)
    await farmer.send("Рақмет! Қай күні баруға болады?")
    assert "Қай күні баруға болады?" in provider.last.text

    await provider.press("Решено", screen=provider.last)
    question = farmer.last
    assert "шешті ме" in question.text or f"№{number}" in question.text
    await farmer.press("Иә", screen=question)
    rating = farmer.last
    await farmer.press("5 ⭐", screen=rating)

    async with harness.services.db.read() as session:
        stored = await session.get(Case, number)
        kinds = list(
            await session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == number).order_by(CaseEvent.id)
            )
        )
    assert stored is not None and stored.status == "resolved" and stored.rating == 5
    assert stored.first_answer_at is not None
    assert kinds == [
        "opened", "assigned", "provider_message", "client_message", "resolved", "confirmed",
        "rated",
    ]  # fmt: skip


async def test_the_client_can_add_photos_voice_and_a_phone_number(harness: Harness) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    await client.press("Ask a specialist")
    await client.press("I agree")
    await client.send("My documents are attached.")
    await client.send_photo(caption="my ID")
    await client.send_voice()
    await client.press("Add my phone number")
    await client.share_contact("+77001234567")
    await client.press("Send")
    files = [s for s in provider.screens if s.kind in ("photo", "voice")]
    assert {s.kind for s in files} == {"photo", "voice"}
    card = next(s for s in provider.screens if "My documents are attached." in s.text)
    assert "+77001234567" in card.text and "2 files" in card.text


async def test_someone_elses_contact_is_not_taken_as_the_clients_number(harness: Harness) -> None:
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    await client.press("Ask a specialist")
    await client.press("I agree")
    [answer] = await client.share_contact("+77770000000", own=False)
    assert "your own number" in answer.text


async def test_a_question_without_a_linked_provider_goes_to_the_manager_queue(
    harness: Harness,
) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    confirmation = await ask(client, "en", "Can Damu guarantee my loan?")
    assert "the OSS manager" in confirmation
    card = manager.last
    assert "OSS queue" in card.text and "suggested" in card.text and "Damu" in card.text


async def test_the_manager_reassigns_and_the_old_provider_is_told(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    employment = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    damu = await link(harness, "damu", DAMU_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "I want to open a business instead."))
    await manager.press("Reassign", screen=manager.last)
    await manager.press("Damu")
    assert f"№{number}" in damu.last.text and damu.last.has_button("Reply")
    assert "another provider" in employment.last.text
    # The old provider's buttons no longer work on this case.
    [case_screen] = [s for s in employment.screens if s.has_button("Reply")]
    await employment.press("Reply", screen=case_screen)
    answer = harness.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params.get("text") == "This is not available to you."


async def test_the_least_loaded_staff_member_gets_the_next_case(harness: Harness) -> None:
    first = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    second = await link(harness, "employment_centre", EMPLOYMENT_STAFF_2, "en")
    for text in ("First question", "Second question"):
        client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
        await ask(client, "en", text)
    assert any("First question" in s.text for s in first.screens)
    assert any("Second question" in s.text for s in second.screens)
    assert not any("Second question" in s.text for s in first.screens)


async def test_a_provider_returns_a_case_to_the_oss(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Is this for you?"))
    await provider.press("Return to the OSS", screen=provider.last)
    assert f"returned case №{number}" in manager.last.text
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.status == "new" and case.provider_id is None


async def test_a_strangers_forged_buttons_are_refused(harness: Harness) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Private question about my debts"))
    stranger = harness.phone(555_555, language_code="en")
    await stranger.send("/start")
    await stranger.press("English")
    for forged in (f"pr:{number}:d", f"pr:{number}:r", f"cc:{number}", f"cp:{number}:damu",
                   f"cv:{number}", f"cr:{number}", f"ok:{number}:n", f"rt:{number}:1"):  # fmt: skip
        await stranger.press_data(forged)
        answer = harness.fake.calls_to("answerCallbackQuery")[-1]
        assert answer.params.get("text") == "This is not available to you.", forged
    assert not any("debts" in s.text for s in stranger.screens)
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.status == "assigned" and case.rating is None
    assert provider.last.has_button("Reply")


async def test_button_data_with_a_trailing_newline_is_an_old_button(harness: Harness) -> None:
    """`$` matches before a final newline: "pr:1:d\\n" must not be read as "return the case"."""
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Where do I register?"))
    for person, forged in ((provider, f"pr:{number}:d\n"), (client, "lang:kk\n"),
                           (client, "nw:jobs\n")):  # fmt: skip
        await person.press_data(forged)
        answer = harness.fake.calls_to("answerCallbackQuery")[-1]
        assert answer.params.get("text") == "This button is out of date. Here is the main menu."
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.status == "assigned" and case.provider_id is not None
    assert "Main menu" in client.last.text  # still in English


async def test_a_client_pressing_a_case_list_button_gets_the_menu(harness: Harness) -> None:
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    await client.press_data("cl:0")  # e.g. kept from the days they answered for a provider
    answer = harness.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params.get("text") == "This button is out of date. Here is the main menu."
    assert "Main menu" in client.last.text


async def test_a_provider_cannot_see_another_providers_case(harness: Harness) -> None:
    employment = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    damu = await link(harness, "damu", DAMU_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Only the employment centre should read this"))
    [answer] = await damu.send(f"/case {number}")
    assert "no such case" in answer.text
    [listing] = await damu.send("/cases")
    assert f"№{number}" not in " ".join(listing.labels)
    [own] = await employment.send(f"/case {number}")
    assert "Only the employment centre should read this" in own.text


async def test_a_deadline_passing_escalates_to_the_manager(harness: Harness, clock: Clock) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Nobody will answer this in time"))

    clock.advance(hours=4)  # Monday 14:00: plenty of working time left
    counts = await harness.tick()
    assert (counts["reminded"], counts["overdue"], counts["followed_up"]) == (0, 0, 0)

    clock.advance(hours=24)  # Tuesday 14:00: 3 working hours before the 16-hour deadline
    assert (await harness.tick())["reminded"] == 1
    assert "Reminder" in provider.last.text and f"№{number}" in provider.last.text

    clock.advance(hours=4)  # Tuesday 18:00: past Tuesday 17:00
    assert (await harness.tick())["overdue"] == 1
    assert "overdue" in manager.last.text and f"№{number}" in manager.last.text
    notified = len(manager.screens)
    await harness.tick()  # told once, not every minute
    assert len(manager.screens) == notified
    [listing] = await manager.send("/cases")
    assert "Overdue: 1" in listing.text


async def test_deadlines_count_working_hours_only(harness: Harness) -> None:
    from bot.services.worktime import WorkingHours

    hours = WorkingHours(harness.services.settings.tz)
    friday_5pm = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # 17:00 in Almaty
    due = hours.add(friday_5pm, 16)
    # Friday 17-18 (1 h), Monday 9-18 (9 h), Tuesday 9-15 (6 h): Tuesday 15:00 in Almaty
    assert due == datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert hours.between(friday_5pm, due) == timedelta(hours=16)


async def test_the_client_says_no_and_the_case_reopens(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Help me register"))
    await provider.press("Resolved", screen=provider.last)
    await client.press("No", screen=client.last)
    assert "open again" in client.last.text
    assert "not solved" in provider.last.text and provider.last.has_button("Reply")
    assert "not solved" in manager.last.text
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.status == "reopened"


async def test_the_follow_up_asks_whether_the_service_was_received(
    harness: Harness, clock: Clock
) -> None:
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Register me please"))
    await provider.press("Resolved", screen=provider.last)
    await client.press("Yes, solved", screen=client.last)
    await client.press("4 ⭐", screen=client.last)

    clock.advance(days=3)
    await harness.tick()
    assert "Did you get the service" not in client.last.text
    clock.advance(days=5)
    assert (await harness.tick())["followed_up"] == 1
    follow_up = client.last
    assert "Did you get the service" in follow_up.text and f"№{number}" in follow_up.text
    await client.press("No", screen=follow_up)
    assert "did not get the service" in manager.last.text
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.outcome == "no" and case.rating == 4
    # Answered once: the buttons are gone.
    assert client.last.buttons == ()


async def test_a_rating_is_asked_and_stored_once(harness: Harness) -> None:
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Rate me"))
    await provider.press("Resolved", screen=provider.last)
    await client.press("Yes, solved", screen=client.last)
    rating = client.last
    await client.press("5 ⭐", screen=rating)
    await client.press_data(f"rt:{number}:1", message_id=rating.message_id)
    async with harness.services.db.read() as session:
        case = await session.get(Case, number)
    assert case is not None and case.rating == 5


async def test_a_notification_that_failed_is_delivered_later(
    harness: Harness, clock: Clock
) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    # Telegram is down for longer than a request's own retries, then asks to wait 30 s.
    harness.fake.fail_next("5xx", methods=["sendMessage"], chats=[MANAGER_ID], count=4)
    harness.fake.fail_next("429", methods=["sendMessage"], chats=[MANAGER_ID], retry_after=30)
    before = len(manager.screens)
    number = case_number(await ask(client, "en", "Will the manager hear about this?"))
    assert len(manager.screens) == before  # nothing arrived yet, and nothing was lost
    clock.advance(seconds=2)
    await harness.deliver()  # the next attempt meets the 429
    assert len(manager.screens) == before
    clock.advance(seconds=20)
    await harness.deliver()  # too early: retry_after is honoured
    assert len(manager.screens) == before
    clock.advance(seconds=11)
    await harness.deliver()
    assert f"№{number}" in manager.last.text
    assert len([s for s in manager.screens if f"№{number}" in s.text]) == 1


async def test_a_provider_links_with_a_single_use_invite(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    await manager.send("/invite")
    [invite] = await manager.press("Damu")
    link_text = next(line for line in invite.text.splitlines() if "start=inv-" in line)
    token = link_text.split("start=")[1]
    staff_phone = harness.phone(DAMU_STAFF, "Aidana", language_code="en")
    [welcome] = await staff_phone.send(f"/start {token}")
    assert "You now answer cases for" in welcome.text
    assert "Aidana now answers cases" in manager.last.text
    intruder = harness.phone(DAMU_STAFF + 1, "Someone", language_code="en")
    [refused] = await intruder.send(f"/start {token}")
    assert "not valid" in refused.text


async def test_the_manager_lists_and_views_cases_with_history(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    number = case_number(await ask(client, "en", "Show me in the list"))
    [listing] = await manager.send("/cases")
    assert "Open cases: 1" in listing.text
    [view] = await manager.press(f"№{number}")
    assert "History" in view.text and "question sent by the client" in view.text
    assert "given to" in view.text


async def test_clients_cannot_use_manager_commands(harness: Harness) -> None:
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    for command in ("/cases", "/case 1", "/invite"):
        [answer] = await client.send(command)
        assert "I do not know this command" in answer.text


async def test_cancel_discards_a_half_written_question(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
    await client.press("Ask a specialist")
    await client.press("I agree")
    await client.send("half a question")
    screens = await client.send("/cancel")
    assert "not sent" in screens[0].text
    async with harness.services.db.read() as session:
        assert list(await session.scalars(select(Case))) == []
    assert not any("half a question" in s.text for s in manager.screens)
    # Afterwards typed text is a search again.
    [results] = await client.send("vacancies")
    assert "found" in results.text or "not sure" in results.text or "did not find" in results.text


async def test_the_morning_digest_counts_cases_by_provider_on_working_days(
    harness: Harness, clock: Clock
) -> None:
    manager = await manager_phone(harness, "en")
    await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    for text in ("One", "Two"):
        client = await client_at_entry(harness, "job-register-seeker", "en", "job_seeker")
        await ask(client, "en", text)
    client = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    await ask(client, "en", "Three")
    clock.advance(days=2)  # Wednesday morning: all three are past their deadline
    assert await harness.services.cases.send_digest() == 1
    await harness.deliver()
    digest = manager.last
    assert "Good morning" in digest.text
    assert "Open: 3" in digest.text and "Overdue: 3" in digest.text
    assert "Employment centre: 2 open, 2 overdue" in digest.text
    assert "the OSS: 1 open, 1 overdue" in digest.text
    assert await harness.services.cases.send_digest() == 1  # a second run the same day...
    await harness.deliver()
    assert manager.last.message_id == digest.message_id  # ...sends nothing twice
    clock.advance(days=3)  # Saturday
    assert await harness.services.cases.send_digest() == 0


async def test_the_oss_manager_answers_a_queued_case_itself(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    number = case_number(await ask(client, "en", "Which office is open on Saturday?"))
    await manager.press("Reply", screen=manager.last)
    [sent] = await manager.send("The public service centre in Esik: ask there about Saturdays.")
    assert f"№{number}" in sent.text
    answer = client.last
    assert f"№{number}" in answer.text and "from the OSS" in answer.text
    await client.press("Write back", screen=answer)
    await client.send("Thank you, and on Sunday?")
    assert "and on Sunday?" in manager.last.text  # no provider: the managers read it
    await manager.press("Resolved", screen=manager.last)
    assert "Did this solve your problem?" in client.last.text


async def test_the_manager_cannot_return_a_case_or_reply_on_a_closed_one(harness: Harness) -> None:
    manager = await manager_phone(harness, "en")
    client = await client_at_entry(harness, "biz-damu-support", "en", "entrepreneur")
    number = case_number(await ask(client, "en", "Close this one"))
    await manager.press("Close", screen=manager.last)
    await manager.press_data(f"pr:{number}:r")
    answer = harness.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params.get("text") == "This was already done, or the case has moved on."
    await manager.press_data(f"pr:{number}:x")
    answer = harness.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params.get("text") == "This is not available to you."
