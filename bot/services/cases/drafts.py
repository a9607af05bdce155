"""Writing a question: the client's draft, part by part, before it becomes a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Conversation
from bot.services.cases.errors import CaseError
from bot.services.cases.records import DeskBase, set_conversation
from bot.services.safetext import clean_text

MAX_PARTS = 20
MAX_TEXT = 4096  # Telegram's own limit for one message
FILE_TYPES = ("photo", "voice", "document", "video", "audio")


@dataclass(frozen=True)
class Draft:
    """A question being written, before it is sent."""

    entry_id: str | None
    parts: tuple[dict[str, Any], ...]
    phone: str | None

    @property
    def empty(self) -> bool:
        """Tell whether nothing was written yet."""
        return not self.parts


class Drafts(DeskBase):
    """The client's question while they write it."""

    async def start_draft(self, client_id: int, entry_id: str | None) -> None:
        """Begin a question after the client's consent; an earlier draft is replaced."""
        now = self.clock()
        data: dict[str, Any] = {
            "entry_id": entry_id, "parts": [], "phone": None, "consent_at": now.isoformat()
        }  # fmt: skip
        async with self.db.write() as session:
            await set_conversation(session, client_id, "draft", None, data)

    async def draft(self, client_id: int) -> Draft | None:
        """Return the client's draft, if they are writing one."""
        async with self.db.read() as session:
            row = await session.get(Conversation, client_id)
        if row is None or row.kind != "draft":
            return None
        return draft_of(row)

    async def add_to_draft(self, client_id: int, part: dict[str, Any]) -> Draft:
        """Add a text, voice note, photo or document to the draft."""
        async with self.db.write() as session:
            row = await draft_row(session, client_id)
            data = dict(row.data)
            parts = list(data.get("parts", []))
            if len(parts) >= MAX_PARTS:
                raise CaseError("bad_state", "draft is full")
            parts.append(clean_part(part))
            data["parts"] = parts
            row.data = data
            return draft_of(row)

    async def set_draft_phone(self, client_id: int, phone: str) -> Draft:
        """Attach the client's own phone number to the draft."""
        async with self.db.write() as session:
            row = await draft_row(session, client_id)
            row.data = {**row.data, "phone": phone[:32]}
            return draft_of(row)

    async def cancel(self, telegram_id: int) -> str | None:
        """End whatever the person was in the middle of; return what it was."""
        async with self.db.write() as session:
            row = await session.get(Conversation, telegram_id)
            if row is None:
                return None
            kind = row.kind
            await session.delete(row)
            return kind


async def draft_row(session: AsyncSession, client_id: int) -> Conversation:
    """Return the client's draft to change it, or raise bad_state."""
    row = await session.get(Conversation, client_id)
    if row is None or row.kind != "draft":
        raise CaseError("bad_state", "no draft")
    return row


def draft_of(row: Conversation) -> Draft:
    """Read a draft from its row."""
    data = row.data or {}
    return Draft(data.get("entry_id"), tuple(data.get("parts", ())), data.get("phone"))


def clean_part(part: dict[str, Any]) -> dict[str, Any]:
    """Keep only the known fields of a message part, with texts cut to a safe length."""
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": clean_text(str(part.get("text", "")))[:MAX_TEXT]}
    if kind in FILE_TYPES:
        clean = {"type": kind, "file_id": str(part["file_id"])}
        if part.get("caption"):
            clean["caption"] = clean_text(str(part["caption"]))[:1000]
        return clean
    raise CaseError("bad_state", f"unsupported part {kind!r}")
