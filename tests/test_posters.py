"""Posters: a printable A4 page whose QR code opens the bot and tells it where the person saw it."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot import cli
from bot.i18n import translator
from bot.posters import PosterError, deep_link
from bot.tooling.harness import Harness
from tests.support import MANAGER_ID


def decode(png: Path) -> list[str]:
    """Read every QR code in a picture, as a phone's camera would."""
    with Image.open(png) as picture:
        return [result.text for result in zxingcpp.read_barcodes(picture)]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_posters_qr_code_opens_the_bot_with_its_source(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    code = cli.main(
        ["poster", "--source", "market_esik", "--lang", lang, "--username", "enbek_oss_bot"]
    )
    assert code == 0
    png, pdf = (
        tmp_path / f"poster-market_esik-{lang}.png",
        tmp_path / f"poster-market_esik-{lang}.pdf",
    )
    assert decode(png) == ["https://t.me/enbek_oss_bot?start=src-market_esik"]
    with Image.open(png) as picture:
        width, height = picture.size
    assert abs(height / width - 297 / 210) < 0.01  # A4
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "https://t.me/enbek_oss_bot?start=src-market_esik" in capsys.readouterr().out


def test_the_username_can_come_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_USERNAME", "@oss_enbek_bot")
    assert cli.main(["poster", "--source", "village-7", "--lang", "ru"]) == 0
    assert decode(tmp_path / "poster-village-7-ru.png") == [
        "https://t.me/oss_enbek_bot?start=src-village-7"
    ]


def test_without_a_username_the_poster_says_kindly_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    assert cli.main(["poster", "--source", "market_1", "--lang", "kk"]) == 2
    error = capsys.readouterr().err
    assert "--username" in error and "BOT_USERNAME" in error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tag", ["", "bad tag", "a" * 41, "ауыл", "x/../y"])
def test_a_source_tag_must_be_a_short_plain_word(tag: str) -> None:
    with pytest.raises(PosterError):
        deep_link("enbek_oss_bot", tag)


async def test_the_people_a_poster_brings_are_counted_by_its_source(harness: Harness) -> None:
    link = deep_link("enbek_oss_bot", "market_esik")
    person = harness.phone(language_code="ru")
    await person.send("/start " + link.split("?start=")[1])
    await person.press("Русский")
    await person.press("Ищу работу")
    manager = harness.phone(MANAGER_ID, language_code="en")
    await manager.send("/start")
    await manager.press("English")
    [choice] = await manager.send("/report")
    screens = await manager.press("This week", screen=choice)
    assert "market_esik 1" in screens[-1].text


def test_the_poster_speaks_the_chosen_language() -> None:
    assert translator("kk").gettext("One Stop Shop") == "ODAK орталығы"
    assert translator("ru").gettext("One Stop Shop") == "Центр ODAK"
