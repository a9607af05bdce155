"""Invites: the OSS manager links a provider's staff member to the bot with a one-time link."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from bot.models import StaffAccount, StaffInvite
from bot.services import outbox
from bot.services.cases.errors import Actor, CaseError
from bot.services.cases.records import DeskBase, language_of, require
from bot.services.outbox import NotificationKind
from bot.services.staff import release_cases

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
            # One conditional UPDATE claims the invite: of two people who open the same link
            # at once, exactly one changes the row (a read, then a write, let both through on
            # PostgreSQL).
            claimed = await session.scalar(
                update(StaffInvite)
                .where(
                    StaffInvite.token == token,
                    StaffInvite.used_at.is_(None),
                    StaffInvite.expires_at >= now,
                )
                .values(used_at=now, used_by=telegram_id)
                .returning(StaffInvite.provider_id)
            )
            if claimed is None:
                raise CaseError("not_found", "invite")
            provider_id = str(claimed)
            staff = await session.scalar(
                select(StaffAccount).where(StaffAccount.telegram_id == telegram_id)
            )
            if staff is None:
                staff = StaffAccount(telegram_id=telegram_id, provider_id=provider_id)
                session.add(staff)
            elif staff.provider_id != provider_id and staff.active:  # moved: hand on the cases
                old_provider, staff.provider_id = staff.provider_id, provider_id
                await session.flush()
                await release_cases(
                    session, staff, old_provider, reason="moved", manager_ids=self.manager_ids,
                    default_language=self.default_language, now=now,
                )  # fmt: skip
            staff.provider_id = provider_id
            staff.display_name = display_name[:128]
            staff.active = True
            staff.linked_at = now
            for manager in sorted(self.manager_ids):
                payload = {
                    "lang": await language_of(session, manager, self.default_language),
                    "provider_id": provider_id,
                    "name": display_name[:64],
                }
                await outbox.enqueue(
                    session, manager, NotificationKind.STAFF_LINKED, payload, now=now
                )
            return provider_id
