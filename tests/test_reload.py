"""The OSS manager reloads the knowledge base without restarting the bot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.container import Services
from bot.knowledge import KnowledgeHolder
from bot.settings import PROJECT_ROOT
from bot.tooling.harness import Harness
from tests.support import MANAGER_ID


@pytest.fixture
async def editable(settings, database, tmp_path: Path):
    """A bot whose knowledge base is a copy the test can edit."""
    folder = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", folder)
    services = Services(settings=settings, db=database, knowledge=KnowledgeHolder(folder))
    async with Harness(services) as harness:
        yield harness, folder


def rename_first_title(folder: Path, new_title: str) -> str:
    path = folder / "entries" / "jobs.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("en: ", text.index("title:"))
    end = text.index("\n", start)
    path.write_text(text[:start] + f'en: "{new_title}"' + text[end:], encoding="utf-8")
    return new_title


async def test_a_fixed_entry_is_served_after_reload(editable) -> None:
    harness, folder = editable
    manager = harness.phone(MANAGER_ID, "Manager", language_code="en")
    await manager.send("/start")
    await manager.press("English")
    rename_first_title(folder, "Register at the job centre today")
    [answer] = await manager.send("/reload")
    assert "reloaded" in answer.text
    [results] = await manager.send("register job centre today")
    assert "Register at the job centre today" in results.labels


async def test_an_invalid_base_is_refused_and_the_old_one_stays(editable) -> None:
    harness, folder = editable
    manager = harness.phone(MANAGER_ID, "Manager", language_code="ru")
    await manager.send("/start")
    await manager.press("Русский")
    before = len(harness.services.kb.entries)
    path = folder / "entries" / "jobs.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("topic: rules", "topic: weather"))
    [answer] = await manager.send("/reload")
    assert "прежняя база" in answer.text
    assert "jobs.yaml" in answer.text and "topic" in answer.text
    assert len(harness.services.kb.entries) == before


async def test_reload_is_not_for_clients(harness: Harness) -> None:
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("English")
    [answer] = await person.send("/reload")
    assert "I do not know this command" in answer.text


@pytest.mark.parametrize(
    ("make_link", "says"),
    [
        (lambda link: link.symlink_to("gone.yaml"), "gone.yaml"),
        (lambda link: link.symlink_to(link.name), "circle"),
    ],
    ids=["dangling", "looping"],
)
async def test_a_broken_link_in_the_base_is_named_on_reload_and_the_old_base_stays(
    editable, make_link, says: str
) -> None:
    harness, folder = editable
    manager = harness.phone(MANAGER_ID, "Manager", language_code="en")
    await manager.send("/start")
    await manager.press("English")
    before = harness.services.kb
    make_link(folder / "entries" / "extra.yaml")
    [answer] = await manager.send("/reload")
    assert "the old one stays in service" in answer.text
    assert "entries/extra.yaml" in answer.text and says in answer.text
    assert harness.services.kb is before
    # The once-a-minute check sees the same broken file: it does not fail, nor reload again.
    assert harness.services.knowledge.reload_if_changed() == ()
    (folder / "entries" / "extra.yaml").unlink()
    assert harness.services.knowledge.reload_if_changed() == ()  # reloaded: valid again
    assert harness.services.kb is not before


async def test_nested_yaml_aliases_are_refused_in_a_short_message(editable) -> None:
    """Ten aliases of ten aliases of ... stand for millions of items in a few lines."""
    harness, folder = editable
    manager = harness.phone(MANAGER_ID, "Manager", language_code="en")
    await manager.send("/start")
    await manager.press("English")
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, 7):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    lines.append("entries:\n  - id: laughs\n    title: *a6")
    (folder / "entries" / "laughs.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    [answer] = await manager.send("/reload")
    assert "the old one stays in service" in answer.text
    assert "entries/laughs.yaml" in answer.text and "alias" in answer.text
    assert len(answer.text) < 600
