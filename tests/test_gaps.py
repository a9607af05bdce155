"""Searches that found nothing: kept in the words people typed, with nothing left that could
point to the person (phone numbers however written, long numbers, addresses, names)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.db import Database
from bot.masking import mask_personal
from bot.models import KnowledgeGap, utcnow
from bot.settings import normalize_database_url
from bot.tooling.harness import Harness
from tests.support import ON_POSTGRES, POSTGRES_URL, Clock, manager_phone, postgres_admin


@pytest.fixture
def clock_start() -> datetime:
    """/gaps reads the real date: its days are the last 30 up to today."""
    return utcnow()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("qwzx мой номер 8 701 555 12 34", "qwzx мой номер #"),
        ("тел +7 (701) 555-12-34 qwzx", "тел # qwzx"),
        ("ИИН 900101300123", "ИИН #"),
        ("Меня зовут Айгерим Нурланова, помогите", "Меня зовут ***, помогите"),
        ("менің атым айгерим нурланова", "менің атым ***"),
        (
            "Сәлеметсіз бе, мен Асқар Серікұлы, субсидия керек",
            "Сәлеметсіз бе, мен ***, субсидия керек",
        ),
        ("позвоните Иванову Петру Сергеевичу", "позвоните ***"),
        ("my name is Aigerim Nurlanova", "my name is ***"),
        ("write to aigerim@mail.kz or @aigerim_n", "write to *** or ***"),
        # Ordinary words stay, also those that end like a name or start a sentence.
        ("Субсидия на 3 га яблонь", "Субсидия на 3 га яблонь"),
        ("Документов нет, что делать?", "Документов нет, что делать?"),
        ("Кейін не істеймін? Есік қаласында", "Кейін не істеймін? Есік қаласында"),
        ("сиырым ауырып тұр, алма сатамын", "сиырым ауырып тұр, алма сатамын"),
        ("Damu Fund loan for an apple orchard", "Damu Fund loan for an apple orchard"),
    ],
)
def test_masking_hides_numbers_and_names_and_keeps_the_question(typed: str, kept: str) -> None:
    assert mask_personal(typed) == kept


async def test_a_search_with_a_name_and_a_phone_leaves_nothing_that_points_to_the_person(
    harness: Harness, clock: Clock
) -> None:
    """#16.6: a phone written with spaces and a full name used to survive into /gaps, the
    anonymous export and past /forget (the rows have no person, so /forget cannot find them)."""
    farmer = harness.phone(language_code="ru")
    await farmer.send("/start")
    await farmer.press("Русский")
    await farmer.press("Фермер")
    await farmer.press("Яблоки")
    typed = "qwzx vbnm, меня зовут Айгерим Нурланова, тел. 8 (701) 555-12-34"
    await farmer.send(typed)
    await farmer.send(typed.replace("Айгерим Нурланова", "Ерлан Бекович Ахметов"))
    await farmer.send("/forget")
    await farmer.press("Да, удалить")

    secrets = ("айгерим", "нурланова", "aigerim", "nurlanova", "ерлан", "ахметов", "erlan",
               "ahmetov", "701", "555", "12-34")  # fmt: skip
    async with harness.services.db.read() as session:
        rows = list(await session.scalars(select(KnowledgeGap)))
    kept = " ".join(f"{row.text} {row.skeleton}" for row in rows).casefold()
    assert rows and not [secret for secret in secrets if secret in kept], kept
    assert [row.text for row in rows] == ["qwzx vbnm, меня зовут ***, тел. #"]
    assert rows[0].count == 2  # two people's variants of one question, counted together

    manager = await manager_phone(harness, "en")
    [gaps] = await manager.send("/gaps")
    assert "• qwzx vbnm, меня зовут ***, тел. # — 2 (ru)" in gaps.text
    assert not [secret for secret in secrets if secret in gaps.text.casefold()]


async def test_searches_kept_before_the_upgrade_are_masked_and_merged(tmp_path: Path) -> None:
    if ON_POSTGRES:
        name = f"oss_gaps_{uuid.uuid4().hex[:8]}"
        await postgres_admin(f'CREATE DATABASE "{name}"')
        url = make_url(normalize_database_url(POSTGRES_URL)).set(database=name)
        db_url = url.render_as_string(hide_password=False)
    else:
        name, db_url = "", f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(db_url)
    try:
        await db.upgrade("0004")
        async with db.engine.begin() as connection:
            for skeleton, count in (
                ("menia zovut aigerim nurlanova tel 8 701 555 12 34", 2),
                ("menia zovut erlan bekovich tel 8 702 111 22 33", 1),
                ("subsidiia na iabloni", 4),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO knowledge_gaps (day, skeleton, language, count) "
                        "VALUES (:day, :skeleton, 'ru', :count)"
                    ),
                    {"day": date(2026, 11, 2), "skeleton": skeleton, "count": count},
                )
        await db.upgrade()
        async with db.read() as session:
            rows = sorted(
                (row.text, row.skeleton, row.count)
                for row in await session.scalars(select(KnowledgeGap))
            )
        assert rows == [
            ("menia zovut *** tel #", "menia zovut tel", 3),
            ("subsidiia na iabloni", "subsidia na iabloni", 4),  # skeleton made anew
        ]
    finally:
        await db.dispose()
        if name:
            await postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
