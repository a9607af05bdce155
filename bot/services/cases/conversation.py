"""Providers and clients talking about a case, through the bot."""

from __future__ import annotations

from typing import Any

from bot.models import Conversation
from bot.services.cases.drafts import clean_part
from bot.services.cases.errors import Actor, CaseError
from bot.services.cases.records import (
    CaseView,
    DeskBase,
    end_conversation_of,
    load_case,
    record,
    require_client,
    require_handler,
    restart_clock,
    set_conversation,
    view,
)
from bot.services.cases.status import ANSWERABLE, CaseStatus, move
from bot.services.outbox import NotificationKind


class Conversations(DeskBase):
    """Replies between a case's provider (or the OSS manager) and its client."""

    async def start_reply(self, actor: Actor, case_id: int) -> CaseView:
        """Let the case's provider or its client write the next message of the conversation."""
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            if actor.role in ("staff", "manager"):
                require_handler(actor, case)
                kind = "reply"
            else:
                await require_client(session, actor, case)
                kind = "client_reply"
            if case.status not in ANSWERABLE.get(actor.role, ANSWERABLE["client"]):
                raise CaseError("bad_state", case.status)
            await set_conversation(session, actor.telegram_id, kind, case.id, {})
            return await view(session, case)

    async def conversation(self, telegram_id: int) -> tuple[str, int | None] | None:
        """Return (kind, case id) of what the person is in the middle of, if anything."""
        async with self.db.read() as session:
            row = await session.get(Conversation, telegram_id)
            return None if row is None else (row.kind, row.case_id)

    async def relay(self, actor: Actor, case_id: int, part: dict[str, Any]) -> CaseView:
        """Pass one message between the provider and the client, through the bot."""
        now = self.clock()
        part = clean_part(part)
        async with self.db.write() as session:
            case = await load_case(session, case_id)
            if case.status not in ANSWERABLE.get(actor.role, ANSWERABLE["client"]):
                raise CaseError("bad_state", case.status)
            if actor.role in ("staff", "manager"):
                require_handler(actor, case)
                move(case, CaseStatus.ANSWERED)
                if case.first_answer_at is None:
                    case.first_answer_at = now
                record(session, case, actor, "provider_message", now, part=part)
                relayed = await view(session, case)
                if relayed.client_telegram_id is not None:
                    await self.notify(
                        session,
                        relayed.client_telegram_id,
                        NotificationKind.PROVIDER_MESSAGE,
                        relayed,
                        now,
                        part=part,
                    )
            else:
                await require_client(session, actor, case)
                if case.status == CaseStatus.ANSWERED:  # the provider's turn again
                    move(case, CaseStatus.ASSIGNED)
                    restart_clock(self, case, now)
                record(session, case, actor, "client_message", now, part=part)
                relayed = await view(session, case)
                # To the provider's staff member; a case the OSS answered itself, to the managers.
                readers = (
                    [relayed.assignee_telegram_id]
                    if relayed.assignee_telegram_id is not None
                    else sorted(self.manager_ids)
                )
                for reader in readers:
                    kind = NotificationKind.CLIENT_MESSAGE
                    await self.notify(session, reader, kind, relayed, now, part=part)
            await end_conversation_of(session, actor.telegram_id)
            return relayed
