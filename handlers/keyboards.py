"""Keyboards, built by pure functions from plain values. Callback data is short stable ASCII."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.settings import LANGUAGES

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def rows(
    buttons: Sequence[InlineKeyboardButton], per_row: int = 2
) -> list[list[InlineKeyboardButton]]:
    """Lay buttons out `per_row` to a row."""
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def language_keyboard(first: str) -> InlineKeyboardMarkup:
    """Offer the three languages, the one Telegram reports for the person first."""
    order = [first, *[lang for lang in LANGUAGES if lang != first]]
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(LANGUAGE_NAMES[lang], callback_data=f"lang:{lang}")]
            for lang in order
        ]
    )
