"""Provider staff: the Telegram accounts that answer a provider's cases (linked by the CLI).

Invites sent from Telegram are accepted by the case desk (`bot.services.cases.staffing`).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.models import StaffAccount, utcnow


async def link_account(
    db: Database, provider_id: str, telegram_id: int, display_name: str | None = None
) -> None:
    """Link a Telegram account to a provider; an account serves one provider at a time."""
    async with db.write() as session:
        row = await session.scalar(
            select(StaffAccount).where(StaffAccount.telegram_id == telegram_id)
        )
        if row is None:
            row = StaffAccount(telegram_id=telegram_id, provider_id=provider_id)
            session.add(row)
        row.provider_id = provider_id
        row.active = True
        row.linked_at = utcnow()
        if display_name:
            row.display_name = display_name


async def linked_accounts(db: Database) -> dict[str, list[int]]:
    """Return the active Telegram accounts of each provider."""
    async with db.read() as session:
        rows = await session.scalars(
            select(StaffAccount).where(StaffAccount.active).order_by(StaffAccount.id)
        )
        linked: dict[str, list[int]] = {}
        for row in rows:
            linked.setdefault(row.provider_id, []).append(row.telegram_id)
        return linked
