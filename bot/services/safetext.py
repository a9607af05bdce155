"""Text people send, made safe to store: no NUL, no other control characters.

Telegram passes on whatever a client types, NUL included. PostgreSQL refuses NUL in text (and a
lone surrogate cannot be encoded at all), so a service stores text only after `clean_text`;
tabs and line breaks stay.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Return `text` without control characters (but tabs and line breaks) or lone surrogates."""
    return _UNSAFE.sub("", text)
