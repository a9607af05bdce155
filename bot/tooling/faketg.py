"""An offline Telegram: a fake Bot API that behaves like the real one, for tests and the demo.

`FakeTelegram` keeps chats and messages in memory, answers the Bot API methods the bot uses the
way Telegram does (message ids, dates, edits, callback answers, "message is not modified", 400s
for bad requests), records every call, and can fail on purpose (network errors, timeouts, 5xx,
429 with retry_after). `FakeRequest` plugs it into python-telegram-bot at its one network seam,
`BaseRequest`; `bot.tooling.faketg_server` serves the same object over HTTP for a real
`oss-bot run`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]

BOT_ID = 7_000_000_001
BOT_USERNAME = "enbek_oss_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class ApiCall:
    """One request the bot made, and how it ended."""

    method: str
    params: JSONDict
    ok: bool = True
    error: str | None = None
    result: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """A failure to inject: `kind` is network, timeout, delivered_timeout, 5xx or 429."""

    kind: str
    methods: frozenset[str] | None = None
    retry_after: int = 1
    count: int = 1
    chats: frozenset[int] | None = None


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded: the method, the form field, the file name and the bytes."""

    method: str
    field: str
    filename: str
    content: bytes


@dataclass
class RateLimit:
    """Telegram's bulk limit: at most `per_second` calls of `methods` in any second."""

    per_second: int
    retry_after: int
    methods: frozenset[str]
    accepted: deque[float] = field(default_factory=deque)
    refused: int = 0


class _HTMLChecker(HTMLParser):
    """Validate Telegram's HTML subset the way the Bot API does."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS and self.error is None:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            if self.error is None:
                self.error = f'Unmatched end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        mapping = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in mapping and self.error is None:
            self.error = f'Unsupported entity "&{name};"'
        self.plain.append(mapping.get(name, ""))

    def handle_charref(self, name: str) -> None:
        try:
            self.plain.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))
        except ValueError:
            self.error = self.error or "Invalid character reference"


def html_to_plain(text: str) -> str:
    """Return what a person sees of an HTML message; raise ApiError where Telegram would."""
    if "<" in text and text.count("<") != text.count(">"):
        raise ApiError(400, "Bad Request: can't parse entities: unclosed or stray '<'")
    checker = _HTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error}")
    return "".join(checker.plain)


class FakeTelegram:
    """The Bot API, in memory."""

    def __init__(self, *, seed: int = 0) -> None:
        self.bot_user: JSONDict = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "OSS Enbekshikazakh",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[ApiCall] = []
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, JSONDict] = {}
        self.messages: dict[int, dict[int, JSONDict]] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.blocked: set[int] = set()
        self.reply_keyboards: dict[int, list[list[JSONDict]]] = {}
        self.left_chats: set[int] = set()
        self.faults: list[Fault] = []
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ("network", "5xx", "429")
        self.faults_injected = 0
        self._random = random.Random(seed)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: dict[str, int] = {}
        self._file_ids = itertools.count(1)
        self.pending_updates: list[JSONDict] = []
        self._updates_waiting = asyncio.Event()
        self.webhook_url = ""
        self.uploads: list[Upload] = []
        self.rate_limit: RateLimit | None = None
        self.clock: Callable[[], float] = time.monotonic  # what "a second" is measured with

    # ---- people and chats ------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """Register a Telegram user with a private chat; return the user object."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        self.chats.setdefault(user_id, chat)
        self.messages.setdefault(user_id, {})
        return user

    def add_group(
        self, chat_id: int, title: str = "Village group", kind: str = "group"
    ) -> JSONDict:
        """Register a group, supergroup or channel chat."""
        chat = {"id": chat_id, "type": kind, "title": title}
        self.chats[chat_id] = chat
        self.messages.setdefault(chat_id, {})
        return chat

    def block(self, user_id: int) -> None:
        """Make the user block the bot: later sends to them fail with 403."""
        self.blocked.add(user_id)

    # ---- updates, as a person would cause them ----------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _store_incoming(self, chat_id: int, user_id: int, content: JSONDict) -> JSONDict:
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.users[user_id],
            "chat": self.chats[chat_id],
            "date": int(time.time()),
            **content,
        }
        self.messages[chat_id][message["message_id"]] = message
        return message

    def message_update(
        self, user_id: int, content: JSONDict, *, chat_id: int | None = None, edited: bool = False
    ) -> JSONDict:
        """Build an update for a message from `user_id` with the given content fields."""
        chat_id = user_id if chat_id is None else chat_id
        message = self._store_incoming(chat_id, user_id, content)
        if edited:
            message["edit_date"] = message["date"]
        key = "edited_message" if edited else "message"
        if self.chats[chat_id]["type"] == "channel":
            message.pop("from", None)
            key = "edited_channel_post" if edited else "channel_post"
        return {"update_id": next(self._update_ids), key: message}

    def text_update(self, user_id: int, text: str, *, chat_id: int | None = None) -> JSONDict:
        """Build an update for a text message; a leading /command gets its entity."""
        content: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.message_update(user_id, content, chat_id=chat_id)

    def contact_update(
        self, user_id: int, phone: str, *, first_name: str = "Contact", owner: int | None = None
    ) -> JSONDict:
        """Build an update for a shared contact; `owner` is whose contact it is."""
        contact: JSONDict = {"phone_number": phone, "first_name": first_name}
        if owner is not None:
            contact["user_id"] = owner
        return self.message_update(user_id, {"contact": contact})

    def new_file(self, prefix: str = "F") -> tuple[str, str]:
        """Return a fresh (file_id, file_unique_id) pair."""
        number = next(self._file_ids)
        return f"{prefix}file{number:06d}", f"{prefix}u{number:06d}"

    def photo_update(self, user_id: int, caption: str | None = None) -> JSONDict:
        """Build an update for a photo (in two sizes, as Telegram sends them)."""
        file_id, unique = self.new_file("P")
        sizes = [
            {"file_id": f"{file_id}s", "file_unique_id": f"{unique}s", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 800},
        ]
        content: JSONDict = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self.message_update(user_id, content)

    def voice_update(self, user_id: int, duration: int = 5) -> JSONDict:
        """Build an update for a voice note."""
        file_id, unique = self.new_file("V")
        voice = {"file_id": file_id, "file_unique_id": unique, "duration": duration}
        return self.message_update(user_id, {"voice": voice})

    def document_update(self, user_id: int, file_name: str = "paper.pdf") -> JSONDict:
        """Build an update for a document."""
        file_id, unique = self.new_file("D")
        document = {"file_id": file_id, "file_unique_id": unique, "file_name": file_name}
        return self.message_update(user_id, {"document": document})

    def callback_update(self, user_id: int, message_id: int, data: str) -> JSONDict:
        """Build an update for a button pressed under the bot's message `message_id`."""
        chat_id = user_id
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            message = {
                "message_id": message_id,
                "chat": self.chats[chat_id],
                "date": 0,
            }  # Telegram sends an "inaccessible message" for very old ones
        query_id = str(next(self._callback_ids))
        self._open_callbacks[query_id] = user_id
        query = {
            "id": query_id,
            "from": self.users[user_id],
            "chat_instance": f"ci{chat_id}",
            "message": message,
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def added_to_chat_update(self, user_id: int, chat_id: int) -> JSONDict:
        """Build the update Telegram sends when `user_id` adds the bot to a group or channel."""
        chat = self.chats[chat_id]
        member = {
            "chat": chat,
            "from": self.users[user_id],
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": self.bot_user},
            "new_chat_member": {"status": "member", "user": self.bot_user},
        }
        return {"update_id": next(self._update_ids), "my_chat_member": member}

    def push_update(self, update: JSONDict) -> None:
        """Queue an update for a bot that polls with getUpdates.

        Like Telegram, number updates in the order they arrive: an update built earlier but
        pushed later gets a newer id.
        """
        update = {**update, "update_id": next(self._update_ids)}
        self.pending_updates.append(update)
        self._updates_waiting.set()

    # ---- looking at what a person sees ------------------------------------------------------

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """Return the bot's messages in a chat, oldest first, as they look now."""
        return [
            m
            for m in self.messages.get(chat_id, {}).values()
            if m.get("from", {}).get("id") == BOT_ID
        ]

    def unanswered_callbacks(self) -> list[str]:
        """Return the ids of callback queries the bot never answered."""
        return list(self._open_callbacks)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Return every recorded call of one method."""
        return [c for c in self.calls if c.method == method]

    # ---- failing on purpose -----------------------------------------------------------------

    def fail_next(
        self,
        kind: str,
        *,
        methods: Iterable[str] | None = None,
        count: int = 1,
        retry_after: int = 1,
        chats: Iterable[int] | None = None,
    ) -> None:
        """Make the next `count` calls of `methods` (to `chats`) fail with `kind`."""
        if kind not in ("network", "timeout", "delivered_timeout", "5xx", "429", "400"):
            raise ValueError(f"unknown fault kind {kind!r}")
        self.faults.append(
            Fault(
                kind,
                frozenset(methods) if methods else None,
                retry_after,
                count,
                frozenset(chats) if chats is not None else None,
            )
        )

    def _take_fault(self, method: str, params: JSONDict) -> Fault | None:
        for fault in self.faults:
            if fault.chats is not None and _chat_of(params) not in fault.chats:
                continue
            if fault.methods is None or method in fault.methods:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        if (
            self.fault_rate
            and method not in ("getMe", "getUpdates")
            and (self._random.random() < self.fault_rate)
        ):
            return Fault(self._random.choice(self.fault_kinds))
        return None

    # ---- bulk limit ---------------------------------------------------------------------------

    def limit_rate(
        self,
        per_second: int = 30,
        *,
        retry_after: int = 1,
        methods: Iterable[str] = ("sendMessage",),
    ) -> RateLimit:
        """Answer 429 with `retry_after` to a call over `per_second` within a second of `clock`."""
        self.rate_limit = RateLimit(per_second, retry_after, frozenset(methods))
        return self.rate_limit

    def _over_rate(self, method: str) -> int | None:
        limit = self.rate_limit
        if limit is None or method not in limit.methods:
            return None
        now = self.clock()
        while limit.accepted and limit.accepted[0] <= now - 1.0:
            limit.accepted.popleft()
        if len(limit.accepted) >= limit.per_second:
            limit.refused += 1
            return limit.retry_after
        limit.accepted.append(now)
        return None

    # ---- the API ----------------------------------------------------------------------------

    async def call(self, method: str, params: JSONDict) -> tuple[int, JSONDict]:
        """Answer one Bot API request; return (HTTP status, JSON body)."""
        record = ApiCall(method, params)
        self.calls.append(record)
        fault = self._take_fault(method, params)
        if fault is not None:
            self.faults_injected += 1
            record.ok, record.error = False, f"fault:{fault.kind}"
            if fault.kind == "network":
                raise ConnectionResetError("injected network failure")
            if fault.kind == "timeout":
                raise TimedOut("injected timeout")
            if fault.kind == "400":  # refused as Telegram refuses what it will not show
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: refused"}
            if fault.kind == "5xx":
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            if fault.kind == "429":
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {fault.retry_after}",
                    "parameters": {"retry_after": fault.retry_after},
                }
        wait = self._over_rate(method)
        if wait is not None:
            record.ok, record.error = False, "429: over the bulk limit"
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            }
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            record.ok, record.error = False, "404"
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            record.ok, record.error = False, exc.description
            body: JSONDict = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.status, body
        record.result = result
        if fault is not None and fault.kind == "delivered_timeout":
            raise TimedOut("injected timeout after the request took effect")
        return 200, {"ok": True, "result": result}

    # each api_* method takes the decoded parameters and returns the result or raises ApiError

    def api_getMe(self, params: JSONDict) -> JSONDict:
        return self.bot_user

    def api_logOut(self, params: JSONDict) -> bool:
        return True

    def api_close(self, params: JSONDict) -> bool:
        return True

    def api_deleteWebhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        return True

    def api_setWebhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params.get("url", ""))
        return True

    def api_getWebhookInfo(self, params: JSONDict) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }

    async def api_getUpdates(self, params: JSONDict) -> list[JSONDict]:
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        if not self.pending_updates:
            self._updates_waiting.clear()
            timeout = float(params.get("timeout") or 0)
            if timeout:
                try:
                    await asyncio.wait_for(self._updates_waiting.wait(), min(timeout, 1.0))
                except TimeoutError:
                    pass
        limit = int(params.get("limit") or 100)
        return self.pending_updates[:limit]

    def api_setMyCommands(self, params: JSONDict) -> bool:
        commands = params.get("commands") or []
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if (
                not (1 <= len(name) <= 32)
                or not name.replace("_", "").isalnum()
                or (name.lower() != name)
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(description) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [dict(c) for c in commands]
        return True

    def api_deleteMyCommands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def api_getMyCommands(self, params: JSONDict) -> list[JSONDict]:
        return self.commands.get(self._commands_key(params), [])

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        scope_key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        return scope_key, str(params.get("language_code") or "")

    def commands_for(self, chat_id: int, language_code: str | None) -> list[str]:
        """Return the command menu a person sees, resolved the way Telegram resolves it."""
        for key in (
            (f"chat:{chat_id}", language_code or ""),
            (f"chat:{chat_id}", ""),
            ("all_private_chats", language_code or ""),
            ("all_private_chats", ""),
            ("default", language_code or ""),
            ("default", ""),
        ):
            if key in self.commands:
                return [c["description"] for c in self.commands[key]]
        return []

    def api_setChatMenuButton(self, params: JSONDict) -> bool:
        return True

    def api_sendChatAction(self, params: JSONDict) -> bool:
        self._chat(params)
        return True

    def _chat(self, params: JSONDict) -> int:
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _markup(self, params: JSONDict) -> JSONDict | None:
        """Validate the reply markup; return an inline keyboard to store with the message.

        A reply keyboard (or its removal) belongs to the chat, not to the message: Telegram
        does not echo it back, and the fake keeps it in `reply_keyboards`.
        """
        raw = params.get("reply_markup")
        markup: JSONDict | None = json.loads(raw) if isinstance(raw, str) else raw
        if not markup:
            return None
        chat_id = _chat_of(params)
        if "keyboard" in markup:
            if chat_id is not None:
                self.reply_keyboards[chat_id] = markup["keyboard"]
            return None
        if "remove_keyboard" in markup or "force_reply" in markup:
            if chat_id is not None:
                self.reply_keyboards.pop(chat_id, None)
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not (
                    1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).startswith(
                    ("http://", "https://", "tg://")
                ):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def _rendered(self, text: str, params: JSONDict, limit: int) -> str:
        plain = html_to_plain(text) if params.get("parse_mode") == "HTML" else text
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return plain

    def _new_bot_message(self, chat_id: int, content: JSONDict, params: JSONDict) -> JSONDict:
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self.chats[chat_id],
            "date": int(time.time()),
            **content,
        }
        markup = self._markup(params)
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[chat_id][message["message_id"]] = message
        return message

    def api_sendMessage(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat(params)
        text = str(params.get("text", ""))
        plain = self._rendered(text, params, MAX_TEXT)
        return self._new_bot_message(chat_id, {"text": plain, "html": text}, params)

    def _send_media(self, params: JSONDict, kind: str) -> JSONDict:
        chat_id = self._chat(params)
        content: JSONDict = {}
        caption = params.get("caption")
        if caption:
            content["caption"] = self._rendered(str(caption), params, MAX_CAPTION)
        media = params.get(kind)
        file_id = media if isinstance(media, str) else self.new_file(kind[0].upper())[0]
        if kind == "photo":
            content["photo"] = [
                {"file_id": file_id, "file_unique_id": file_id + "u", "width": 800, "height": 800}
            ]
        else:
            content[kind] = {"file_id": file_id, "file_unique_id": file_id + "u"}
            if kind == "voice":
                content[kind]["duration"] = 1
        return self._new_bot_message(chat_id, content, params)

    def api_sendPhoto(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "photo")

    def api_sendDocument(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "document")

    def api_sendVoice(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "voice")

    def api_sendVenue(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat(params)
        try:
            latitude, longitude = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ApiError(400, "Bad Request: wrong latitude or longitude")
        title, address = str(params.get("title") or ""), str(params.get("address") or "")
        if not title.strip() or not address.strip():
            raise ApiError(400, "Bad Request: venue title and address must be non-empty")
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        return self._new_bot_message(chat_id, {"venue": venue, "location": location}, params)

    def api_copyMessage(self, params: JSONDict) -> JSONDict:
        chat_id = self._chat(params)
        source = self.messages.get(int(params["from_chat_id"]), {}).get(int(params["message_id"]))
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {
            k: v
            for k, v in source.items()
            if k in ("text", "photo", "voice", "document", "caption")
        }
        message = self._new_bot_message(chat_id, content, params)
        return {"message_id": message["message_id"]}

    def _bot_message(self, params: JSONDict, action: str) -> tuple[int, JSONDict]:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not used by this bot")
        chat_id = self._chat(params)
        message = self.messages[chat_id].get(int(params.get("message_id") or 0))
        if message is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise ApiError(400, f"Bad Request: message can't be {action}ed")
        return chat_id, message

    def api_editMessageText(self, params: JSONDict) -> JSONDict:
        _, message = self._bot_message(params, "edit")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = str(params.get("text", ""))
        plain = self._rendered(text, params, MAX_TEXT)
        markup = self._markup(params)
        if plain == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        message.update(text=plain, html=text, edit_date=int(time.time()))
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def api_editMessageReplyMarkup(self, params: JSONDict) -> JSONDict:
        _, message = self._bot_message(params, "edit")
        markup = self._markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    def api_editMessageCaption(self, params: JSONDict) -> JSONDict:
        _, message = self._bot_message(params, "edit")
        caption = self._rendered(str(params.get("caption", "")), params, MAX_CAPTION)
        markup = self._markup(params)
        if caption == message.get("caption") and markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        message["caption"] = caption
        if markup is not None:
            message["reply_markup"] = markup
        return message

    def api_deleteMessage(self, params: JSONDict) -> bool:
        chat_id, message = self._bot_message(params, "delete")
        del self.messages[chat_id][message["message_id"]]
        return True

    def api_answerCallbackQuery(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if self._open_callbacks.pop(query_id, None) is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def api_leaveChat(self, params: JSONDict) -> bool:
        chat_id = self._chat(params)
        if self.chats[chat_id]["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self.left_chats.add(chat_id)
        return True

    def api_getFile(self, params: JSONDict) -> JSONDict:
        file_id = str(params.get("file_id"))
        return {
            "file_id": file_id,
            "file_unique_id": file_id + "u",
            "file_size": 1024,
            "file_path": f"files/{file_id}",
        }


def _chat_of(params: JSONDict) -> int | None:
    try:
        return int(params.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class FakeRequest(BaseRequest):
    """python-telegram-bot's network seam, answered by a FakeTelegram in the same process."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open: there is no network."""

    async def shutdown(self) -> None:
        """Nothing to close: there is no network."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: JSONDict = {}
        if request_data is not None:
            params = json.loads(json.dumps(request_data.parameters))
            for name, (filename, content, _mime) in (request_data.multipart_data or {}).items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = f"upload:{name}:{len(data)}"
                self.fake.uploads.append(Upload(api_method, name, str(filename), data))
        status, body = await self.fake.call(api_method, params)
        return status, json.dumps(body).encode("utf-8")
