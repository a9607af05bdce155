"""The offline Telegram answers the way the real Bot API does, errors included."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.tooling.faketg import FakeRequest, FakeTelegram


@pytest.fixture
async def bot_and_fake() -> tuple[Bot, FakeTelegram]:
    fake = FakeTelegram()
    fake.add_user(42, "Asel")
    request = FakeRequest(fake)
    bot = Bot("1:fake-token-for-tests-000000000", request=request, get_updates_request=request)
    await bot.initialize()
    return bot, fake


async def test_messages_get_increasing_ids_and_dates(
    bot_and_fake: tuple[Bot, FakeTelegram],
) -> None:
    bot, fake = bot_and_fake
    first = await bot.send_message(42, "one")
    second = await bot.send_message(42, "two")
    assert second.message_id == first.message_id + 1
    assert first.date is not None
    assert [m["text"] for m in fake.bot_messages(42)] == ["one", "two"]


async def test_editing_with_the_same_content_is_refused_as_not_modified(
    bot_and_fake: tuple[Bot, FakeTelegram],
) -> None:
    bot, _ = bot_and_fake
    message = await bot.send_message(42, "same")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("same", chat_id=42, message_id=message.message_id)
    edited = await bot.edit_message_text("new", chat_id=42, message_id=message.message_id)
    assert edited.text == "new"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda bot: bot.send_message(777, "hi"), "chat not found"),
        (
            lambda bot: bot.send_message(42, "<b>unclosed", parse_mode="HTML"),
            "can't parse entities",
        ),
        (lambda bot: bot.send_message(42, "<script>x</script>", parse_mode="HTML"), "can't parse"),
        (lambda bot: bot.send_message(42, "x" * 4097), "too long"),
        (lambda bot: bot.edit_message_text("x", chat_id=42, message_id=999), "not found"),
        (lambda bot: bot.answer_callback_query("no-such-query"), "query is too old"),
        (
            lambda bot: bot.send_message(
                42,
                "hi",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="x" * 65)]]
                ),
            ),
            "BUTTON_DATA_INVALID",
        ),
    ],
)
async def test_bad_requests_get_400_with_telegrams_description(
    bot_and_fake: tuple[Bot, FakeTelegram], call, error: str
) -> None:
    bot, _ = bot_and_fake
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await call(bot)


async def test_a_person_who_blocked_the_bot_gives_403(
    bot_and_fake: tuple[Bot, FakeTelegram],
) -> None:
    bot, fake = bot_and_fake
    fake.block(42)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(42, "hello")


@pytest.mark.parametrize(
    ("kind", "error"),
    [("network", NetworkError), ("timeout", TimedOut), ("5xx", NetworkError), ("429", RetryAfter)],
)
async def test_faults_can_be_injected_and_then_calls_succeed_again(
    bot_and_fake: tuple[Bot, FakeTelegram], kind: str, error: type[Exception]
) -> None:
    bot, fake = bot_and_fake
    fake.fail_next(kind, methods=["sendMessage"], retry_after=3)
    with pytest.raises(error) as caught:
        await bot.send_message(42, "first try")
    if kind == "429":
        assert caught.value.retry_after.total_seconds() == 3
    assert fake.bot_messages(42) == []
    await bot.send_message(42, "second try")
    assert [m["text"] for m in fake.bot_messages(42)] == ["second try"]


async def test_a_timeout_after_delivery_leaves_the_message_delivered(
    bot_and_fake: tuple[Bot, FakeTelegram],
) -> None:
    bot, fake = bot_and_fake
    fake.fail_next("delivered_timeout", methods=["sendMessage"])
    with pytest.raises(TimedOut):
        await bot.send_message(42, "arrived anyway")
    assert [m["text"] for m in fake.bot_messages(42)] == ["arrived anyway"]


async def test_every_call_is_recorded(bot_and_fake: tuple[Bot, FakeTelegram]) -> None:
    bot, fake = bot_and_fake
    await bot.send_message(42, "hi")
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage"]
    assert fake.calls[-1].params["chat_id"] == 42
