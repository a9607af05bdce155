"""Translations: Babel catalogs in `locales/`, compiled in memory when first used."""

from __future__ import annotations

import gettext
import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import LANGUAGES, PROJECT_ROOT

log = logging.getLogger(__name__)

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with `Translator.gettext`."""
    return message


@dataclass(frozen=True)
class Translator:
    """The gettext functions of one language."""

    lang: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """Translate `message`."""
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message that depends on the count `n`."""
        return self.catalog.ngettext(singular, plural, n)


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    """Read a .po file and compile it to a live catalog without writing a .mo file."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translator(lang: str) -> Translator:
    """Return the translator for `lang`; unknown languages get Kazakh, the OSS default."""
    if lang not in LANGUAGES:
        lang = "kk"
    po_path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return Translator(lang, compile_catalog(po_path))


def pick_language(telegram_code: str | None, default: str) -> str:
    """Choose the first language to offer from what Telegram reports for the person."""
    code = (telegram_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else default
