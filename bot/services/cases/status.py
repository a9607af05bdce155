"""The statuses of a case, and the one table of the changes allowed between them.

Every change of a case's status goes through `move`, which refuses a change the table does not
list. The values are stored in the database as they are: rename a member, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from bot.models import Case
from bot.services.cases.errors import CaseError


class CaseStatus(StrEnum):
    """Where a case stands."""

    NEW = "new"  # in the OSS manager's queue, no provider yet
    ASSIGNED = "assigned"  # with a provider's staff member, whose turn it is
    ANSWERED = "answered"  # answered; the client's turn
    REOPENED = "reopened"  # the client said the resolution did not solve it; the provider's turn
    RESOLVED = "resolved"  # marked resolved; the client is asked whether it is
    CLOSED = "closed"  # closed for good by the manager (or withdrawn by the client)


INITIAL = CaseStatus.NEW  # a case is opened in the OSS queue, then routed

_ = CaseStatus
# From each status, the statuses a case may move to. A status that moves to itself is a change
# that keeps it: reassigned to another staff member, or one more answer.
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    _.NEW: frozenset({
        _.NEW,  # handed back to the queue again
        _.ASSIGNED,  # routed to a provider
        _.ANSWERED, _.RESOLVED,  # the OSS manager answers or resolves it itself
        _.CLOSED,
    }),
    _.ASSIGNED: frozenset({
        _.ASSIGNED,  # reassigned
        _.NEW,  # the provider returns it to the OSS
        _.ANSWERED, _.RESOLVED, _.CLOSED,
    }),
    _.ANSWERED: frozenset({
        _.ANSWERED,  # another answer, or reassigned
        _.ASSIGNED,  # the client writes back: the provider's turn again
        _.NEW, _.RESOLVED, _.CLOSED,
    }),
    _.REOPENED: frozenset({
        _.REOPENED,  # reassigned
        _.NEW, _.ANSWERED, _.RESOLVED, _.CLOSED,
    }),
    _.RESOLVED: frozenset({
        _.REOPENED,  # the client says it is not solved (with a provider)
        _.NEW,  # ... of a case the OSS resolved itself
        _.CLOSED,
    }),
    _.CLOSED: frozenset(),
}  # fmt: skip
del _

OPEN = (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.REOPENED)
PROVIDERS_TURN = (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.REOPENED)

# The statuses in which each side may write on a case. The OSS manager may also answer a case
# waiting in its own queue, when no provider is needed.
ANSWERABLE: Mapping[str, tuple[CaseStatus, ...]] = {
    "staff": (CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.REOPENED),
    "manager": OPEN,
    "client": (CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.REOPENED),
}


def status_of(case: Case) -> CaseStatus:
    """Return the case's status as the enum."""
    return CaseStatus(case.status)


def may_move(current: CaseStatus, to: CaseStatus) -> bool:
    """Tell whether the table allows a case to move from `current` to `to`."""
    return to in TRANSITIONS[current]


def move(case: Case, to: CaseStatus) -> None:
    """Change the case's status, or refuse (bad_state) a change the table does not allow."""
    current = status_of(case)
    if not may_move(current, to):
        raise CaseError("bad_state", f"{current} -> {to}")
    case.status = to.value
