"""Cases: a client's question handed to a provider or the OSS manager, and its whole life.

Every change of a case is a case event, and every notification it causes is written to the
outbox in the same transaction, so a crash between the two loses nothing. Every action is
checked against who asks for it: callback data can be forged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.knowledge import KnowledgeBase
from bot.models import Case, CaseEvent, Conversation, Person, StaffAccount, StaffInvite
from bot.services import outbox
from bot.services.worktime import WorkingHours

log = logging.getLogger(__name__)

OPEN = ("new", "assigned", "answered", "reopened")
PROVIDERS_TURN = ("new", "assigned", "reopened")
MAX_PARTS = 20
MAX_TEXT = 4096  # Telegram's own limit for one message
INVITE_DAYS = 3
RATINGS = range(1, 6)


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


@dataclass(frozen=True)
class Draft:
    """A question being written, before it is sent."""

    entry_id: str | None
    parts: tuple[dict[str, Any], ...]
    phone: str | None

    @property
    def empty(self) -> bool:
        return not self.parts


@dataclass(frozen=True)
class CaseView:
    """A case as the people allowed to see it see it."""

    id: int
    status: str
    client_telegram_id: int | None
    language: str
    audience: str | None
    value_chain: str | None
    entry_id: str | None
    topic: str | None
    question: str
    attachments: tuple[dict[str, Any], ...]
    phone: str | None
    provider_id: str | None
    suggested_provider: str | None
    assignee_telegram_id: int | None
    due_at: datetime | None
    created_at: datetime
    first_answer_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    rating: int | None

    def overdue(self, now: datetime) -> bool:
        """Tell whether the provider's (or the manager's) deadline has passed."""
        return self.status in PROVIDERS_TURN and self.due_at is not None and self.due_at < now

    def snapshot(self) -> dict[str, Any]:
        """Return the values a notification about this case is rendered with."""
        return {
            "case_id": self.id,
            "status": self.status,
            "client_language": self.language,
            "audience": self.audience,
            "value_chain": self.value_chain,
            "entry_id": self.entry_id,
            "question": self.question,
            "attachments": len(self.attachments),
            "phone": self.phone,
            "provider_id": self.provider_id,
            "suggested_provider": self.suggested_provider,
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }


@dataclass(frozen=True)
class EventView:
    """One line of a case's history."""

    kind: str
    actor_role: str
    detail: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Digest:
    """The morning summary for the OSS manager."""

    new: int
    open: int
    overdue: int
    by_provider: tuple[tuple[str, int, int], ...]  # provider id ("" = OSS queue), open, overdue


@dataclass
class CaseDesk:
    """The OSS's case desk: opening, routing, relaying, closing and following up cases."""

    db: Database
    knowledge: Callable[[], KnowledgeBase]
    manager_ids: frozenset[int]
    hours: WorkingHours
    default_language: str = "kk"
    due_hours: float = 16.0
    remind_before: timedelta = timedelta(hours=4)
    followup_after: timedelta = timedelta(days=7)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())

    # ---- who is who -------------------------------------------------------------------------

    async def actor(self, telegram_id: int) -> Actor:
        """Return the role of a Telegram account: manager, staff or client."""
        if telegram_id in self.manager_ids:
            return Actor(telegram_id, "manager")
        async with self.db.read() as session:
            staff = await _staff(session, telegram_id)
        if staff is not None:
            return Actor(telegram_id, "staff", staff.provider_id, staff.id)
        return Actor(telegram_id, "client")

    async def linked_providers(self) -> set[str]:
        """Return the providers that have at least one linked staff account."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(StaffAccount.provider_id).where(StaffAccount.active).distinct()
            )
            return set(rows)

    # ---- writing a question -----------------------------------------------------------------

    async def start_draft(self, client_id: int, entry_id: str | None) -> None:
        """Begin a question after the client's consent; an earlier draft is replaced."""
        now = self.clock()
        async with self.db.write() as session:
            await _set_conversation(
                session,
                client_id,
                "draft",
                None,
                {"entry_id": entry_id, "parts": [], "phone": None, "consent_at": now.isoformat()},
            )

    async def draft(self, client_id: int) -> Draft | None:
        """Return the client's draft, if they are writing one."""
        async with self.db.read() as session:
            row = await session.get(Conversation, client_id)
        if row is None or row.kind != "draft":
            return None
        return _draft_of(row)

    async def add_to_draft(self, client_id: int, part: dict[str, Any]) -> Draft:
        """Add a text, voice note, photo or document to the draft."""
        async with self.db.write() as session:
            row = await session.get(Conversation, client_id)
            if row is None or row.kind != "draft":
                raise CaseError("bad_state", "no draft")
            data = dict(row.data)
            parts = list(data.get("parts", []))
            if len(parts) >= MAX_PARTS:
                raise CaseError("bad_state", "draft is full")
            parts.append(_clean_part(part))
            data["parts"] = parts
            row.data = data
            return _draft_of(row)

    async def set_draft_phone(self, client_id: int, phone: str) -> Draft:
        """Attach the client's own phone number to the draft."""
        async with self.db.write() as session:
            row = await session.get(Conversation, client_id)
            if row is None or row.kind != "draft":
                raise CaseError("bad_state", "no draft")
            row.data = {**row.data, "phone": phone[:32]}
            return _draft_of(row)

    async def cancel(self, telegram_id: int) -> str | None:
        """End whatever the person was in the middle of; return what it was."""
        async with self.db.write() as session:
            row = await session.get(Conversation, telegram_id)
            if row is None:
                return None
            kind = row.kind
            await session.delete(row)
            return kind

    async def submit(self, client_id: int) -> CaseView:
        """Turn the draft into a case, route it, and notify everyone concerned."""
        now = self.clock()
        kb = self.knowledge()
        async with self.db.write() as session:
            row = await session.get(Conversation, client_id)
            if row is None or row.kind != "draft":
                raise CaseError("bad_state", "no draft")
            draft = _draft_of(row)
            if draft.empty:
                raise CaseError("bad_state", "empty draft")
            person = await session.scalar(select(Person).where(Person.telegram_id == client_id))
            if person is None:
                raise CaseError("bad_state", "unknown client")
            entry = kb.entry(draft.entry_id) if draft.entry_id else None
            texts = [p["text"] for p in draft.parts if p["type"] == "text"]
            texts += [p["caption"] for p in draft.parts if p.get("caption")]
            case = Case(
                person_id=person.id,
                language=person.language or self.default_language,
                audience=person.audience,
                value_chain=person.value_chain,
                entry_id=entry.id if entry else None,
                topic=entry.topic if entry else None,
                question="\n\n".join(texts),
                attachments=[p for p in draft.parts if p["type"] != "text"],
                phone=draft.phone,
                status="new",
                created_at=now,
                updated_at=now,
                due_at=self.hours.add(now, self.due_hours),
            )
            session.add(case)
            await session.flush()
            _event(
                session,
                case,
                Actor(client_id, "client"),
                "opened",
                now,
                consent_at=row.data.get("consent_at"),
                entry_id=case.entry_id,
            )
            await session.delete(row)
            provider_id = entry.providers[0] if entry and entry.providers else None
            staff = await _least_loaded_staff(session, provider_id) if provider_id else None
            if staff is not None:
                await self._assign(session, case, staff, Actor(0, "system"), now)
            else:
                case.suggested_provider = provider_id
                _event(session, case, Actor(0, "system"), "queued", now, suggested=provider_id)
            view = await _view(session, case)
            # The client's confirmation goes through the outbox too: it is owed exactly once,
            # even if the bot stops right after this commit.
            await self._notify(session, client_id, "case_received", view, now)
            for manager in sorted(self.manager_ids):
                await self._notify(session, manager, "case_new", view, now)
            return view

    # ---- the manager ------------------------------------------------------------------------

    async def assign(self, actor: Actor, case_id: int, provider_id: str) -> CaseView:
        """Give the case to a provider (its least loaded staff member)."""
        _require(actor, "manager")
        now = self.clock()
        if self.knowledge().provider(provider_id) is None:
            raise CaseError("not_found", provider_id)
        async with self.db.write() as session:
            case = await _case(session, case_id)
            if case.status not in OPEN:
                raise CaseError("bad_state", case.status)
            staff = await _least_loaded_staff(session, provider_id)
            if staff is None:
                raise CaseError("bad_state", "the provider has no linked staff")
            previous = case.assignee_id
            if previous is not None and previous != staff.id:
                old = await session.get(StaffAccount, previous)
                if old is not None:
                    await self._notify(
                        session, old.telegram_id, "case_moved_away", await _view(session, case), now
                    )
            case.due_at = self.hours.add(now, self.due_hours)
            case.reminded_at = case.overdue_at = None
            await self._assign(session, case, staff, actor, now)
            return await _view(session, case)

    async def close(self, actor: Actor, case_id: int) -> CaseView:
        """Close the case for good (the manager's decision) and tell the client."""
        _require(actor, "manager")
        now = self.clock()
        async with self.db.write() as session:
            case = await _case(session, case_id)
            if case.status == "closed":
                raise CaseError("bad_state", "closed")
            case.status = "closed"
            case.closed_at = now
            _event(session, case, actor, "closed", now)
            await _end_conversations(session, case.id)
            view = await _view(session, case)
            if view.client_telegram_id is not None:
                await self._notify(session, view.client_telegram_id, "case_closed", view, now)
            return view

    async def open_cases(self, actor: Actor) -> list[CaseView]:
        """List open cases: all for the manager, the provider's own for staff."""
        if actor.role not in ("manager", "staff"):
            raise CaseError("forbidden")
        async with self.db.read() as session:
            query = (  # the clients' and assignees' Telegram ids in the same query, not 2 per case
                select(Case, Person.telegram_id, StaffAccount.telegram_id)
                .outerjoin(Person, Person.id == Case.person_id)
                .outerjoin(StaffAccount, StaffAccount.id == Case.assignee_id)
                .where(Case.status.in_(OPEN))
                .order_by(Case.due_at, Case.id)
            )
            if actor.role == "staff":
                query = query.where(Case.provider_id == actor.provider_id)
            rows = (await session.execute(query.limit(200))).all()
            return [_view_of(case, client, assignee) for case, client, assignee in rows]

    async def case_with_history(
        self, actor: Actor, case_id: int
    ) -> tuple[CaseView, list[EventView]]:
        """Return a case and its history to the manager or the case's own provider."""
        async with self.db.read() as session:
            case = await session.get(Case, case_id)
            if case is None or not _may_see(actor, case):
                raise CaseError("not_found", str(case_id))
            events = await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
            history = [
                EventView(e.kind, e.actor_role, dict(e.detail), e.created_at) for e in events
            ]
            return await _view(session, case), history

    async def create_invite(self, actor: Actor, provider_id: str) -> str:
        """Create a single-use invite link token for a provider's staff member."""
        _require(actor, "manager")
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
                await outbox.enqueue(
                    session,
                    manager,
                    "staff_linked",
                    {
                        "lang": await language_of(session, manager, self.default_language),
                        "provider_id": invite.provider_id,
                        "name": display_name[:64],
                    },
                    now=now,
                )
            return invite.provider_id

    async def digest(self) -> Digest:
        """Count new (last 24 hours), open and overdue cases, by provider."""
        now = self.clock()
        async with self.db.read() as session:
            new = await session.scalar(
                select(func.count(Case.id)).where(Case.created_at >= now - timedelta(days=1))
            )
            rows = (
                await session.execute(
                    select(Case.provider_id, Case.status, Case.due_at).where(Case.status.in_(OPEN))
                )
            ).all()
        by: dict[str, list[int]] = {}
        for provider_id, status, due_at in rows:
            counts = by.setdefault(provider_id or "", [0, 0])
            counts[0] += 1
            if status in PROVIDERS_TURN and due_at is not None and due_at < now:
                counts[1] += 1
        return Digest(
            new=int(new or 0),
            open=sum(c[0] for c in by.values()),
            overdue=sum(c[1] for c in by.values()),
            by_provider=tuple(sorted((p, c[0], c[1]) for p, c in by.items())),
        )

    async def send_digest(self) -> int:
        """Queue the morning digest for each manager once a day; return how many were queued."""
        now = self.clock()
        local = now.astimezone(self.hours.tz)
        if not self.hours.is_workday(now):
            return 0
        summary = await self.digest()
        payload = {
            "new": summary.new, "open": summary.open, "overdue": summary.overdue,
            "by_provider": [list(row) for row in summary.by_provider],
        }  # fmt: skip
        async with self.db.write() as session:
            for manager in sorted(self.manager_ids):
                lang = await language_of(session, manager, self.default_language)
                await outbox.enqueue(
                    session,
                    manager,
                    "digest",
                    {**payload, "lang": lang},
                    dedup_key=f"digest:{local.date().isoformat()}:{manager}",
                    now=now,
                )
        return len(self.manager_ids)

    # ---- providers and clients talking --------------------------------------------------------

    async def start_reply(self, actor: Actor, case_id: int) -> CaseView:
        """Let the case's provider or its client write the next message of the conversation."""
        async with self.db.write() as session:
            case = await _case(session, case_id)
            if actor.role in ("staff", "manager"):
                _require_handler(actor, case)
                if case.status not in _ANSWERABLE[actor.role]:
                    raise CaseError("bad_state", case.status)
                kind = "reply"
            else:
                await _require_client(session, actor, case)
                if case.status not in ("assigned", "answered", "reopened"):
                    raise CaseError("bad_state", case.status)
                kind = "client_reply"
            await _set_conversation(session, actor.telegram_id, kind, case.id, {})
            return await _view(session, case)

    async def conversation(self, telegram_id: int) -> tuple[str, int | None] | None:
        """Return (kind, case id) of what the person is in the middle of, if anything."""
        async with self.db.read() as session:
            row = await session.get(Conversation, telegram_id)
            return None if row is None else (row.kind, row.case_id)

    async def relay(self, actor: Actor, case_id: int, part: dict[str, Any]) -> CaseView:
        """Pass one message between the provider and the client, through the bot."""
        now = self.clock()
        part = _clean_part(part)
        async with self.db.write() as session:
            case = await _case(session, case_id)
            if case.status not in _ANSWERABLE.get(actor.role, _ANSWERABLE["client"]):
                raise CaseError("bad_state", case.status)
            if actor.role in ("staff", "manager"):
                _require_handler(actor, case)
                case.status = "answered"
                if case.first_answer_at is None:
                    case.first_answer_at = now
                _event(session, case, actor, "provider_message", now, part=part)
                view = await _view(session, case)
                if view.client_telegram_id is not None:
                    await self._notify(
                        session, view.client_telegram_id, "provider_message", view, now, part=part
                    )
            else:
                await _require_client(session, actor, case)
                if case.status == "answered":
                    case.status = "assigned"
                    case.due_at = self.hours.add(now, self.due_hours)
                    case.reminded_at = case.overdue_at = None
                _event(session, case, actor, "client_message", now, part=part)
                view = await _view(session, case)
                # To the provider's staff member; a case the OSS answered itself, to the managers.
                readers = (
                    [view.assignee_telegram_id]
                    if view.assignee_telegram_id is not None
                    else sorted(self.manager_ids)
                )
                for reader in readers:
                    await self._notify(session, reader, "client_message", view, now, part=part)
            await _end_conversation_of(session, actor.telegram_id)
            return view

    async def return_to_oss(self, actor: Actor, case_id: int) -> CaseView:
        """The provider hands the case back to the OSS manager's queue."""
        now = self.clock()
        async with self.db.write() as session:
            case = await _case(session, case_id)
            _require_provider(actor, case)
            if case.status not in OPEN:
                raise CaseError("bad_state", case.status)
            case.suggested_provider = None
            case.provider_id = None
            case.assignee_id = None
            case.status = "new"
            case.due_at = self.hours.add(now, self.due_hours)
            case.reminded_at = case.overdue_at = None
            _event(session, case, actor, "returned", now, provider_id=actor.provider_id)
            await _end_conversations(session, case.id)
            view = await _view(session, case)
            for manager in sorted(self.manager_ids):
                await self._notify(
                    session, manager, "case_returned", view, now, by_provider=actor.provider_id
                )
            return view

    async def resolve(self, actor: Actor, case_id: int) -> CaseView:
        """The provider marks the case resolved; the client is asked whether it is."""
        now = self.clock()
        async with self.db.write() as session:
            case = await _case(session, case_id)
            _require_handler(actor, case)
            if case.status not in _ANSWERABLE[actor.role]:
                raise CaseError("bad_state", case.status)
            case.status = "resolved"
            case.resolved_at = now
            if case.followup_due_at is None:
                case.followup_due_at = now + self.followup_after
            _event(session, case, actor, "resolved", now)
            await _end_conversations(session, case.id)
            view = await _view(session, case)
            if view.client_telegram_id is not None:
                await self._notify(
                    session,
                    view.client_telegram_id,
                    "ask_solved",
                    view,
                    now,
                    dedup=f"ask_solved:{case.id}:{now.isoformat()}",
                )
            return view

    async def confirm(self, actor: Actor, case_id: int, solved: bool) -> CaseView:
        """The client says whether the resolution solved their problem; 'no' reopens it."""
        now = self.clock()
        async with self.db.write() as session:
            case = await _case(session, case_id)
            await _require_client(session, actor, case)
            if case.status != "resolved":
                raise CaseError("bad_state", case.status)
            if solved:
                _event(session, case, actor, "confirmed", now)
                view = await _view(session, case)
                if case.rating is None:
                    await self._notify(
                        session,
                        actor.telegram_id,
                        "ask_rating",
                        view,
                        now,
                        dedup=f"ask_rating:{case.id}",
                    )
                return view
            case.status = "reopened" if case.assignee_id else "new"
            case.resolved_at = None
            case.due_at = self.hours.add(now, self.due_hours)
            case.reminded_at = case.overdue_at = None
            _event(session, case, actor, "reopened", now)
            view = await _view(session, case)
            recipients = set(self.manager_ids)
            if view.assignee_telegram_id is not None:
                recipients.add(view.assignee_telegram_id)
            for recipient in sorted(recipients):
                await self._notify(session, recipient, "case_reopened", view, now)
            return view

    async def rate(self, actor: Actor, case_id: int, stars: int) -> CaseView:
        """Store the client's rating, once."""
        if stars not in RATINGS:
            raise CaseError("bad_state", "rating out of range")
        now = self.clock()
        async with self.db.write() as session:
            case = await _case(session, case_id)
            await _require_client(session, actor, case)
            if case.rating is not None or case.status not in ("resolved", "closed"):
                raise CaseError("bad_state", "already rated")
            case.rating = stars
            _event(session, case, actor, "rated", now, stars=stars)
            return await _view(session, case)

    async def follow_up_answer(self, actor: Actor, case_id: int, answer: str) -> CaseView:
        """Store whether the client actually got the service; 'no' goes back to the manager."""
        if answer not in ("yes", "no", "waiting"):
            raise CaseError("bad_state", answer)
        now = self.clock()
        async with self.db.write() as session:
            case = await _case(session, case_id)
            await _require_client(session, actor, case)
            if case.followup_count == 0:
                raise CaseError("bad_state", "no follow-up was asked")
            case.outcome = answer
            _event(session, case, actor, "follow_up", now, answer=answer)
            if answer == "waiting" and case.followup_count < 2:
                case.followup_due_at = now + self.followup_after
            view = await _view(session, case)
            if answer == "no":
                for manager in sorted(self.manager_ids):
                    await self._notify(session, manager, "follow_up_no", view, now)
            return view

    # ---- time passing -----------------------------------------------------------------------

    async def tick(self) -> dict[str, int]:
        """Remind providers before deadlines, tell managers when they pass, ask follow-ups."""
        now = self.clock()
        counts = {"reminded": 0, "overdue": 0, "followed_up": 0}
        async with self.db.write() as session:
            if not await _only_runner(session, "tick"):
                return counts  # another bot process is doing this very check right now
            due = await session.scalars(
                select(Case).where(Case.status.in_(PROVIDERS_TURN), Case.due_at.is_not(None))
            )
            for case in list(due):
                assert case.due_at is not None
                if case.overdue_at is None and case.due_at <= now:
                    case.overdue_at = now
                    _event(session, case, Actor(0, "system"), "overdue", now)
                    view = await _view(session, case)
                    for manager in sorted(self.manager_ids):
                        await self._notify(
                            session,
                            manager,
                            "overdue",
                            view,
                            now,
                            dedup=f"overdue:{case.id}:{case.due_at.isoformat()}:{manager}",
                        )
                    counts["overdue"] += 1
                elif (
                    case.reminded_at is None
                    and case.assignee_id is not None
                    and case.due_at - self.remind_before <= now < case.due_at
                ):
                    case.reminded_at = now
                    view = await _view(session, case)
                    if view.assignee_telegram_id is not None:
                        await self._notify(
                            session,
                            view.assignee_telegram_id,
                            "reminder",
                            view,
                            now,
                            dedup=f"remind:{case.id}:{case.due_at.isoformat()}",
                        )
                        counts["reminded"] += 1
            follow = await session.scalars(
                select(Case).where(
                    Case.followup_due_at.is_not(None),
                    Case.followup_due_at <= now,
                    Case.followup_count < 2,
                    Case.person_id.is_not(None),
                )
            )
            for case in list(follow):
                case.followup_count += 1
                case.followup_due_at = None
                view = await _view(session, case)
                if view.client_telegram_id is not None:
                    await self._notify(
                        session,
                        view.client_telegram_id,
                        "follow_up",
                        view,
                        now,
                        dedup=f"follow_up:{case.id}:{case.followup_count}",
                    )
                    counts["followed_up"] += 1
        return counts

    # ---- inside ------------------------------------------------------------------------------

    async def _assign(
        self, session: AsyncSession, case: Case, staff: StaffAccount, actor: Actor, now: datetime
    ) -> None:
        case.provider_id = staff.provider_id
        case.assignee_id = staff.id
        case.suggested_provider = None
        if case.status in ("new", "reopened"):
            case.status = "assigned" if case.status == "new" else "reopened"
        _event(session, case, actor, "assigned", now, provider_id=staff.provider_id)
        view = await _view(session, case)
        await self._notify(session, staff.telegram_id, "case_assigned", view, now)
        for attachment in view.attachments:
            await outbox.enqueue(
                session,
                staff.telegram_id,
                "case_file",
                {
                    "case_id": case.id,
                    **attachment,
                    "lang": await language_of(session, staff.telegram_id, self.default_language),
                },
                now=now,
            )

    async def _notify(
        self,
        session: AsyncSession,
        chat_id: int,
        kind: str,
        view: CaseView,
        now: datetime,
        *,
        dedup: str | None = None,
        **extra: Any,
    ) -> None:
        lang = await language_of(session, chat_id, self.default_language)
        payload = {**view.snapshot(), "lang": lang, **extra}
        await outbox.enqueue(session, chat_id, kind, payload, dedup_key=dedup, now=now)


async def _only_runner(session: AsyncSession, job: str) -> bool:
    """Take a transaction-long lock for a periodic job; False if another process holds it.

    On SQLite the write transaction (BEGIN IMMEDIATE) already serialises the job.
    """
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return True
    taken = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:job))"), {"job": f"oss-bot:{job}"}
    )
    return bool(taken)


def _require(actor: Actor, role: str) -> None:
    if actor.role != role:
        raise CaseError("forbidden", f"{actor.role} is not {role}")


# The statuses in which each side may write on a case. The OSS manager may also answer a case
# waiting in its own queue, when no provider is needed.
_ANSWERABLE = {
    "staff": ("assigned", "answered", "reopened"),
    "manager": ("new", "assigned", "answered", "reopened"),
    "client": ("assigned", "answered", "reopened"),
}


def _require_handler(actor: Actor, case: Case) -> None:
    """Allow the OSS manager, or the staff of the case's provider."""
    if actor.role != "manager":
        _require_provider(actor, case)


def _require_provider(actor: Actor, case: Case) -> None:
    if actor.role != "staff" or actor.provider_id != case.provider_id:
        raise CaseError("forbidden", "not this case's provider")


async def _require_client(session: AsyncSession, actor: Actor, case: Case) -> None:
    person = await session.scalar(select(Person).where(Person.telegram_id == actor.telegram_id))
    if person is None or case.person_id != person.id:
        raise CaseError("forbidden", "not this case's client")


def _may_see(actor: Actor, case: Case) -> bool:
    return actor.role == "manager" or (
        actor.role == "staff"
        and actor.provider_id is not None
        and actor.provider_id == case.provider_id
    )


async def _case(session: AsyncSession, case_id: int) -> Case:
    query = select(Case).where(Case.id == case_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    case = await session.scalar(query)
    if case is None:
        raise CaseError("not_found", str(case_id))
    return case


async def _staff(session: AsyncSession, telegram_id: int) -> StaffAccount | None:
    staff: StaffAccount | None = await session.scalar(
        select(StaffAccount).where(StaffAccount.telegram_id == telegram_id, StaffAccount.active)
    )
    return staff


async def _least_loaded_staff(session: AsyncSession, provider_id: str) -> StaffAccount | None:
    load = (
        select(func.count(Case.id))
        .where(Case.assignee_id == StaffAccount.id, Case.status.in_(OPEN))
        .correlate(StaffAccount)
        .scalar_subquery()
    )
    staff: StaffAccount | None = await session.scalar(
        select(StaffAccount)
        .where(StaffAccount.provider_id == provider_id, StaffAccount.active)
        .order_by(load, StaffAccount.id)
        .limit(1)
    )
    return staff


async def _view(session: AsyncSession, case: Case) -> CaseView:
    client = None
    if case.person_id is not None:
        client = await session.scalar(select(Person.telegram_id).where(Person.id == case.person_id))
    assignee = None
    if case.assignee_id is not None:
        assignee = await session.scalar(
            select(StaffAccount.telegram_id).where(StaffAccount.id == case.assignee_id)
        )
    return _view_of(case, client, assignee)


def _view_of(case: Case, client: int | None, assignee: int | None) -> CaseView:
    return CaseView(
        id=case.id,
        status=case.status,
        client_telegram_id=client,
        language=case.language,
        audience=case.audience,
        value_chain=case.value_chain,
        entry_id=case.entry_id,
        topic=case.topic,
        question=case.question or "",
        attachments=tuple(case.attachments or ()),
        phone=case.phone,
        provider_id=case.provider_id,
        suggested_provider=case.suggested_provider,
        assignee_telegram_id=assignee,
        due_at=case.due_at,
        created_at=case.created_at,
        first_answer_at=case.first_answer_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        rating=case.rating,
    )


def _event(
    session: AsyncSession, case: Case, actor: Actor, kind: str, now: datetime, **detail: Any
) -> None:
    case.updated_at = now
    session.add(
        CaseEvent(
            case_id=case.id,
            actor_telegram_id=actor.telegram_id or None,
            actor_role=actor.role,
            kind=kind,
            detail=detail,
            created_at=now,
        )
    )
    log.info("case %s: %s by %s", case.id, kind, actor.role)


async def language_of(session: AsyncSession, telegram_id: int, default: str) -> str:
    """Return the language a person reads the bot in."""
    lang = await session.scalar(select(Person.language).where(Person.telegram_id == telegram_id))
    return lang or default


async def _set_conversation(
    session: AsyncSession, telegram_id: int, kind: str, case_id: int | None, data: dict[str, Any]
) -> None:
    row = await session.get(Conversation, telegram_id)
    if row is None:
        row = Conversation(telegram_id=telegram_id)
        session.add(row)
    row.kind, row.case_id, row.data = kind, case_id, data


async def _end_conversation_of(session: AsyncSession, telegram_id: int) -> None:
    row = await session.get(Conversation, telegram_id)
    if row is not None:
        await session.delete(row)


async def _end_conversations(session: AsyncSession, case_id: int) -> None:
    rows = await session.scalars(select(Conversation).where(Conversation.case_id == case_id))
    for row in list(rows):
        await session.delete(row)


def _draft_of(row: Conversation) -> Draft:
    data = row.data or {}
    return Draft(data.get("entry_id"), tuple(data.get("parts", ())), data.get("phone"))


def _clean_part(part: dict[str, Any]) -> dict[str, Any]:
    """Keep only the known fields of a message part, with texts cut to a safe length."""
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": str(part.get("text", ""))[:MAX_TEXT]}
    if kind in ("photo", "voice", "document", "video", "audio"):
        clean = {"type": kind, "file_id": str(part["file_id"])}
        if part.get("caption"):
            clean["caption"] = str(part["caption"])[:1000]
        return clean
    raise CaseError("bad_state", f"unsupported part {kind!r}")
