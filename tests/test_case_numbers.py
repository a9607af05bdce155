"""/case N with whatever a person may type as N: a kind answer, never "something went wrong"."""

from __future__ import annotations

import pytest

from bot.tooling.harness import Harness
from tests.support import manager_phone


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/case 12345678901234567890", "Write the case number"),
        ("/case 123456789012", "There is no such case"),
        ("/case ²", "Write the case number"),
        ("/case ①", "Write the case number"),
        ("/case ٣", "Write the case number"),
        ("/case №999999", "There is no such case"),
    ],
)
async def test_an_odd_case_number_gets_a_kind_answer(
    harness: Harness, typed: str, answer: str
) -> None:
    manager = await manager_phone(harness, "en")
    [reply] = await manager.send(typed)
    assert answer in reply.text
