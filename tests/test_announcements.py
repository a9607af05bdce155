"""News: clients choose what they hear about; the manager's announcement reaches exactly its
segment, once, below Telegram's bulk limit, through 429s and a restart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.container import Services
from bot.db import Database
from bot.knowledge import KnowledgeHolder
from bot.models import AnnouncementDelivery, Person, utcnow
from bot.services import people, subscriptions
from bot.settings import Settings
from bot.tooling.faketg import FakeTelegram
from bot.tooling.harness import Harness, Phone
from handlers.announce import RATE, Broadcaster
from tests.support import manager_phone, onboard

TEXT = "Apple growers: subsidy applications open on Monday at the akimat."


class VirtualTime:
    """Time that passes only when the bot waits: throttled sending costs no real seconds."""

    def __init__(self) -> None:
        self.start = utcnow()
        self.elapsed = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.elapsed += max(seconds, 0.0)

    def advance(self, **delta: float) -> None:
        self.elapsed += timedelta(**delta).total_seconds()


class PowerCut(BaseException):
    """The machine the bot runs on loses power."""


@pytest.fixture
def time(harness: Harness) -> VirtualTime:
    clock = VirtualTime()
    harness.services.clock = clock.now
    harness.fake.clock = clock.monotonic
    return clock


def sender(harness: Harness, time: VirtualTime, **options: float) -> Broadcaster:
    """The announcement sender of this bot process, on virtual time."""
    return Broadcaster(harness.app, sleep=time.sleep, monotonic=time.monotonic, **options)


async def people_who_want(
    harness: Harness, count: int, topics: Iterable[str], *, lang: str = "kk",
    audience: str = "farmer", chain: str | None = "apple", first_id: int,
) -> list[Phone]:  # fmt: skip
    """Given `count` people who onboarded and asked for news on `topics`."""
    phones = []
    for number in range(count):
        phone = harness.phone(first_id + number, language_code=lang)
        db = harness.services.db
        await people.record_visit(db, phone.id, language=lang)
        if audience == "farmer":
            await people.set_value_chain(db, phone.id, chain)
        else:
            await people.set_audience(db, phone.id, audience)
        for topic in topics:
            await subscriptions.toggle(harness.services.db, phone.id, topic)
        phones.append(phone)
    return phones


def news_received(phone: Phone, text: str = TEXT) -> int:
    """How many copies of the announcement the person has in their chat."""
    return sum(1 for screen in phone.screens if text in screen.text)


async def write_announcement(manager: Phone, text: str, *choices: tuple[str, str]) -> str:
    """The manager writes an announcement, chooses the segment; return the draft's text."""
    await manager.send("/announce")
    await manager.send(text)
    for field, value in choices:
        await manager.press(field)
        await manager.press(value)
    return manager.last_with_buttons().text


async def confirm(manager: Phone) -> str:
    await manager.press("Send")
    [progress] = await manager.press("Yes, send")
    return progress.text


async def test_a_client_subscribes_to_news_from_the_main_menu(harness: Harness) -> None:
    farmer = await onboard(harness, "kk", "farmer", "apple")
    [news] = await farmer.press("Жаңалықтар")
    assert "⬜ 🍎 Алма" in news.labels
    [news] = await farmer.press("Алма", screen=news)
    [news] = await farmer.press("Оқулар мен жәрмеңкелер", screen=news)
    assert "✅ 🍎 Алма" in news.labels and "✅ 🎓 Оқулар мен жәрмеңкелер" in news.labels
    assert "⬜ 🔎 Жұмыс" in news.labels
    assert await subscriptions.topics_of(harness.services.db, farmer.id) == {"apple", "events"}
    [news] = await farmer.press("Алма", screen=news)  # a second tap stops it
    assert "⬜ 🍎 Алма" in news.labels


async def test_the_manager_sees_a_preview_and_the_number_of_recipients_before_sending(
    harness: Harness, time: VirtualTime
) -> None:
    manager = await manager_phone(harness, "en")
    await people_who_want(harness, 3, ["apple"], first_id=500_000)
    await people_who_want(harness, 2, ["milk"], chain="milk", first_id=500_100)
    await manager.send("/announce")
    screens = await manager.send(TEXT)
    preview = next(s for s in screens if TEXT in s.text)
    assert "News from the OSS" in preview.text and preview.has_button("Unsubscribe")
    assert "5 people will get it" in screens[-1].text  # everyone who wants some news
    draft = await write_announcement(manager, "Milk news", ("News topic", "Milk"))
    assert "2 people will get it" in draft
    [draft_screen] = await manager.press("Language")
    [draft_screen] = await manager.press("Русский")
    assert "0 people will get it" in draft_screen.text and not draft_screen.has_button("Send")


async def test_an_announcement_reaches_exactly_its_segment_once_through_429s_and_a_restart(
    harness: Harness,
    time: VirtualTime,
    settings: Settings,
    database: Database,
    knowledge: KnowledgeHolder,
) -> None:
    manager = await manager_phone(harness, "en")
    apple = await people_who_want(harness, 24, ["apple"], first_id=510_000)
    milk = await people_who_want(harness, 6, ["milk"], chain="milk", first_id=520_000)
    apple_but_no_news = await people_who_want(harness, 4, [], first_id=530_000)
    apple_job_news = await people_who_want(harness, 3, ["jobs"], first_id=540_000)
    blocked = apple[-2:]
    for phone in blocked:
        harness.fake.block(phone.id)

    draft = await write_announcement(
        manager, TEXT, ("Value chain", "Apples"), ("News topic", "Apples")
    )
    assert "24 people will get it" in draft
    assert "0 of 24" in await confirm(manager)

    # Telegram allows this bot only 10 messages a second today, and the power fails right
    # after Telegram accepted the 9th message, before the bot could write that down.
    limit = harness.fake.limit_rate(per_second=10, retry_after=2)
    original_call = harness.fake.call
    accepted = 0

    async def call(method: str, params: dict[str, object]) -> tuple[int, dict[str, object]]:
        nonlocal accepted
        status, body = await original_call(method, params)
        if method == "sendMessage" and status == 200 and TEXT in str(params.get("text")):
            accepted += 1
            if accepted == 9:
                raise PowerCut
        return status, body

    harness.fake.call = call  # type: ignore[method-assign]
    with pytest.raises(PowerCut):
        await sender(harness, time).run_until_idle()
    del harness.fake.call
    assert sum(news_received(p) for p in apple) == 9

    # The bot starts again on the same database, some minutes later.
    time.advance(minutes=6)
    services = Services(settings=settings, db=database, knowledge=knowledge, clock=time.now)
    async with Harness(services, harness.fake) as restarted:
        again = sender(restarted, time)
        await again.run_until_idle()
        await restarted.deliver()

    assert limit.refused > 0  # Telegram did say 429 ...
    assert time.elapsed > 6 * 60 + 2  # ... and the sender waited its retry_after
    for phone in apple[:-2]:
        assert news_received(phone) == 1, phone.id  # exactly once, the 9th one too
    for phone in [*blocked, *milk, *apple_but_no_news, *apple_job_news]:
        assert news_received(phone) == 0, phone.id
    assert news_received(manager) == 1  # the preview
    summary = manager.last.text
    assert "Delivered: 21" in summary
    assert "Blocked the bot: 2" in summary
    assert "Outcome unknown, not sent again: 1" in summary  # the 9th: it did arrive
    progress = next(s for s in manager.screens if s.text == "✅ Announcement №1 is sent.")
    assert not progress.buttons


async def test_paced_sending_stays_under_telegrams_bulk_limit_and_shows_progress(
    harness: Harness, time: VirtualTime
) -> None:
    manager = await manager_phone(harness, "en")
    readers = await people_who_want(harness, 100, ["events"], lang="ru", first_id=600_000)
    await write_announcement(manager, TEXT, ("News topic", "Trainings and fairs"))
    await confirm(manager)
    limit = harness.fake.limit_rate(per_second=30, retry_after=5)  # the bulk sending's own limit
    edits = []
    original = harness.fake.api_editMessageText

    def edit(params: dict[str, object]) -> dict[str, object]:
        edits.append(str(params.get("text")))
        return original(params)

    harness.fake.api_editMessageText = edit  # type: ignore[method-assign]
    await sender(harness, time, progress_every=1.0).run_until_idle()
    await harness.deliver()

    assert limit.refused == 0
    assert all(news_received(p) == 1 for p in readers)
    assert 100 / RATE - 0.5 <= time.elapsed <= 100 / RATE + 1  # about RATE messages a second
    assert any("of 100" in text and "Sending" in text for text in edits)
    assert edits[-1] == "✅ Announcement №1 is sent."
    assert "Новости центра ODAK" in readers[0].last.text  # each reads it in their language


async def test_someone_who_blocked_the_bot_is_marked_and_skipped_next_time(
    harness: Harness, time: VirtualTime
) -> None:
    manager = await manager_phone(harness, "en")
    [stays, leaves] = await people_who_want(harness, 2, ["jobs"], first_id=700_500)
    harness.fake.block(leaves.id)
    await write_announcement(manager, TEXT, ("News topic", "Jobs"))
    await confirm(manager)
    await sender(harness, time).run_until_idle()
    async with harness.services.db.read() as session:
        marked = await session.scalar(
            select(Person.blocked_at).where(Person.telegram_id == leaves.id)
        )
    assert marked is not None

    draft = await write_announcement(manager, "Second news", ("News topic", "Jobs"))
    assert "1 person will get it" in draft
    await confirm(manager)
    await sender(harness, time).run_until_idle()
    attempts = [
        c for c in harness.fake.calls_to("sendMessage") if c.params.get("chat_id") == leaves.id
    ]
    assert len(attempts) == 1  # the first announcement only
    assert news_received(stays, "Second news") == 1


def my_chat_member(fake: FakeTelegram, user_id: int, status: str) -> dict[str, object]:
    """The update Telegram sends when a person blocks ("kicked") or unblocks ("member") the bot."""
    user = fake.users[user_id]
    return {
        "update_id": next(fake._update_ids),
        "my_chat_member": {
            "chat": fake.chats[user_id],
            "from": user,
            "date": 0,
            "old_chat_member": {"status": "member", "user": fake.bot_user},
            "new_chat_member": {"status": status, "user": fake.bot_user, "until_date": 0},
        },
    }


async def test_someone_who_unblocks_the_bot_gets_news_again(
    harness: Harness, time: VirtualTime
) -> None:
    manager = await manager_phone(harness, "en")
    [person] = await people_who_want(harness, 1, ["soy"], first_id=705_000)
    await harness.feed(my_chat_member(harness.fake, person.id, "kicked"))
    assert "0 people will get it" in await write_announcement(manager, TEXT)
    await harness.feed(my_chat_member(harness.fake, person.id, "member"))
    assert "1 person will get it" in await write_announcement(manager, TEXT)


async def test_a_send_with_an_unknown_outcome_is_sent_again_only_when_the_manager_says_so(
    harness: Harness, time: VirtualTime
) -> None:
    manager = await manager_phone(harness, "en")
    [first, lost] = await people_who_want(harness, 2, ["business"], first_id=710_000)
    # Telegram takes the message, but the answer never comes back.
    harness.fake.fail_next("delivered_timeout", methods=["sendMessage"], chats=[lost.id])
    await write_announcement(manager, TEXT, ("News topic", "Business support"))
    await confirm(manager)
    await sender(harness, time).run_until_idle()
    await harness.deliver()
    assert news_received(first) == 1 and news_received(lost) == 1
    summary = manager.last
    assert "Outcome unknown, not sent again: 1" in summary.text

    await manager.press("Send again to these 1", screen=summary)
    await sender(harness, time).run_until_idle()
    assert news_received(lost) == 2 and news_received(first) == 1  # the manager's choice
    async with harness.services.db.read() as session:
        statuses = set(await session.scalars(select(AnnouncementDelivery.status)))
    assert statuses == {"sent"}


async def test_unsubscribing_takes_one_tap_under_the_news(
    harness: Harness, time: VirtualTime
) -> None:
    manager = await manager_phone(harness, "en")
    [farmer] = await people_who_want(harness, 1, ["apple", "events"], lang="ru", first_id=720_000)
    await write_announcement(manager, TEXT, ("News topic", "Apples"))
    await confirm(manager)
    await sender(harness, time).run_until_idle()
    news = farmer.last
    await farmer.press("Отписаться", screen=news)
    answer = harness.fake.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert answer == "Готово: новостей о «🍎 Яблоки» больше не будет."
    assert farmer.screens[-1].labels == ["🔔 Настройки новостей"]
    assert await subscriptions.topics_of(harness.services.db, farmer.id) == {"events"}

    draft = await write_announcement(manager, "More apple news", ("News topic", "Apples"))
    assert "0 people will get it" in draft


async def test_writing_an_announcement_survives_a_restart(
    harness: Harness, settings: Settings, database: Database, knowledge: KnowledgeHolder
) -> None:
    manager = await manager_phone(harness, "en")
    await manager.send("/announce")
    services = Services(settings=settings, db=database, knowledge=knowledge)
    async with Harness(services, harness.fake) as restarted:
        phone = restarted.phone(manager.id, language_code="en")
        screens = await phone.send("The OSS is closed on Friday.")
    assert any("Announcement (draft)" in s.text for s in screens)


@pytest.mark.parametrize("command", ["/announce", "/report", "/export", "/gaps"])
async def test_manager_commands_are_unknown_to_clients(harness: Harness, command: str) -> None:
    client = await onboard(harness, "en", "job_seeker")
    [answer] = await client.send(command)
    assert "I do not know this command" in answer.text


def test_the_fake_telegram_refuses_more_than_its_bulk_limit() -> None:
    fake = FakeTelegram()
    now = [0.0]
    fake.clock = lambda: now[0]
    fake.limit_rate(per_second=2, retry_after=3)
    assert fake._over_rate("sendMessage") is None
    assert fake._over_rate("sendMessage") is None
    assert fake._over_rate("sendMessage") == 3
    now[0] = 1.01
    assert fake._over_rate("sendMessage") is None
