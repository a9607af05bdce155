"""Every catalog is complete, real, and consistent with the source strings."""

from __future__ import annotations

import gettext
import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, compile_catalog, translator
from bot.settings import LANGUAGES

PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")
TAG = re.compile(r"</?[a-z-]+")


def catalog(lang: str):
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def messages(lang: str):
    return [m for m in catalog(lang) if m.id]


def as_tuple(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str) -> None:
    untranslated = [m.id for m in messages(lang) if not all(as_tuple(m.string))]
    fuzzy = [m.id for m in messages(lang) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_has_every_message_of_the_template(lang: str) -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in messages(lang)}
    assert template - have == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_load_as_real_catalogs_not_the_silent_fallback(lang: str) -> None:
    compiled = compile_catalog(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po")
    assert isinstance(compiled, gettext.GNUTranslations)
    assert compiled.info()["language"] == lang


def test_kazakh_and_russian_really_differ_from_english() -> None:
    assert translator("kk").gettext("Main menu") == "Басты мәзір"
    assert translator("ru").gettext("Main menu") == "Главное меню"
    assert translator("en").gettext("Main menu") == "Main menu"


def test_russian_has_three_plural_forms() -> None:
    assert catalog("ru").num_plurals == 3
    for message in messages("ru"):
        if message.pluralizable:
            assert len(as_tuple(message.string)) == 3, message.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_placeholders_and_html_tags(lang: str) -> None:
    for message in messages(lang):
        source = " ".join(as_tuple(message.id))
        for translated in as_tuple(message.string):
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(source)), (
                message.id
            )
            assert sorted(TAG.findall(translated)) == sorted(TAG.findall(source)), message.id
