"""What several test modules share: the cast (who is who), a clock moved by hand, and the steps a
person takes again and again (onboard, open an entry, ask a specialist).

Test modules import from here, never from one another; fixtures live in conftest.py.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.db import Database
from bot.domain import AUDIENCE_LABELS, VALUE_CHAIN_LABELS
from bot.i18n import translator
from bot.models import Case
from bot.services import people, staff
from bot.settings import normalize_database_url
from bot.tooling.faketg import FakeTelegram
from bot.tooling.harness import Harness, Phone

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres", "postgresql"))

# The cast: the OSS manager of the test settings, and staff of providers in the real knowledge base.
MANAGER_ID = 900_001
EMPLOYMENT_STAFF = 700_001
EMPLOYMENT_STAFF_2 = 700_002
DAMU_STAFF = 700_101

MONDAY_10AM_ALMATY = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 10:00 in Asia/Almaty (UTC+5)
LANGUAGE_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


async def postgres_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL server of DATABASE_URL (create or drop a database)."""
    import asyncpg

    url = make_url(normalize_database_url(POSTGRES_URL))
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password,
        database=url.database or "postgres",
    )  # fmt: skip
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


HALF_ROW_CHARS = 20  # handlers.render.HALF_ROW_CHARS: what half a small phone's width shows


def keyboards_cut_on_a_phone(fake: FakeTelegram) -> list[list[str]]:
    """Every row of inline buttons the bot sent or edited in that shares the width with a
    label too long for half a small phone (it would be cut)."""
    cut = []
    for call in fake.calls:
        markup = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            labels = [b.get("text", "") for b in row]
            if len(labels) > 1 and any(len(label) > HALF_ROW_CHARS for label in labels):
                cut.append(labels)
    return cut


def name(labels: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """The translated name a person reads on a button."""
    return translator(lang).gettext(labels[key][1])


def say(lang: str, message: str) -> str:
    return translator(lang).gettext(message)


async def onboard(harness: Harness, lang: str, audience: str, chain: str | None = None) -> Phone:
    """A new person picks a language, says who they are and (farmers) what they grow."""
    person = harness.phone(language_code=lang)
    await person.send("/start")
    [welcome] = await person.press(LANGUAGE_BUTTON[lang])
    assert name(AUDIENCE_LABELS, "farmer", lang) in " ".join(welcome.labels)
    screens = await person.press(name(AUDIENCE_LABELS, audience, lang))
    if audience == "farmer":
        assert chain is not None
        screens = await person.press(name(VALUE_CHAIN_LABELS, chain, lang))
    assert say(lang, "Main menu") in screens[-1].text
    return person


async def link(harness: Harness, provider_id: str, telegram_id: int, lang: str = "ru") -> Phone:
    """A provider's staff member who has opened the bot and is linked to the provider."""
    phone = harness.phone(telegram_id, "Staff", language_code=lang)
    await phone.send("/start")
    await phone.press(LANGUAGE_BUTTON[lang])
    await staff.link_account(harness.services.db, provider_id, telegram_id)
    return phone


async def manager_phone(harness: Harness, lang: str = "ru") -> Phone:
    phone = harness.phone(MANAGER_ID, "Manager", language_code=lang)
    await phone.send("/start")
    await phone.press(LANGUAGE_BUTTON[lang])
    return phone


async def client_at_entry(harness: Harness, entry_id: str, lang: str, audience: str) -> Phone:
    """A client who onboarded and opened an entry's answer card."""
    labels = {
        "kk": {"job_seeker": "Жұмыс іздеймін", "farmer": "Фермер", "entrepreneur": "Кәсіпкер"},
        "ru": {"job_seeker": "Ищу работу", "farmer": "Фермер", "entrepreneur": "Предприниматель"},
        "en": {
            "job_seeker": "Looking for a job",
            "farmer": "Farmer",
            "entrepreneur": "Entrepreneur",
        },
    }
    client = harness.phone(language_code=lang)
    await client.send("/start")
    await client.press(LANGUAGE_BUTTON[lang])
    await client.press(labels[lang][audience])
    if audience == "farmer":
        await client.press({"kk": "Алма", "ru": "Яблоки", "en": "Apples"}[lang])
    await client.send(f"/start e-{entry_id}")
    return client


async def ask(client: Phone, lang: str, *messages: str) -> str:
    """Press "ask a specialist", agree, write the messages, send; return the confirmation."""
    ask_label = {"kk": "Маманнан сұрау", "ru": "Спросить специалиста", "en": "Ask a specialist"}
    agree = {"kk": "Келісемін", "ru": "Согласен", "en": "I agree"}
    send = {"kk": "Жіберу", "ru": "Отправить", "en": "Send"}
    await client.press(ask_label[lang])
    await client.press(agree[lang])
    for message in messages:
        await client.send(message)
    screens = await client.press(send[lang])
    [confirmation] = [s for s in screens if "№" in s.text]
    return confirmation.text


def case_number(text: str) -> int:
    return int(text.split("№")[1].split()[0].rstrip(".,"))


# For the tests that run a real `oss-bot run` process against a database of their own.


async def prepare_for_a_real_bot(url: str) -> None:
    """Migrate, link the employment centre's staff, and set the manager and staff to English."""
    database = Database(url)
    await database.upgrade()
    await staff.link_account(database, "employment_centre", EMPLOYMENT_STAFF, "Staff")
    for telegram_id in (MANAGER_ID, EMPLOYMENT_STAFF):
        await people.set_language(database, telegram_id, "en")
    await database.dispose()


async def stored_cases(url: str) -> list[tuple[int, str]]:
    """Every case in the database: its number and question."""
    database = Database(url)
    async with database.read() as session:
        rows = (await session.execute(select(Case.id, Case.question).order_by(Case.id))).all()
    await database.dispose()
    return [(row[0], row[1] or "") for row in rows]
