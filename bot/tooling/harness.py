"""Drive the real Application through the fake Bot API, as people with phones would.

Tests and the console demo use it: `harness.phone(...)` is one person's Telegram; `send` and
`press` act as that person and return the screens the bot showed them in response.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Update

from bot.app import Services, build_application
from bot.tooling.faketg import FakeRequest, FakeTelegram, JSONDict

_CHANGING_METHODS = {
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
    "sendPhoto", "sendDocument", "sendVoice", "copyMessage", "sendVenue",
}  # fmt: skip


@dataclass(frozen=True)
class Button:
    """One inline button as a person sees it."""

    label: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Screen:
    """One bot message as it looks on the phone now."""

    message_id: int
    text: str
    html: str
    buttons: tuple[tuple[Button, ...], ...]
    kind: str = "text"
    file_id: str | None = None

    @classmethod
    def from_message(cls, message: JSONDict) -> Screen:
        """Read a stored Bot API message."""
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = tuple(
            tuple(Button(b["text"], b.get("callback_data"), b.get("url")) for b in row)
            for row in keyboard
        )
        kind, file_id = "text", None
        for media in ("photo", "document", "voice"):
            if media in message:
                kind = media
                value = message[media]
                file_id = (value[-1] if isinstance(value, list) else value)["file_id"]
        text: str = message.get("text") or message.get("caption") or ""
        if "venue" in message:  # a map pin: its title and address, as the phone shows them
            kind, venue = "venue", message["venue"]
            text = f"{venue['title']}\n{venue['address']}"
        html: str = message.get("html", text)
        return cls(message["message_id"], text, html, buttons, kind, file_id)

    @property
    def labels(self) -> list[str]:
        """Return every button label, row by row."""
        return [button.label for row in self.buttons for button in row]

    def button(self, label: str) -> Button:
        """Find the one button whose label is or contains `label` (case-insensitive)."""
        flat = [button for row in self.buttons for button in row]
        exact = [b for b in flat if b.label == label]
        if len(exact) == 1:
            return exact[0]
        found = [b for b in flat if label.casefold() in b.label.casefold()]
        if len(found) != 1:
            raise LookupError(f"{len(found)} buttons match {label!r} among {self.labels}")
        return found[0]

    def has_button(self, label: str) -> bool:
        """Tell whether a button with this label is shown."""
        try:
            self.button(label)
        except LookupError:
            return False
        return True


class Phone:
    """One person's Telegram app: what they send and what they see."""

    def __init__(self, harness: Harness, user: JSONDict) -> None:
        self.harness = harness
        self.user = user
        self.id: int = user["id"]

    @property
    def fake(self) -> FakeTelegram:
        return self.harness.fake

    @property
    def screens(self) -> list[Screen]:
        """Return every bot message in this chat, oldest first, as it looks now."""
        return [Screen.from_message(m) for m in self.fake.bot_messages(self.id)]

    @property
    def last(self) -> Screen:
        """Return the bot's latest message in this chat."""
        screens = self.screens
        if not screens:
            raise LookupError(f"the bot has sent nothing to {self.id}")
        return screens[-1]

    def last_with_buttons(self) -> Screen:
        """Return the latest bot message that has buttons."""
        for screen in reversed(self.screens):
            if screen.buttons:
                return screen
        raise LookupError(f"no message with buttons in chat {self.id}")

    @property
    def reply_keyboard(self) -> list[str]:
        """Return the labels of the keyboard shown under the typing field, if any."""
        rows = self.fake.reply_keyboards.get(self.id, [])
        return [button["text"] for row in rows for button in row]

    @property
    def commands(self) -> list[str]:
        """Return the command menu this person sees."""
        return self.fake.commands_for(self.id, self.user.get("language_code"))

    async def send(self, text: str) -> list[Screen]:
        """Type and send a text message."""
        return await self.harness.feed(self.fake.text_update(self.id, text), self.id)

    async def press(self, label: str, *, screen: Screen | None = None) -> list[Screen]:
        """Press the button labelled `label` on `screen` (default: the latest with buttons)."""
        screen = screen or self.last_with_buttons()
        button = screen.button(label)
        if button.data is None:
            raise LookupError(f"button {button.label!r} opens a link, it cannot be pressed")
        return await self.press_data(button.data, message_id=screen.message_id)

    async def press_data(self, data: str, *, message_id: int | None = None) -> list[Screen]:
        """Send a callback query with any data, as an old or forged button would."""
        if message_id is None:
            message_id = self.last.message_id
        return await self.harness.feed(
            self.fake.callback_update(self.id, message_id, data), self.id
        )

    async def share_contact(self, phone: str, *, own: bool = True) -> list[Screen]:
        """Share a phone number: one's own (Telegram's button) or someone else's contact."""
        owner = self.id if own else None
        update = self.fake.contact_update(self.id, phone, owner=owner)
        return await self.harness.feed(update, self.id)

    async def send_photo(self, caption: str | None = None) -> list[Screen]:
        """Send a photo."""
        return await self.harness.feed(self.fake.photo_update(self.id, caption), self.id)

    async def send_voice(self) -> list[Screen]:
        """Send a voice note."""
        return await self.harness.feed(self.fake.voice_update(self.id), self.id)

    async def send_document(self, file_name: str = "paper.pdf") -> list[Screen]:
        """Send a document."""
        return await self.harness.feed(self.fake.document_update(self.id, file_name), self.id)

    async def send_content(self, content: JSONDict, *, edited: bool = False) -> list[Screen]:
        """Send a message with arbitrary content fields (sticker, location, poll...)."""
        update = self.fake.message_update(self.id, content, edited=edited)
        return await self.harness.feed(update, self.id)


class Harness:
    """The real Application on a fake Bot API."""

    def __init__(self, services: Services, fake: FakeTelegram | None = None) -> None:
        services.background = False  # the harness delivers the outbox itself, in step
        self.services = services
        self.fake = fake or FakeTelegram()
        self.waits: list[float] = []  # what the bot would have slept (retries, retry_after)
        self.app = build_application(
            services, request=FakeRequest(self.fake), rate_limit=False, sleep=self._sleep
        )
        self.errors: list[BaseException] = []
        self.app.bot_data["errors"] = self.errors
        self.app.bot_data["sleep"] = self._sleep
        self._user_ids = iter(range(10_001, 1_000_000))

    async def _sleep(self, seconds: float) -> None:
        """Record a wait instead of waiting: tests stay fast, and can see the waits."""
        self.waits.append(seconds)

    async def __aenter__(self) -> Harness:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Initialise the Application and run its start-up hook, as `run` does."""
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)

    async def stop(self) -> None:
        """Run the shutdown hook and shut the Application down."""
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)

    def phone(
        self,
        user_id: int | None = None,
        first_name: str = "Aigerim",
        *,
        language_code: str | None = None,
    ) -> Phone:
        """Give a person a phone with Telegram on it."""
        user_id = user_id if user_id is not None else next(self._user_ids)
        return Phone(self, self.fake.add_user(user_id, first_name, language_code=language_code))

    async def feed(self, update: JSONDict, chat_id: int | None = None) -> list[Screen]:
        """Process one update and deliver what it queued; return the screens that appeared
        or changed in `chat_id`."""
        first_call = len(self.fake.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        await self.deliver()
        return self.changed_since(first_call, chat_id)

    async def deliver(self) -> int:
        """Deliver every notification that is due now, as the background worker would."""
        from handlers.notify import deliver_due

        total = 0
        while attempted := await deliver_due(self.app):
            total += attempted
            if total > 10_000:
                raise RuntimeError("the outbox does not drain")
        return total

    async def tick(self) -> dict[str, int]:
        """Run the periodic check (deadlines, follow-ups) once and deliver what it queued."""
        from bot.services import privacy

        counts = await self.services.cases.tick()
        settings = self.services.settings
        counts["erased"] = await privacy.apply_retention(
            self.services.db, now=self.services.clock(), days=settings.retention_days,
            draft_days=settings.draft_days,
        )  # fmt: skip
        await self.deliver()
        return counts

    def changed_since(self, first_call: int, chat_id: int | None) -> list[Screen]:
        """Return the screens in `chat_id` sent or edited by calls after `first_call`."""
        touched: list[int] = []
        for call in self.fake.calls[first_call:]:
            if not call.ok or call.method not in _CHANGING_METHODS:
                continue
            if chat_id is not None and str(call.params.get("chat_id")) != str(chat_id):
                continue
            if call.method.startswith("edit"):
                touched.append(int(call.params["message_id"]))
            else:
                touched.append(int(call.result["message_id"]))
        messages = self.fake.messages.get(chat_id, {}) if chat_id is not None else {}
        seen: list[int] = []
        for message_id in touched:
            if message_id in messages and message_id not in seen:
                seen.append(message_id)
        return [Screen.from_message(messages[m]) for m in seen]


def plain(text: str) -> str:
    """Collapse whitespace, for comparing texts in tests."""
    return re.sub(r"\s+", " ", text).strip()


def find(screens: Sequence[Screen], needle: str) -> Screen:
    """Return the first screen whose text contains `needle`."""
    for screen in screens:
        if needle.casefold() in screen.text.casefold():
            return screen
    raise LookupError(f"no screen says {needle!r}: {[s.text[:60] for s in screens]}")
