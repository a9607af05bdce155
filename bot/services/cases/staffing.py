"""Invites: the OSS manager links a provider's staff member to the bot with a one-time link."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from bot.models import StaffAccount, StaffInvite
from bot.services import outbox
from bot.services.cases.errors import Actor, CaseError
from bot.services.cases.records import DeskBase, language_of, require
from bot.services.outbox import NotificationKind

INVITE_DAYS = 3


class Staffing(DeskBase):
    """Invite links for providers' staff, and their acceptance."""

    async def create_invite(self, actor: Actor, provider_id: str) -> str:
        """Create a single-use invite link token for a provider's staff member."""
        require(actor, "manager")
        if self.knowledge().provider(provider_id) is None:
            raise CaseError("not_found", provider_id)
        now = self.clock()
        token = secrets.token_urlsafe(18)
        async with self.db.write() as session:
            session.add(
                StaffInvite(
                    token=token,
                    provider_id=provider_id,
                    created_by=actor.telegram_id,
                    created_at=now,
                    expires_at=now + timedelta(days=INVITE_DAYS),
                )
            )
        return token

    async def accept_invite(self, telegram_id: int, token: str, display_name: str) -> str:
        """Link the account to the invite's provider; return the provider id."""
        now = self.clock()
        async with self.db.write() as session:
            invite = await session.scalar(select(StaffInvite).where(StaffInvite.token == token))
            if invite is None or invite.used_at is not None or invite.expires_at < now:
                raise CaseError("not_found", "invite")
            invite.used_at, invite.used_by = now, telegram_id
            staff = await session.scalar(
                select(StaffAccount).where(StaffAccount.telegram_id == telegram_id)
            )
            if staff is None:
                staff = StaffAccount(telegram_id=telegram_id, provider_id=invite.provider_id)
                session.add(staff)
            staff.provider_id = invite.provider_id
            staff.display_name = display_name[:128]
            staff.active = True
            staff.linked_at = now
            for manager in sorted(self.manager_ids):
                payload = {
                    "lang": await language_of(session, manager, self.default_language),
                    "provider_id": invite.provider_id,
                    "name": display_name[:64],
                }
                await outbox.enqueue(
                    session, manager, NotificationKind.STAFF_LINKED, payload, now=now
                )
            return invite.provider_id
