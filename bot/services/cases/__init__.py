"""Cases: a client's question handed to a provider or the OSS manager, and its whole life.

The desk is split by concern; `CaseDesk` joins the parts for callers:

- `status`: the `CaseStatus` enum and the one table of allowed status changes (`move`).
- `drafts`: the question while the client writes it.
- `lifecycle`: opening a case from a draft, routing, resolving, confirming, rating, closing.
- `conversation`: replies between the provider (or the OSS manager) and the client.
- `queries`: who is who, open cases, one case with its history, the digest's numbers.
- `schedule`: deadlines, reminders, the morning digest, follow-ups.
- `staffing`: invite links for providers' staff.
- `records`: what the parts share (views, events, access checks, notifications).

Every public method owns its transaction, takes plain values and returns plain data. Every
change of a case is a case event, and every notification it causes is written to the outbox in
the same transaction, so a crash between the two loses nothing. Every action is checked against
who asks for it: callback data can be forged.
"""

from __future__ import annotations

from bot.services.cases.conversation import Conversations
from bot.services.cases.drafts import MAX_PARTS, Draft, Drafts
from bot.services.cases.errors import Actor, CaseError
from bot.services.cases.lifecycle import Lifecycle
from bot.services.cases.queries import Digest, Queries
from bot.services.cases.records import CaseView, EventView, language_of
from bot.services.cases.schedule import Schedule
from bot.services.cases.staffing import Staffing
from bot.services.cases.status import OPEN, PROVIDERS_TURN, TRANSITIONS, CaseStatus


class CaseDesk(Drafts, Lifecycle, Conversations, Queries, Schedule, Staffing):
    """The OSS's case desk: opening, routing, relaying, closing and following up cases."""


__all__ = [
    "MAX_PARTS",
    "OPEN",
    "PROVIDERS_TURN",
    "TRANSITIONS",
    "Actor",
    "CaseDesk",
    "CaseError",
    "CaseStatus",
    "CaseView",
    "Digest",
    "Draft",
    "EventView",
    "language_of",
]
