"""Posters: a printable A4 page whose QR code opens the bot and tells it where the person saw it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
import zxingcpp
from matplotlib.figure import Figure
from PIL import Image

from bot import cli
from bot.i18n import translator
from bot.knowledge import Offices
from bot.knowledge.offices import parse_offices
from bot.posters import PosterError, deep_link, draw, parse_langs
from bot.tooling.harness import Harness
from tests.support import MANAGER_ID

DATA = Path(__file__).resolve().parent / "data"


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


def poster_texts(figure: Figure) -> str:
    return "\n".join(text.get_text() for text in figure.texts)


def fixture_offices() -> Offices:
    errors: list[str] = []
    data = yaml.safe_load((DATA / "offices.yaml").read_text(encoding="utf-8"))
    offices = parse_offices(data, "offices.yaml", errors, None)
    assert errors == []
    return offices


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_poster_carries_the_oss_address_phone_and_hours_when_known(lang: str) -> None:
    texts = poster_texts(draw("https://t.me/enbek_oss_bot?start=src-x", lang, fixture_offices()))
    tr = translator(lang).gettext
    address = {"kk": "Есік қ., Тест көшесі, 1", "ru": "г. Есик, ул. Тестовая, 1",
               "en": "1 Test street, Esik"}[lang]  # fmt: skip
    assert tr("Address: {address}").format(address=address) in texts.replace("\n", " ")
    assert "+7 727 000 00 01" in texts
    assert "9:00–13:00, 14:00–18:00" in texts
    bare = poster_texts(draw("https://t.me/enbek_oss_bot?start=src-x", lang, Offices()))
    assert "+7" not in bare and tr("Address: {address}").split(":")[0] not in bare


def test_a_poster_in_kazakh_and_russian_on_one_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "kb"
    shutil.copytree(DATA / "kb_min", base)
    shutil.copy(DATA / "offices.yaml", base / "offices.yaml")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(base))
    argv = ["poster", "--source", "market_esik", "--lang", "kk+ru", "--username", "enbek_oss_bot"]
    assert cli.main(argv) == 0
    png = tmp_path / "poster-market_esik-kk-ru.png"
    assert decode(png) == ["https://t.me/enbek_oss_bot?start=src-market_esik"]
    texts = poster_texts(draw("https://t.me/b?start=src-x", ("kk", "ru"), fixture_offices()))
    for lang in ("kk", "ru"):
        for message in (
            "Ask in Kazakh, Russian or English, in Telegram.",
            "Scan the code with your phone's camera to open the bot.",
        ):
            translated = translator(lang).gettext(message)
            assert translated != message and translated[:25] in texts
    assert "Есік қ., Тест көшесі, 1" in texts and "г. Есик, ул. Тестовая, 1" in texts
    assert texts.index("ODAK орталығы") < texts.index("Центр ODAK")  # the first language first


@pytest.mark.parametrize("value", ["kk+kk", "kk+ru+en", "de", "kk ru"])
def test_a_poster_language_is_one_or_two_of_ours(value: str) -> None:
    with pytest.raises(PosterError):
        parse_langs(value)
