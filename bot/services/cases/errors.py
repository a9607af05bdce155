"""What can go wrong with a case, and who is acting."""

from __future__ import annotations

from dataclasses import dataclass


class CaseError(Exception):
    """An action that cannot be done: `code` is not_found, forbidden or bad_state."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Actor:
    """Who is acting: a client, a provider's staff member, the OSS manager, or the system."""

    telegram_id: int
    role: str
    provider_id: str | None = None
    staff_id: int | None = None


SYSTEM = Actor(0, "system")
