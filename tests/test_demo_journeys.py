"""The client journeys work the same in the console demo: numbers press the buttons shown."""

from __future__ import annotations

import io
import re

from bot.container import Services
from bot.demo import Demo
from bot.knowledge import KnowledgeHolder
from bot.tooling.harness import Harness


class Console:
    """A person at the demo's terminal: types lines, reads what was printed since."""

    def __init__(self, demo: Demo, out: io.StringIO) -> None:
        self.demo = demo
        self.out = out

    async def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.demo.handle(line)
        return self.out.getvalue()[start:]

    async def choose(self, printed: str, label: str) -> str:
        """Type the number the demo printed next to a button whose label contains `label`."""
        numbers = re.findall(r"\[(\d+)\] ([^\[\n]*)", printed)
        matches = [n for n, text in numbers if label.casefold() in text.casefold()]
        assert len(matches) == 1, (label, numbers)
        return await self.type(matches[0])


async def test_a_farmer_reaches_an_apple_entry_and_its_documents_in_the_demo(
    settings, database, knowledge: KnowledgeHolder
) -> None:
    entry = next(
        e for e in knowledge.current.entries.values() if "apple" in e.value_chains and e.documents
    )
    out = io.StringIO()
    async with Harness(Services(settings=settings, db=database, knowledge=knowledge)) as harness:
        console = Console(Demo(harness, out, echo=True, staff={}), out)
        printed = await console.type("/start")
        printed = await console.choose(printed, "English")
        printed = await console.choose(printed, "Farmer")
        printed = await console.choose(printed, "Apples")
        assert "Main menu" in printed
        printed = await console.type(entry.title.en)  # typing the question finds it
        printed = await console.choose(printed, entry.title.en[:25])
        assert "Checked on" in printed
        printed = await console.choose(printed, "Documents")
        assert entry.documents.en[0][:30] in " ".join(printed.split())
        assert harness.errors == []


async def test_the_demo_sends_voice_photo_document_contact_and_location(
    settings, database, knowledge: KnowledgeHolder
) -> None:
    out = io.StringIO()
    async with Harness(Services(settings=settings, db=database, knowledge=knowledge)) as harness:
        console = Console(Demo(harness, out, echo=True, staff={}), out)
        for command in ("::voice", "::photo", "::document", "::contact", "::location"):
            assert command in await console.type("::help")
        printed = await console.type("/start")
        printed = await console.choose(printed, "English")
        printed = await console.choose(printed, "Looking for a job")
        assert "I read text messages" in await console.type("::location")
        printed = await console.type("zzqx qwv")  # nothing found
        printed = await console.choose(printed, "Ask the OSS")
        printed = await console.choose(printed, "I agree")
        assert "Added (1 message)" in await console.type("::voice")
        assert "Added (2 messages)" in await console.type("::photo my papers")
        assert "Added (3 messages)" in await console.type("::document contract.pdf")
        assert "Your number is added" in await console.type("::contact")
        assert "I can take text, voice notes" in await console.type("::location")
        assert harness.errors == []
