"""Trust: thousands of random updates from everyone, and nothing breaks and nothing leaks.

Hypothesis plays six people at once: two clients who have each asked a question with a secret
in it, a stranger, two providers' staff members, and the OSS manager. They type anything
(HTML, Telegram markdown, emoji, right-to-left text, 4,096 characters, commands with junk),
press buttons (their own, other people's, well-formed data with random numbers, and any string
up to 64 bytes), share contacts, send photos, voice notes, documents, stickers, polls, edits,
write in a group, block the bot, and let time pass. After every run:

- no handler raised, no bot message shows a traceback, every button press was answered once;
- Telegram refused nothing for being malformed (bad HTML, too long, empty, bad buttons);
- every secret (a question, a relayed message, a phone number, a file) was only ever shown, even
  for a moment, to its author, the OSS manager, and for a secret in a case: the case's client
  and the staff of every provider that case went to; never to the stranger, another client,
  another provider or a group;
- the database holds only values the bot knows (languages, audiences, topics, statuses), and
  every notification was delivered.

A second test presses only buttons (any data, and real buttons' data changed as a modified app
could send it); a third plays like the first while a fifth of Telegram's answers fail (network,
5xx, 429): then an update may fail, is logged and apologised for, and still nothing reaches the
wrong chat. Texts are cleaned the way Telegram cleans them before a bot sees them.

Each run gets a fresh database, copied from the migrated template like every other test, and
runs in a sync test with `asyncio.run` (Hypothesis cannot reuse function-scoped async fixtures).
`pytest -s` prints what was fuzzed: updates, distinct callback data, faults, what cases went
through.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import os
import re
import shutil
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.error import NetworkError, RetryAfter

from bot.container import Services
from bot.db import Database
from bot.knowledge import AUDIENCES, VALUE_CHAINS, KnowledgeHolder
from bot.models import Case, CaseEvent, Person, StaffAccount, Subscription
from bot.services import outbox, staff
from bot.services.subscriptions import TOPICS
from bot.settings import LANGUAGES, PROJECT_ROOT, Settings, normalize_database_url
from bot.tooling.faketg import FakeTelegram, JSONDict
from bot.tooling.harness import Harness, Phone
from handlers.announce import Broadcaster
from handlers.guard import FloodGuard
from tests.support import (
    DAMU_STAFF,
    EMPLOYMENT_STAFF,
    MANAGER_ID,
    MONDAY_10AM_ALMATY,
    ON_POSTGRES,
    POSTGRES_URL,
    Clock,
    postgres_admin,
)

CLIENT_A, CLIENT_B, STRANGER = 810_001, 810_002, 810_003
GROUP = -100_555_000
PEOPLE = {
    "client_a": CLIENT_A,
    "client_b": CLIENT_B,
    "stranger": STRANGER,
    "employment": EMPLOYMENT_STAFF,
    "damu": DAMU_STAFF,
    "manager": MANAGER_ID,
}

# What Telegram may refuse without it being the bot's fault: a button on an old or someone
# else's message, a blocked person. Anything else is a malformed call (or, with "query is too
# old", a press answered twice: allowed only when the error handler answers a failed update).
EXPECTED_REFUSALS = (
    "message is not modified",
    "message to edit not found",
    "message can't be edited",
    "there is no text in the message to edit",
    "Forbidden: bot was blocked by the user",
)
ANSWERED_TWICE = "query is too old"


# ---- what people do ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Type a text; `secret` tags it with the author; `reply` quotes one of the bot's messages."""

    who: str
    text: str
    secret: bool = False
    reply: int | None = None


@dataclass(frozen=True)
class Command:
    """Send a command, known or not, with any arguments."""

    who: str
    text: str


@dataclass(frozen=True)
class Press:
    """Press a button with this data under one of the bot's messages (or a long gone one)."""

    who: str
    data: str
    on: int | None = None


@dataclass(frozen=True)
class Tap:
    """Press a button the bot showed this person: on its latest screen, or on any earlier one,
    or one of the latest of a kind (`kind`: a pattern its data starts with)."""

    who: str
    button: int
    latest: bool = True
    kind: str | None = None


@dataclass(frozen=True)
class Replay:
    """Press, as `who`, a button the bot showed anyone (a forwarded or forged button)."""

    who: str
    button: int
    kind: str | None = None


@dataclass(frozen=True)
class Forge:
    """Press, as `who`, a button seen anywhere with its data changed, as a modified app can."""

    who: str
    button: int
    change: str


@dataclass(frozen=True)
class Ask:
    """Ask a specialist the whole way: consent, a question (with a file, a phone), send."""

    who: str
    about: str
    text: str
    photo: bool = False
    phone: bool = False


@dataclass(frozen=True)
class Contact:
    """Share one's own phone number, or someone else's contact."""

    who: str
    own: bool


@dataclass(frozen=True)
class Media:
    """Send a photo, voice note or document, with a caption or not."""

    who: str
    kind: str
    caption: str | None = None
    secret: bool = False


@dataclass(frozen=True)
class Unreadable:
    """Send something the bot cannot read: a sticker, a location, a poll, a dice, a venue."""

    who: str
    kind: str


@dataclass(frozen=True)
class Edit:
    """Edit a message: Telegram sends it again, marked as edited."""

    who: str
    text: str


@dataclass(frozen=True)
class InGroup:
    """Write in a group the bot is in, or add the bot to it (`text` None)."""

    who: str
    text: str | None


@dataclass(frozen=True)
class Block:
    """Block the bot; the person's next action unblocks it."""

    who: str


@dataclass(frozen=True)
class Wait:
    """Let time pass; the periodic check (deadlines, follow-ups, retention) runs."""

    minutes: int


@dataclass(frozen=True)
class Together:
    """Several people act at the same moment: their updates are processed concurrently."""

    actions: tuple[Any, ...]


UNREADABLE: dict[str, JSONDict] = {
    "sticker": {"sticker": {"file_id": "S1", "file_unique_id": "s1", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False,
                            "is_video": False}},
    "location": {"location": {"latitude": 43.35, "longitude": 77.46}},
    "poll": {"poll": {"id": "p1", "question": "Yes?", "options": [
        {"text": "a", "voter_count": 0, "persistent_id": "a"},
        {"text": "b", "voter_count": 0, "persistent_id": "b"}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False, "members_only": False}},
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
    "venue": {"venue": {"location": {"latitude": 43.3, "longitude": 77.4}, "title": "Bazaar",
                        "address": "Esik"}},
}  # fmt: skip


# ---- strategies -------------------------------------------------------------------------------


@functools.cache
def _knowledge() -> KnowledgeHolder:
    return KnowledgeHolder(PROJECT_ROOT / "knowledge")


def _entry_ids() -> list[str]:
    return list(_knowledge().current.entries)


def _provider_ids() -> list[str]:
    return list(_knowledge().current.providers)


ENTRY_ID = st.one_of(
    st.deferred(lambda: st.sampled_from(_entry_ids())),
    st.from_regex(r"[a-z0-9-]{3,40}", fullmatch=True),
)
PROVIDER_ID = st.one_of(
    st.deferred(lambda: st.sampled_from(_provider_ids())),
    st.from_regex(r"[a-z0-9_]{2,24}", fullmatch=True),
)
ANYONE = st.sampled_from(list(PEOPLE))
CASE_ID = st.one_of(st.integers(1, 6), st.integers(0, 999_999_999))
ANY_CHAR = st.characters(exclude_categories=("Cs",))
JUNK = st.text(ANY_CHAR, max_size=40)
WORDS = st.sampled_from([
    "жұмыс", "субсидия", "алма", "сүт", "несие", "работа", "кредит", "вакансия", "субсидии",
    "job", "loan", "apples", "milk", "soy", "register", "Damu", "ИП", "КХ", "трактор", "грант",
])  # fmt: skip
MARKUP = st.sampled_from([
    "<b>", "</b>", "<b>bold</b>", "&", "&amp;", "&lt;", "&#x1F600;", "&bogus;", "<", ">", "</",
    "<script>alert(1)</script>", "<a href='javascript:x'>x</a>", "<tg-spoiler>", "<i>",
    "*bold*", "_it_", "`code`", "```pre```", "[x](http://evil)", "||spoiler||", "\\", "'", '"',
    "{number}", "{}", "%s", "%(x)s",
])  # fmt: skip
EMOJI = st.sampled_from(["🍎", "👍🏽", "👨‍👩‍👧", "🇰🇿", "❤️", "\u200d", "\ufe0f", "🫘"])
RTL = st.sampled_from(["مرحبا بكم", "שלום", "\u202e", "\u200f", "\u202a"])
SPACE = st.sampled_from([" ", "\n", "\t", "\u00a0", "\u3000", "\u200b", "\r\n", "\n\n\n"])
PIECE = st.one_of(st.text(ANY_CHAR, max_size=60), WORDS, MARKUP, EMOJI, RTL, SPACE)


_CONTROL = {c: " " for c in [*range(0, 10), *range(11, 32)]} | {13: None}
_CONTROL |= dict.fromkeys(range(0x2028, 0x202F))


def telegram_clean(text: str) -> str:
    """Clean a typed text as Telegram does before a bot sees it (TDLib's clean_input_string):
    control characters become spaces, \\r and U+2028 to U+202E are dropped."""
    return text.translate(_CONTROL)


def _long(piece: str, times: int) -> str:
    return (piece * times)[:4096]


TEXT = (
    st.one_of(
        st.lists(PIECE, min_size=1, max_size=10).map("".join),
        st.builds(
            _long, st.one_of(WORDS, MARKUP, EMOJI).map(lambda p: p + " "), st.integers(1, 1500)
        ),
        st.builds(lambda s: s + "\u200b", SPACE),  # looks empty
    )
    .map(telegram_clean)
    .filter(lambda text: text.strip() != "")
)


def _days(first: date, length: int) -> tuple[date, date]:
    return first, min(first + timedelta(days=min(length, (date.max - first).days)), date.max)


# A first and a last day a few weeks apart, on any date from year 1 to 9999.
DAYS = st.builds(
    _days,
    st.dates() | st.sampled_from([date.min, date.max - timedelta(days=3)]),
    st.integers(0, 60),
)
TOKEN = st.from_regex(r"[A-Za-z0-9_-]{0,70}", fullmatch=True)
COMMAND = st.one_of(
    st.sampled_from([
        "/start", "/menu", "/language", "/help", "/cancel", "/mydata", "/forget", "/cases",
        "/case", "/invite", "/report", "/export", "/gaps", "/announce", "/start@enbek_oss_bot",
        "/menu@someone_else_bot", "/START", "/weather", "/", "/start e-", "/start inv-",
    ]),
    st.just("/reload"),
    st.builds("/start e-{}".format, ENTRY_ID),
    st.builds("/start src-{}".format, TOKEN | JUNK),
    st.builds("/start inv-{}".format, TOKEN | JUNK),
    st.builds("/start {}".format, JUNK),
    st.builds("/case {}".format, CASE_ID.map(str) | st.sampled_from(["№1", "#2", "1 2"]) | JUNK),
    st.builds("/cases {}".format, JUNK),
    st.builds(lambda name, d: f"/{name} {d[0].isoformat()} {d[1].isoformat()}",
              st.sampled_from(["report", "export"]), DAYS),
    st.builds("/{}".format, st.from_regex(r"[a-z_]{1,32}", fullmatch=True)),
    st.builds("/{} {}".format, st.sampled_from(["menu", "help", "mydata", "forget", "gaps"]), JUNK),
).map(telegram_clean)  # fmt: skip


def _fmt(pattern: str, *parts: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(lambda values: pattern.format(*values))


AUDIENCE = st.sampled_from(["farmer", "job_seeker", "entrepreneur", "aspiring", "vulnerable"])
CHAIN = st.sampled_from(["apple", "milk", "soy", "vegetables", "-"])
TOPIC = st.sampled_from(["opportunities", "rules", "where", "apply", "procedures"])
NEWS = st.sampled_from(["apple", "milk", "soy", "vegetables", "jobs", "business", "events"])
PERIOD = st.one_of(
    st.sampled_from(["w", "m", "lw", "lm"]),
    st.from_regex(r"\d{8}-\d{8}", fullmatch=True),
    DAYS.map(lambda d: "-".join(day.isoformat().replace("-", "") for day in d)),
)
WELL_FORMED = st.one_of(
    st.sampled_from(["language", "who", "m", "nw", "dr:send", "dr:phone", "dr:cancel", "fg:yes",
                     "fg:no", "ask:-", "cs:-"]),
    _fmt("lang:{}", st.sampled_from(["kk", "ru", "en"])),
    _fmt("aud:{}", AUDIENCE),
    _fmt("vc:{}", CHAIN),
    _fmt("t:{}:{}:{}:{}", TOPIC, AUDIENCE, CHAIN, st.integers(0, 999)),
    _fmt("e:{}{}", ENTRY_ID, st.sampled_from(["", ":s"])),
    _fmt("d:{}:{}{}", ENTRY_ID, st.sampled_from(["more", "steps", "docs", "where"]),
         st.sampled_from(["", ":0", ":1", ":7", ":99"])),
    _fmt("ask:{}", ENTRY_ID),
    _fmt("cs:{}", ENTRY_ID),
    _fmt("cr:{}", CASE_ID),
    _fmt("ok:{}:{}", CASE_ID, st.sampled_from("yn")),
    _fmt("rt:{}:{}", CASE_ID, st.integers(1, 5)),
    _fmt("fu:{}:{}", CASE_ID, st.sampled_from(["yes", "no", "waiting"])),
    _fmt("cv:{}", CASE_ID),
    _fmt("cl:{}", st.integers(0, 999)),
    _fmt("ca:{}", CASE_ID),
    _fmt("cp:{}:{}", CASE_ID, PROVIDER_ID),
    _fmt("cc:{}", CASE_ID),
    _fmt("pr:{}:{}", CASE_ID, st.sampled_from("rdx")),
    _fmt("inv:{}", PROVIDER_ID),
    _fmt("nw:{}", NEWS),
    _fmt("un:{}", CASE_ID),
    _fmt("rp:{}", PERIOD),
    _fmt("rx:{}", PERIOD),
    _fmt("gp:{}", st.one_of(st.sampled_from(["7", "30", "90"]), PERIOD)),
    _fmt("an:{}{}", CASE_ID, st.sampled_from(["", ":a", ":v", ":l", ":t", ":pv", ":go", ":yes",
                                              ":x", ":re", ":a:*", ":a:farmer", ":v:apple",
                                              ":l:kk", ":t:jobs", ":t:nonsense_value"])),
)  # fmt: skip


def _fits(data: str) -> bool:
    return 1 <= len(data.encode("utf-8")) <= 64


CALLBACK_DATA = st.one_of(
    WELL_FORMED,
    # near misses: what a modified client could send instead of a real button's data
    st.builds(lambda data, tail: data + tail, WELL_FORMED,
              st.sampled_from(["\n", " ", ":", ":1", "x", "\x00", "0"])),
    st.builds(lambda data: data.upper(), WELL_FORMED),
    st.text(ANY_CHAR, min_size=1, max_size=64),
).filter(_fits)  # fmt: skip

# How a modified Telegram app may change a real button's data before sending it.
FORGERIES: dict[str, Callable[[str], str]] = {
    "newline": lambda data: data + "\n",
    "space": lambda data: data + " ",
    "nul": lambda data: data + "\x00",
    "digit": lambda data: data + "0",
    "colon": lambda data: data + ":1",
    "upper": str.upper,
    "next case": lambda data: re.sub(r"\d+", lambda m: str(int(m.group()) + 1), data),
    "case 1": lambda data: re.sub(r"\d+", "1", data),
    "arabic digits": lambda data: data.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    "cut": lambda data: data[:-1] or data,
}


FORGERY = st.sampled_from(sorted(FORGERIES))

# The kinds of buttons each person looks for on their screens (a pattern of the data; None: any).
CLIENT_KINDS = (
    None,
    None,
    "cr:",
    "ok:",
    "rt:",
    "fu:",
    "dr:",
    "ask:",
    "cs:",
    "fg:",
    "nw",
    "un:",
    "e:",
    "t:",
    "d:",
    "lang:",
    "aud:",
    "vc:",
    "m",
)
STAFF_KINDS = (None, "pr:", "pr:", "pr:", "cv:", "cl:", "fg:", "ask:", "dr:")
MANAGER_KINDS = (
    None,
    "ca:",
    "cp:",
    "cp:",
    "cc:",
    "cv:",
    "cl:",
    "an:",
    "an:",
    "inv:",
    "rp:",
    "rx:",
    "gp:",
    "fg:",
)
KINDS = {
    "client_a": CLIENT_KINDS, "client_b": CLIENT_KINDS, "stranger": CLIENT_KINDS,
    "employment": STAFF_KINDS, "damu": STAFF_KINDS, "manager": MANAGER_KINDS,
}  # fmt: skip
ANY_KIND = st.sampled_from(sorted({k for kinds in KINDS.values() for k in kinds if k}))
# What people come back to do, in two steps: answer, write back, hand a case to a provider.
FLOWS = {
    "client_a": ((r"cr:", "say"), (r"ok:", r"rt:"), (r"fu:", None)),
    "employment": ((r"pr:\d+:r", "say"), (r"pr:\d+:d", None), (r"pr:\d+:x", None)),
    "manager": ((r"ca:", r"cp:\d+:(employment_centre|damu)"), (r"cc:", None), (r"an:", r"an:")),
}
FLOWS |= {"client_b": FLOWS["client_a"], "stranger": FLOWS["client_a"], "damu": FLOWS["employment"]}


def _flow(who: str, first: str, then: str | None, text: str, secret: bool) -> list[Any]:
    steps: list[Any] = [Tap(who, 0, True, first)]
    if then == "say":
        steps.append(Say(who, text, secret))
    elif then is not None:
        steps.append(Tap(who, 0, True, then))
    return steps


def actions_of(who: str) -> st.SearchStrategy[list[Any]]:
    """Everything one person may do, the common things more often, as one or two steps."""
    me = st.just(who)
    choices: dict[str, tuple[int, st.SearchStrategy[Any]]] = {
        "tap": (6, st.builds(Tap, me, st.integers(0, 10_000), st.booleans(),
                             st.sampled_from(KINDS[who]))),
        "say": (5, st.builds(Say, me, TEXT, st.booleans(), st.none() | st.integers(0, 50))),
        "command": (2, st.builds(Command, me, COMMAND)),
        "press": (2, st.builds(Press, me, CALLBACK_DATA, st.none() | st.integers(-1, 50))),
        "replay": (1, st.builds(Replay, me, st.integers(0, 10_000), st.none() | ANY_KIND)),
        "forge": (2, st.builds(Forge, me, st.integers(0, 10_000), FORGERY)),
        "ask": (2 if who in ("client_a", "client_b", "stranger") else 1, st.builds(
            Ask, me, st.just("-") | ENTRY_ID, TEXT, st.booleans(), st.booleans())),
        "contact": (1, st.builds(Contact, me, st.booleans())),
        "media": (1, st.builds(Media, me, st.sampled_from(["photo", "voice", "document"]),
                               st.none() | TEXT.map(lambda t: t[:1024]), st.booleans())),
        "unreadable": (1, st.builds(Unreadable, me, st.sampled_from(sorted(UNREADABLE)))),
        "edit": (1, st.builds(Edit, me, TEXT)),
        "block": (1, st.builds(Block, me)),
    }  # fmt: skip
    flow = st.tuples(st.sampled_from(FLOWS[who]), TEXT, st.booleans()).map(
        lambda f: _flow(who, f[0][0], f[0][1], f[1], f[2])
    )
    weighted = [name for name, (weight, _) in choices.items() for _ in range(weight)]
    single = st.sampled_from(weighted).flatmap(lambda name: choices[name][1]).map(lambda a: [a])
    return st.one_of(single, single, flow)


ACTIONS = {who: actions_of(who) for who in PEOPLE}


def _flat(lists: list[list[Any]]) -> list[Any]:
    return [item for inner in lists for item in inner]


# A turn: one person does a few things in a row, as people do.
TURN = st.one_of(*(st.lists(ACTIONS[who], min_size=1, max_size=4).map(_flat) for who in PEOPLE))
ELSEWHERE = st.one_of(
    st.builds(InGroup, ANYONE, st.none() | COMMAND | TEXT),
    st.builds(Wait, st.sampled_from([1, 60, 60 * 5, 60 * 24, 60 * 24 * 8, 60 * 24 * 400])),
)
# Several people at the same moment: their updates are processed concurrently.
TOGETHER = st.lists(st.sampled_from(list(PEOPLE)), min_size=2, max_size=4, unique=True).flatmap(
    lambda people: st.tuples(*(ACTIONS[who].map(lambda s: s[0]) for who in people)).map(Together)
)
PLAN = st.lists(
    st.one_of(TURN, TURN, TURN, ELSEWHERE.map(lambda a: [a]), TOGETHER.map(lambda a: [a])),
    min_size=8,
    max_size=20,
).map(_flat)
# Only buttons: any data, well-formed or not, real data changed, pressed by anyone.
PRESSES = st.lists(
    st.one_of(
        st.builds(Press, ANYONE, CALLBACK_DATA, st.none() | st.integers(-1, 9)),
        st.builds(Forge, ANYONE, st.integers(0, 10_000), FORGERY),
        st.builds(Tap, ANYONE, st.integers(0, 10_000), st.booleans()),
    ),
    min_size=20,
    max_size=60,
)


# ---- one run: a fresh world, the plan, the checks ---------------------------------------------


@dataclass
class Stats:
    """What the fuzzing did, printed at the end of each test."""

    examples: int = 0
    updates: int = 0
    data: set[str] = field(default_factory=set)
    faults: int = 0
    failed: int = 0
    events: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def line(self, name: str) -> str:
        return (
            f"\n{name}: {self.examples} runs, {self.updates} updates fuzzed, "
            f"{len(self.data)} distinct callback data, {self.faults} faults injected "
            f"({self.failed} updates failed on them and were apologised for), "
            f"{self.seconds:.1f}s; what happened to cases: {dict(self.events.most_common())}; "
            f"expected refusals from Telegram: {dict(self.refusals.most_common())}"
        )


@dataclass
class World:
    """Six people with phones, a group, the secrets they wrote, and who owns which case."""

    harness: Harness
    clock: Clock
    stats: Stats
    phones: dict[str, Phone] = field(default_factory=dict)
    secrets: dict[str, int] = field(default_factory=dict)  # marker or file id -> author
    owners: dict[int, int] = field(default_factory=dict)  # case id -> who opened it
    cases_of: dict[str, set[int]] = field(default_factory=dict)  # secret -> the cases it is in
    pressed_by: dict[str, int] = field(default_factory=dict)  # callback query id -> who pressed
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def fake(self) -> FakeTelegram:
        return self.harness.fake

    def secret(self, author: int) -> str:
        marker = f"SECRET{author}N{next(self.counter)}"
        self.secrets[marker] = author
        return marker

    # -- turning an action into Telegram updates --

    def updates(self, action: Any) -> Iterator[JSONDict]:
        """Yield the updates an action causes, one at a time, as Telegram would send them."""
        fake = self.fake
        user = PEOPLE[action.who]
        if isinstance(action, InGroup):
            if action.text is None:
                yield fake.added_to_chat_update(user, GROUP)
            else:
                yield fake.text_update(user, action.text, chat_id=GROUP)
            return
        if user in fake.blocked:  # writing to a bot one blocked unblocks it
            fake.blocked.discard(user)
            yield self._membership(user, "kicked", "member")
        if isinstance(action, Say):
            text = (self.secret(user) + " " + action.text)[:4096] if action.secret else action.text
            update = fake.text_update(user, text)
            mine = fake.bot_messages(user)
            if action.reply is not None and mine:
                update["message"]["reply_to_message"] = mine[action.reply % len(mine)]
            yield update
        elif isinstance(action, Command):
            yield fake.text_update(user, action.text)
        elif isinstance(action, Press):
            yield fake.callback_update(user, self._message_id(user, action.on), action.data)
        elif isinstance(action, Tap | Replay):
            latest = isinstance(action, Tap) and action.latest
            mine = user if isinstance(action, Tap) else None
            buttons = self._buttons(mine, latest=latest)
            if action.kind is not None:
                of_kind = [b for b in self._buttons(mine) if re.match(action.kind, b[1])]
                buttons = of_kind[-3:] or buttons  # one of the latest of its kind
            if buttons:
                message_id, data = buttons[action.button % len(buttons)]
                if isinstance(action, Replay):
                    message_id = self._message_id(user, None)
                yield fake.callback_update(user, message_id, data)
        elif isinstance(action, Forge):
            buttons = self._buttons(None)
            if buttons:
                data = FORGERIES[action.change](buttons[action.button % len(buttons)][1])
                if _fits(data):
                    yield fake.callback_update(user, self._message_id(user, None), data)
        elif isinstance(action, Ask):
            for data in (f"ask:{action.about}", f"cs:{action.about}"):
                yield fake.callback_update(user, self._message_id(user, None), data)
            yield fake.text_update(user, (self.secret(user) + " " + action.text)[:4096])
            if action.photo:
                yield self._file(fake.photo_update(user, self.secret(user)), user)
            if action.phone:
                yield self._phone(user)
            yield fake.callback_update(user, self._message_id(user, None), "dr:send")
        elif isinstance(action, Contact):
            yield self._phone(user) if action.own else fake.contact_update(user, "+77011112233")
        elif isinstance(action, Media):
            caption = action.caption
            if action.secret:
                caption = (self.secret(user) + " " + (caption or ""))[:1024]
            if action.kind == "photo":
                update = fake.photo_update(user, caption)
            elif action.kind == "voice":
                update = fake.voice_update(user)
            else:
                update = fake.document_update(user, "отчёт <1>.pdf")
            if action.kind != "photo" and caption:
                update["message"]["caption"] = caption
            yield self._file(update, user)
        elif isinstance(action, Unreadable):
            yield fake.message_update(user, UNREADABLE[action.kind])
        elif isinstance(action, Edit):
            yield fake.message_update(user, {"text": action.text}, edited=True)
        elif isinstance(action, Block):
            fake.block(user)
            yield self._membership(user, "member", "kicked")

    def _file(self, update: JSONDict, author: int) -> JSONDict:
        self.secrets[_file_id(update["message"])] = author
        return update

    def _phone(self, author: int) -> JSONDict:
        phone = f"+7700{author}{next(self.counter):03d}"
        self.secrets[phone] = author
        return self.fake.contact_update(author, phone, owner=author)

    def _membership(self, user: int, old: str, new: str) -> JSONDict:
        """The update Telegram sends when a person blocks the bot, or unblocks it."""
        update = self.fake.added_to_chat_update(user, user)
        member = update["my_chat_member"]
        for key, status in (("old_chat_member", old), ("new_chat_member", new)):
            member[key]["status"] = status
            if status == "kicked":
                member[key]["until_date"] = 0
        return update

    def _message_id(self, user: int, on: int | None) -> int:
        mine = self.fake.bot_messages(user)
        if on is None:
            with_buttons = [m for m in mine if m.get("reply_markup")]
            return (with_buttons or mine or [{"message_id": 1}])[-1]["message_id"]
        if on < 0 or not mine:
            return 999_999  # long gone: Telegram sends an inaccessible message
        return mine[on % len(mine)]["message_id"]

    def _buttons(self, user: int | None, *, latest: bool = False) -> list[tuple[int, str]]:
        chats = [user] if user is not None else sorted(PEOPLE.values())
        found = []
        for chat in chats:
            messages = [m for m in self.fake.bot_messages(chat) if m.get("reply_markup")]
            for message in messages[-1:] if latest else messages:
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        if "callback_data" in button:
                            found.append((message["message_id"], button["callback_data"]))
        return found

    # -- feeding them --

    async def do(self, action: Any) -> None:
        """Carry out one action of the plan and deliver what it caused."""
        if isinstance(action, Wait):
            await self.remember()  # before retention may erase old cases' content
            self.clock.now += timedelta(minutes=action.minutes)
            await self.harness.tick()
            await self.announce()
        elif isinstance(action, Together):
            await asyncio.gather(*(self._play(a, deliver=False) for a in action.actions))
            await self.harness.deliver()
        else:
            await self._play(action, deliver=True)

    async def announce(self) -> None:
        """Send the announcements the manager confirmed, as the background sender would."""
        sender = Broadcaster(self.harness.app, sleep=self._sleep, monotonic=self._monotonic)
        await sender.run_until_idle()
        await self.harness.deliver()

    async def _sleep(self, seconds: float) -> None:
        self.clock.now += timedelta(seconds=seconds)

    def _monotonic(self) -> float:
        return self.clock.now.timestamp()

    async def _play(self, action: Any, *, deliver: bool) -> None:
        for update in self.updates(action):
            if "fg:" in (update.get("callback_query") or {}).get("data", ""):
                await self.remember()  # before someone may erase their cases
            await self._process(update)
            if deliver:
                await self.harness.deliver()

    async def _process(self, update: JSONDict) -> None:
        self.stats.updates += 1
        query = update.get("callback_query")
        if query is not None:
            self.stats.data.add(query["data"])
            self.pressed_by[query["id"]] = query["from"]["id"]
        await self.harness.app.process_update(Update.de_json(update, self.harness.app.bot))

    async def remember(self) -> None:
        """Note who opened each case and which case each secret went into (a question, a
        relayed message, a file, a phone number), before erasing can take that away."""
        async with self.harness.services.db.read() as session:
            rows = await session.execute(
                select(Case.id, Person.telegram_id).join(Person, Case.person_id == Person.id)
            )
            for case_id, telegram_id in rows:
                if telegram_id > 0:
                    self.owners.setdefault(case_id, telegram_id)
            stored: list[tuple[int, str]] = [
                (case_id, f"{question} {phone} {json.dumps(files)}")
                for case_id, question, phone, files in await session.execute(
                    select(Case.id, Case.question, Case.phone, Case.attachments)
                )
            ]
            stored += [
                (case_id, json.dumps(detail))
                for case_id, detail in await session.execute(
                    select(CaseEvent.case_id, CaseEvent.detail)
                )
            ]
        for case_id, content in stored:
            for secret in SECRET.findall(content):
                self.cases_of.setdefault(secret, set()).add(case_id)

    # -- the checks --

    async def settle(self) -> None:
        """Let the outbox drain, as the background worker would over the next hours."""
        self.fake.fault_rate = 0.0
        await self.announce()
        for _ in range(20):
            self.clock.now += timedelta(minutes=10)
            if not await self.harness.deliver():
                break
        await self.remember()

    async def audiences(self) -> Callable[[str, int], bool]:
        """Return who may see a secret: may_see(secret, chat)."""
        async with self.harness.services.db.read() as session:
            assigned: dict[int, set[str]] = {}
            events = await session.execute(
                select(CaseEvent.case_id, CaseEvent.detail).where(CaseEvent.kind == "assigned")
            )
            for case_id, detail in events:
                assigned.setdefault(case_id, set()).add(detail.get("provider_id"))
            accounts = await session.execute(
                select(StaffAccount.telegram_id, StaffAccount.provider_id)
            )
            staff_of = dict(accounts.all())
        managers = self.harness.services.settings.manager_ids

        def may_see(secret: str, chat: int) -> bool:
            """Its author, the manager, and for a secret in a case: the case's client and the
            staff of every provider the case went to."""
            if chat == self.secrets[secret] or chat in managers:
                return True
            return any(
                chat == self.owners.get(case)
                or (chat in staff_of and staff_of[chat] in assigned.get(case, ()))
                for case in self.cases_of.get(secret, ())
            )

        return may_see

    async def check_stored(self) -> None:
        """Whatever was pressed, the database holds only values the bot knows."""
        async with self.harness.services.db.read() as session:
            people = (await session.execute(select(Person.language, Person.audience,
                                                   Person.value_chain))).all()  # fmt: skip
            topics = set(await session.scalars(select(Subscription.topic)))
            statuses = set(await session.scalars(select(Case.status)))
            ratings = set(await session.scalars(select(Case.rating)))
        for language, audience, chain in people:
            assert language in (None, *LANGUAGES), language
            assert audience in (None, *AUDIENCES), audience
            assert chain in (None, *VALUE_CHAINS), chain
        assert topics <= set(TOPICS), topics
        assert statuses <= {"new", "assigned", "answered", "reopened", "resolved", "closed"}
        assert ratings <= {None, 1, 2, 3, 4, 5}, ratings

    async def check(self, *, faults: bool = False) -> None:
        """Nothing raised, every press answered, nothing malformed, no secret in wrong eyes."""
        fake = self.fake
        errors = self.harness.errors
        if faults:
            errors = [e for e in errors if not isinstance(e, NetworkError | RetryAfter)]
        assert errors == [], f"a handler failed: {errors!r}"
        unanswered = fake.unanswered_callbacks()
        if faults:  # only a press whose answer Telegram itself kept failing may stay unanswered
            hit = {
                str(c.params.get("callback_query_id"))
                for c in fake.calls_to("answerCallbackQuery")
                if (c.error or "").startswith("fault:")
            }
            unanswered = [q for q in unanswered if q not in hit]
        assert unanswered == [], "a button press was never answered"
        expected = EXPECTED_REFUSALS + ((ANSWERED_TWICE,) if faults else ())
        refused = [
            (c.method, c.error)
            for c in fake.calls
            if not c.ok
            and not (c.error or "").startswith("fault:")
            and not any(reason in (c.error or "") for reason in expected)
        ]
        assert refused == [], f"Telegram refused malformed calls: {refused}"
        left = await outbox.pending_count(self.harness.services.db)
        assert left == 0, "a notification was never delivered"
        await self.check_stored()
        may_see = await self.audiences()
        for call in fake.calls:  # everything ever shown, edited away later or not
            if not call.ok or call.method not in SHOWING:
                continue
            if call.method == "answerCallbackQuery":
                chat = self.pressed_by.get(str(call.params.get("callback_query_id")))
            else:
                chat = int(call.params["chat_id"])
            shown = " ".join(str(call.params.get(key, "")) for key in SHOWING[call.method])
            if call.method == "copyMessage":  # what was copied: the original message
                source = fake.messages[int(call.params["from_chat_id"])]
                shown = json.dumps(source[int(call.params["message_id"])], ensure_ascii=False)
            assert "Traceback" not in shown, f"a traceback reached chat {chat}"
            for secret in {s for s in SECRET.findall(shown) if s in self.secrets}:
                assert chat is not None and may_see(secret, chat), (
                    f"{secret} by {self.secrets[secret]} in cases {self.cases_of.get(secret)} "
                    f"was shown in chat {chat}: {shown[:300]!r}"
                )


# A secret: a marked text, a phone number, a file (by its Telegram file id).
SECRET = re.compile(r"SECRET\d+N\d+|\+7700\d+|[PVD]file\d{6}")
# The Bot API calls that show something to someone, and the parameters that carry it.
SHOWING = {
    "sendMessage": ("text", "reply_markup"),
    "editMessageText": ("text", "reply_markup"),
    "editMessageCaption": ("caption", "reply_markup"),
    "editMessageReplyMarkup": ("reply_markup",),
    "sendPhoto": ("photo", "caption", "reply_markup"),
    "sendDocument": ("document", "caption", "reply_markup"),
    "sendVoice": ("voice", "caption", "reply_markup"),
    "copyMessage": (),
    "answerCallbackQuery": ("text",),
}


def _file_id(message: JSONDict) -> str:
    for kind in ("photo", "voice", "document"):
        if kind in message:
            value = message[kind]
            return str((value[-1] if isinstance(value, list) else value)["file_id"])
    raise LookupError("no file in the message")


# ---- seeding: real cases through the normal flow ----------------------------------------------


async def onboard(phone: Phone, lang: str, audience: str | None = "job_seeker") -> None:
    await phone.send("/start")
    await phone.press_data(f"lang:{lang}")
    if audience is not None:
        await phone.press_data(f"aud:{audience}")


async def seed(world: World, lang: str) -> None:
    """The manager, two linked staff members, and two clients who each asked a question."""
    harness = world.harness
    for name, user in PEOPLE.items():
        world.phones[name] = harness.phone(user, name.title(), language_code=lang)
    await onboard(world.phones["manager"], lang, None)
    for name, provider in (("employment", "employment_centre"), ("damu", "damu")):
        await onboard(world.phones[name], lang, None)
        await staff.link_account(harness.services.db, provider, PEOPLE[name])
    harness.fake.add_group(GROUP, "Esik market")
    # Client A asks about registering as a job seeker: the employment centre's staff gets it,
    # with a photo and the client's phone number.
    a = world.phones["client_a"]
    await onboard(a, lang)
    await a.send("/start e-job-register-seeker")
    await a.press_data("ask:job-register-seeker")
    await a.press_data("cs:job-register-seeker")
    question_a, question_b = world.secret(CLIENT_A), world.secret(CLIENT_B)
    await a.send(f"{question_a} my debts <b>&</b> my address")
    photo = harness.fake.photo_update(CLIENT_A, world.secret(CLIENT_A))
    photo_id = _file_id(photo["message"])
    world.secrets[photo_id] = CLIENT_A
    await harness.feed(photo, CLIENT_A)
    phone = f"+7700{CLIENT_A}000"
    world.secrets[phone] = CLIENT_A
    await a.share_contact(phone)
    # Client B asks the OSS a free question: it waits in the manager's queue.
    b = world.phones["client_b"]
    await onboard(b, lang, "entrepreneur")
    await b.press_data("ask:-")
    await b.press_data("cs:-")
    await b.send(f"{question_b} my loan was refused")
    for client in (a, b):
        screens = await client.press_data("dr:send")
        assert screens and "№" in screens[-1].text, "a seeded question was not sent"
    await world.remember()
    # The oracle sees what it should: the manager has both questions, the employment centre
    # A's question and photo, and nobody else anything.
    manager = " ".join(s.text for s in world.phones["manager"].screens)
    employment = world.phones["employment"].screens
    assert question_a in manager and question_b in manager
    assert any(question_a in s.text for s in employment)
    assert any(s.file_id == photo_id for s in employment)


# ---- the database of one run ------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(template: str, folder: Path) -> AsyncIterator[str]:
    """Copy the migrated template into a database of its own for one run."""
    if ON_POSTGRES:
        name = f"oss_fuzz_{uuid.uuid4().hex[:12]}"
        await postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            await postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = folder / f"fuzz-{uuid.uuid4().hex[:12]}.sqlite3"
        shutil.copyfile(template, path)
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{path}{suffix}")


async def run(
    plan: list[Any], *, template: str, folder: Path, knowledge: KnowledgeHolder, stats: Stats,
    lang: str, burst: int, seed_number: int, fault_rate: float = 0.0,
) -> None:  # fmt: skip
    """Seed a fresh world, play the plan, let the outbox settle, and check everything."""
    async with fresh_database(template, folder) as url:
        config = Settings(
            database_url=url,
            manager_ids=frozenset({MANAGER_ID}),
            knowledge_dir=PROJECT_ROOT / "knowledge",
        )
        services = Services(settings=config, db=Database(url), knowledge=knowledge)
        clock = Clock(MONDAY_10AM_ALMATY)
        services.clock = clock
        async with Harness(services, FakeTelegram(seed=seed_number)) as harness:
            world = World(harness, clock, stats)
            await seed(world, lang)
            assert harness.errors == [], "seeding failed"
            guard = FloodGuard(burst=burst, rate=1.0)  # a second passes only when the plan waits
            guard.clock = lambda: clock.now.timestamp()
            harness.app.bot_data["flood_guard"] = guard
            harness.fake.fault_rate = fault_rate
            for action in plan:
                await world.do(action)
            stats.faults += harness.fake.faults_injected
            stats.failed += len(harness.errors)
            stats.refusals.update(
                expected
                for call in harness.fake.calls
                for expected in (*EXPECTED_REFUSALS, ANSWERED_TWICE)
                if expected in (call.error or "")
            )
            await world.settle()
            stats.examples += 1
            async with services.db.read() as session:
                stats.events.update(await session.scalars(select(CaseEvent.kind)))
            await world.check(faults=bool(fault_rate))


FUZZ_SETTINGS = settings(
    max_examples=85,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def test_random_updates_from_everyone_never_fail_and_never_leak(
    template_database: str, knowledge: KnowledgeHolder, fuzz_folder: Path
) -> None:
    """Clients, a stranger, staff and the manager doing anything: nothing fails or leaks."""
    stats = Stats()
    started = time.monotonic()

    @FUZZ_SETTINGS
    @given(
        plan=PLAN,
        lang=st.sampled_from(["kk", "ru", "en"]),
        burst=st.sampled_from([10**9, 10**9, 10**9, 4]),
        seed_number=st.integers(0, 2**16),
    )
    def one_run(plan: list[Any], lang: str, burst: int, seed_number: int) -> None:
        asyncio.run(
            run(plan, template=template_database, folder=fuzz_folder, knowledge=knowledge,
                stats=stats, lang=lang, burst=burst, seed_number=seed_number)
        )  # fmt: skip

    one_run()
    stats.seconds = time.monotonic() - started
    print(stats.line("fuzz"))
    assert stats.updates >= 1000


def test_any_button_data_from_anyone_is_answered_and_breaks_nothing(
    template_database: str, knowledge: KnowledgeHolder, fuzz_folder: Path
) -> None:
    """Every press is answered once, handled or refused as out of date, whatever its data."""
    stats = Stats()
    started = time.monotonic()

    @settings(FUZZ_SETTINGS, max_examples=25)
    @given(presses=PRESSES, lang=st.sampled_from(["kk", "ru", "en"]))
    def one_run(presses: list[Any], lang: str) -> None:
        asyncio.run(
            run(presses, template=template_database, folder=fuzz_folder, knowledge=knowledge,
                stats=stats, lang=lang, burst=10**9, seed_number=0)
        )  # fmt: skip

    one_run()
    stats.seconds = time.monotonic() - started
    print(stats.line("buttons"))
    assert len(stats.data) >= 200


def test_random_updates_while_telegram_fails_never_reach_the_wrong_chat(
    template_database: str, knowledge: KnowledgeHolder, fuzz_folder: Path
) -> None:
    """With Telegram failing a fifth of the time, updates may fail kindly, never leak."""
    stats = Stats()
    started = time.monotonic()

    @settings(FUZZ_SETTINGS, max_examples=35)
    @given(plan=PLAN, lang=st.sampled_from(["kk", "ru", "en"]), seed_number=st.integers(0, 2**16))
    def one_run(plan: list[Any], lang: str, seed_number: int) -> None:
        asyncio.run(
            run(plan, template=template_database, folder=fuzz_folder, knowledge=knowledge,
                stats=stats, lang=lang, burst=10**9, seed_number=seed_number, fault_rate=0.2)
        )  # fmt: skip

    one_run()
    stats.seconds = time.monotonic() - started
    print(stats.line("fuzz with faults"))
    assert stats.faults > 0
