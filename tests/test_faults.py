"""Telegram faults: network errors, timeouts, 5xx and 429 on any call. Nothing is lost, and
nothing a person would see twice is sent twice."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from bot.models import Case, OutboxMessage
from bot.tooling.harness import Harness
from tests.support import (
    EMPLOYMENT_STAFF,
    MANAGER_ID,
    Clock,
    ask,
    case_number,
    client_at_entry,
    link,
    manager_phone,
)


async def english_job_seeker(harness: Harness):
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("English")
    await person.press("Looking for a job")
    return person


async def test_a_reply_survives_a_network_error_and_a_5xx(harness: Harness) -> None:
    person = await english_job_seeker(harness)
    harness.fake.fail_next("network", methods=["sendMessage"], chats=[person.id])
    harness.fake.fail_next("5xx", methods=["sendMessage"], chats=[person.id])
    [answer] = await person.send("register as unemployed")
    assert "found" in answer.text
    assert sum("found" in s.text for s in person.screens) == 1


async def test_a_429_on_a_reply_is_waited_out(harness: Harness) -> None:
    person = await english_job_seeker(harness)
    harness.fake.fail_next("429", methods=["sendMessage"], chats=[person.id], retry_after=3)
    [answer] = await person.send("register as unemployed")
    assert "found" in answer.text
    assert 3 in harness.waits


async def test_a_button_press_is_answered_even_when_telegram_hiccups(harness: Harness) -> None:
    person = await english_job_seeker(harness)
    harness.fake.fail_next("timeout", methods=["answerCallbackQuery", "editMessageText"], count=2)
    [listing] = await person.press("Find a job")
    assert listing.buttons, "the list of entries for the need"
    assert harness.fake.unanswered_callbacks() == []


async def test_a_send_whose_answer_was_lost_is_not_repeated_blindly(harness: Harness) -> None:
    person = await english_job_seeker(harness)
    harness.fake.fail_next("delivered_timeout", methods=["sendMessage"], chats=[person.id])
    await person.send("register as unemployed")
    assert sum("found" in s.text for s in person.screens) == 1  # not sent a second time
    harness.errors.clear()  # the lost answer surfaced as an error, and was logged


async def test_every_notification_arrives_exactly_once_through_many_faults(
    harness: Harness,
) -> None:
    """A third of the notification calls fail (network, 5xx, 429); each arrives exactly once."""
    clock = Clock(harness.services.clock())
    harness.services.clock = clock
    manager = await manager_phone(harness, "en")
    provider = await link(harness, "employment_centre", EMPLOYMENT_STAFF, "en")
    clients = [
        await client_at_entry(harness, "job-register-seeker", "en", "job_seeker") for _ in range(20)
    ]
    fake = harness.fake
    fake.fail_next("5xx", chats=[MANAGER_ID, EMPLOYMENT_STAFF], count=10**6)  # Telegram is down
    numbers = []
    for n, client in enumerate(clients):
        numbers.append(case_number(await ask(client, "en", f"Question number {n} from a village")))
    fake.faults.clear()  # ...then comes back, flaky: a third of the calls fail
    fake.fault_rate = 0.33
    fake.fault_kinds = ("network", "5xx", "429")
    for _ in range(200):  # time passes; the outbox retries until everything is out
        clock.advance(seconds=60)
        await harness.deliver()
        async with harness.services.db.read() as session:
            pending = await session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
        if not pending:
            break
    fake.fault_rate = 0.0
    injected = fake.faults_injected
    cards = Counter(
        number for number in numbers for s in manager.screens if f"New case №{number} " in s.text
    )
    assigned = Counter(
        number
        for number in numbers
        for s in provider.screens
        if f"Case for you №{number} " in s.text
    )
    async with harness.services.db.read() as session:
        cases = await session.scalar(select(func.count(Case.id)))
        failed = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.failed_at.is_not(None))
        )
    print(
        f"\nfault soak: {injected} faults injected over {len(fake.calls)} calls; "
        f"{cases} cases; manager cards {sum(cards.values())}; provider cards "
        f"{sum(assigned.values())}; lost {len(numbers) - len(cards)}; "
        f"duplicated {sum(v - 1 for v in cards.values()) + sum(v - 1 for v in assigned.values())}"
    )
    assert injected > 20
    assert cases == len(numbers) == len(set(numbers))
    assert failed == 0
    assert all(cards[n] == 1 for n in numbers), cards
    assert all(assigned[n] == 1 for n in numbers), assigned
    assert not any(s.text.count("New case") > 1 for s in manager.screens)
    harness.errors.clear()  # replies to clients met faults too; each was logged and apologised for
