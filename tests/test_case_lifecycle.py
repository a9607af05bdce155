"""The life of a case: one table says which status changes are allowed, and nothing else is."""

from __future__ import annotations

import itertools

import pytest

from bot.models import Case
from bot.services.cases import TRANSITIONS, CaseError, CaseStatus
from bot.services.cases.status import OPEN, move

S = CaseStatus
ALLOWED = [
    # the OSS queue: routed, answered or resolved by the OSS itself, closed, handed back again
    (S.NEW, S.NEW), (S.NEW, S.ASSIGNED), (S.NEW, S.ANSWERED), (S.NEW, S.RESOLVED),
    (S.NEW, S.CLOSED),
    # with a provider: reassigned, returned to the OSS, answered, resolved, closed
    (S.ASSIGNED, S.ASSIGNED), (S.ASSIGNED, S.NEW), (S.ASSIGNED, S.ANSWERED),
    (S.ASSIGNED, S.RESOLVED), (S.ASSIGNED, S.CLOSED),
    # answered: another answer, the client writes back, returned, resolved, closed
    (S.ANSWERED, S.ANSWERED), (S.ANSWERED, S.ASSIGNED), (S.ANSWERED, S.NEW),
    (S.ANSWERED, S.RESOLVED), (S.ANSWERED, S.CLOSED),
    # reopened by the client: reassigned, returned, answered, resolved, closed
    (S.REOPENED, S.REOPENED), (S.REOPENED, S.NEW), (S.REOPENED, S.ANSWERED),
    (S.REOPENED, S.RESOLVED), (S.REOPENED, S.CLOSED),
    # resolved: the client says it is not solved (back to the provider, or to the OSS), closed
    (S.RESOLVED, S.REOPENED), (S.RESOLVED, S.NEW), (S.RESOLVED, S.CLOSED),
]  # fmt: skip
REFUSED = sorted(set(itertools.product(S, S)) - set(ALLOWED))


def test_the_table_names_every_status() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)


def test_the_table_is_exactly_the_allowed_changes() -> None:
    assert {(a, b) for a, tos in TRANSITIONS.items() for b in tos} == set(ALLOWED)


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_an_allowed_change_is_made(before: CaseStatus, after: CaseStatus) -> None:
    case = Case(status=before.value)
    move(case, after)
    assert case.status == after.value


@pytest.mark.parametrize(("before", "after"), REFUSED)
def test_a_change_outside_the_table_is_refused(before: CaseStatus, after: CaseStatus) -> None:
    case = Case(status=before.value)
    with pytest.raises(CaseError) as refused:
        move(case, after)
    assert refused.value.code == "bad_state"
    assert case.status == before.value


def test_a_closed_case_stays_closed() -> None:
    assert TRANSITIONS[S.CLOSED] == frozenset()
    assert (S.CLOSED, S.NEW) in REFUSED and (S.RESOLVED, S.ANSWERED) in REFUSED


def test_every_open_case_can_be_closed_and_the_stored_values_are_unchanged() -> None:
    assert all(S.CLOSED in TRANSITIONS[status] for status in OPEN)
    assert [s.value for s in S] == ["new", "assigned", "answered", "reopened", "resolved", "closed"]
