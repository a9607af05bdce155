"""Notifications: each kind has its one renderer; every sender reads Telegram's errors alike."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.container import Services
from bot.db import Database
from bot.knowledge import KnowledgeHolder
from bot.resilience import Verdict, classify_send_failure
from bot.services.outbox import NotificationKind
from bot.settings import Settings
from handlers.notify import RENDERERS, render
from tests.support import MANAGER_ID

CASE = {
    "case_id": 41, "status": "assigned", "client_language": "ru", "audience": "farmer",
    "value_chain": "apple", "entry_id": None, "question": "Как оформить субсидию на саженцы?",
    "attachments": 1, "phone": "+7 700 000 00 00", "provider_id": None,
    "suggested_provider": None, "due_at": "2026-03-02T09:00:00+00:00",
}  # fmt: skip
EXTRA: dict[NotificationKind, dict[str, Any]] = {
    NotificationKind.CASE_FILE: {"type": "photo", "file_id": "AgAD-photo", "caption": "поле"},
    NotificationKind.STAFF_LINKED: {"name": "Aigerim"},
    NotificationKind.PROVIDER_MESSAGE: {"part": {"type": "text", "text": "Приходите в среду."}},
    NotificationKind.CLIENT_MESSAGE: {"part": {"type": "voice", "file_id": "AwAD-voice"}},
    NotificationKind.CASE_RETURNED: {"by_provider": None},
    NotificationKind.DIGEST: {"new": 2, "open": 5, "overdue": 1, "by_provider": [["", 5, 1]]},
    NotificationKind.ANNOUNCE_DONE: {"announcement_id": 3, "sent": 120, "blocked": 2},
}
NOT_ABOUT_ONE_CASE = {
    NotificationKind.STAFF_LINKED, NotificationKind.DIGEST, NotificationKind.ANNOUNCE_DONE,
}  # fmt: skip


@pytest.fixture
def services(settings: Settings, database: Database, knowledge: KnowledgeHolder) -> Services:
    return Services(settings=settings, db=database, knowledge=knowledge)


def test_every_kind_of_notification_has_a_renderer() -> None:
    assert set(RENDERERS) == set(NotificationKind)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_reads_in_the_readers_language(
    kind: NotificationKind, lang: str, services: Services
) -> None:
    payload = {**CASE, **EXTRA.get(kind, {}), "lang": lang}
    english = render(kind.value, {**payload, "lang": "en"}, services, MANAGER_ID)
    rendered = render(kind.value, payload, services, MANAGER_ID)
    assert rendered.text.strip()
    if lang != "en":
        assert rendered.text != english.text, f"{kind} is not translated into {lang}"
    if kind not in NOT_ABOUT_ONE_CASE:
        assert "№41" in rendered.text


def test_a_notification_of_an_unknown_kind_is_refused_at_rendering(services: Services) -> None:
    with pytest.raises(ValueError):
        render("no_such_kind", {**CASE, "lang": "ru"}, services, MANAGER_ID)


def _after_sending() -> NetworkError:
    error = TimedOut("Timed out")
    error.__cause__ = httpx.ReadTimeout("read")
    return error


def _before_sending() -> NetworkError:
    error = NetworkError("httpx.ConnectError: connection refused")
    error.__cause__ = httpx.ConnectError("refused")
    return error


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (RetryAfter(7), Verdict.RETRY_AFTER),
        (Forbidden("Forbidden: bot was blocked by the user"), Verdict.GONE),
        (BadRequest("Bad Request: wrong file identifier"), Verdict.REFUSED),
        (_before_sending(), Verdict.NOT_SENT),
        (_after_sending(), Verdict.UNKNOWN),
        (TelegramError("something else"), Verdict.OTHER),
    ],
)
def test_a_failed_send_is_classified_once_for_every_sender(
    error: TelegramError, verdict: Verdict
) -> None:
    failure = classify_send_failure(error)
    assert failure.verdict is verdict
    assert failure.error
    assert failure.retry_after == (7.0 if verdict is Verdict.RETRY_AFTER else 0.0)


@pytest.mark.parametrize(
    ("lang", "month"), [("kk", "желтоқсан"), ("ru", "декабря"), ("en", "December")]
)
def test_a_due_time_names_its_month_in_full(lang: str, month: str) -> None:
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from handlers.notify import when

    services = SimpleNamespace(settings=SimpleNamespace(tz=ZoneInfo("Asia/Almaty")))
    shown = when("2026-12-03T10:00:00+00:00", lang, services)
    assert shown == f"3 {month}, 15:00"  # "3 жел., 15:00" left a Kazakh reader guessing
