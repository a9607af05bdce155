"""The console demo: chat with the real bot in a terminal, offline, on a throwaway database."""

from __future__ import annotations

import dataclasses
import tempfile
import textwrap
from pathlib import Path
from typing import TextIO

from bot.container import Services
from bot.db import Database
from bot.knowledge import KnowledgeError, KnowledgeHolder
from bot.services import people, staff
from bot.settings import Settings
from bot.tooling.harness import Harness, Phone, Screen

MANAGER_ID = 900_001
CLIENT_BASE_ID = 100_001

HELP = """\
Type a message and press Enter to send it to the bot. Type a number to press that button.
Lines starting with :: talk to the demo, not to the bot:
  ::client [N]       speak as client N (default 1)
  ::manager          speak as the OSS manager
  ::provider ID      speak as a staff member of provider ID (::providers lists the ids)
  ::who              who is speaking now      ::help   this help
  ::voice            send a voice note          ::photo [caption]   send a photo
  ::document [name]  send a document            ::contact           share your phone number
  ::location         send a location (placeholder media: there is no real file or place)
  ::quit             leave (Ctrl-D works too)
"""
STAFF_BASE_ID = 800_001
MEDIA = ("voice", "photo", "document", "contact", "location")


class Demo:
    """A terminal that plays several Telegram accounts against one bot."""

    def __init__(self, harness: Harness, out: TextIO, *, echo: bool, staff: dict[str, int]) -> None:
        self.harness = harness
        self.staff = staff
        self.out = out
        self.echo = echo
        self.phones: dict[str, Phone] = {}
        self.seen: dict[int, set[int]] = {}
        for name in ("manager", *(f"provider {p}" for p in staff)):
            self._phone(name)  # they have opened the bot, so notifications can reach them
        self.speaker = self._phone("client 1")

    def _phone(self, name: str) -> Phone:
        if name not in self.phones:
            if name == "manager":
                phone = self.harness.phone(MANAGER_ID, "Manager", language_code="ru")
            elif name.startswith("provider "):
                provider_id = name.split()[1]
                phone = self.harness.phone(
                    self.staff[provider_id], f"Staff {provider_id}", language_code="ru"
                )
            else:
                number = int(name.split()[-1])
                phone = self.harness.phone(CLIENT_BASE_ID + number - 1, f"Client {number}")
            self.phones[name] = phone
        return self.phones[name]

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @property
    def speaker_name(self) -> str:
        return next(name for name, phone in self.phones.items() if phone is self.speaker)

    def show(self, screens: list[Screen], known: set[int]) -> None:
        """Print the bot's messages readably, with numbered buttons."""
        self.seen.setdefault(self.speaker.id, set()).update(s.message_id for s in screens)
        for screen in screens:
            marker = "✏️  (updated)" if screen.message_id in known else ""
            self.say(f"🤖 bot → {self.speaker_name} {marker}".rstrip())
            body = screen.text if screen.kind == "text" else f"[{screen.kind}] {screen.text}"
            for line in body.splitlines() or [""]:
                self.say(textwrap.indent(textwrap.fill(line, 76) if line else "", "   "))
            number = 0
            for row in screen.buttons:
                cells = []
                for button in row:
                    number += 1
                    link = " (opens a link)" if button.url else ""
                    cells.append(f"[{number}] {button.label}{link}")
                self.say("   " + "   ".join(cells))
            self.say()

    async def handle(self, line: str) -> bool:
        """Act on one line of input; return False to stop."""
        line = line.rstrip("\n")
        if self.echo:
            self.say(f"{self.speaker_name}> {line}")
        stripped = line.strip()
        if not stripped:
            return True
        words = stripped[2:].split() if stripped.startswith("::") else []
        media = words[0].lower() in MEDIA if words else False
        if stripped.startswith("::") and not media:
            return self.control(words)
        known = {s.message_id for s in self.speaker.screens}
        others = self._counts_elsewhere()
        if media:
            screens = await self.send_media(words[0].lower(), " ".join(words[1:]) or None)
        elif stripped.isdigit():
            pressed = await self.press(int(stripped))
            if pressed is None:
                return True
            screens = pressed
        else:
            screens = await self.speaker.send(line)
        self.show(screens, known)
        self._announce_elsewhere(others)
        return True

    async def send_media(self, kind: str, text: str | None) -> list[Screen]:
        """Send a placeholder voice note, photo, document, own contact or location."""
        phone, fake = self.speaker, self.harness.fake
        if kind == "voice":
            return await phone.send_voice()
        if kind == "photo":
            return await phone.send_photo(text)
        if kind == "document":
            return await phone.send_document(text or "paper.pdf")
        if kind == "contact":
            update = fake.contact_update(phone.id, "+70000000000", owner=phone.id)  # not real
            return await self.harness.feed(update, phone.id)
        return await phone.send_content({"location": {"latitude": 43.35, "longitude": 77.46}})

    async def press(self, number: int) -> list[Screen] | None:
        try:
            screen = self.speaker.last_with_buttons()
        except LookupError:
            self.say("   (there are no buttons to press; type a message instead)")
            return None
        flat = [button for row in screen.buttons for button in row]
        if not 1 <= number <= len(flat):
            self.say(f"   (no button {number}; the last message has {len(flat)})")
            return None
        button = flat[number - 1]
        if button.data is None:
            self.say(f"   (that button opens a link: {button.url})")
            return None
        return await self.speaker.press_data(button.data, message_id=screen.message_id)

    def control(self, words: list[str]) -> bool:
        command = words[0].lower() if words else "help"
        if command in ("quit", "exit"):
            return False
        if command == "client":
            number = words[1] if len(words) > 1 and words[1].isdigit() else "1"
            self.speaker = self._phone(f"client {number}")
        elif command == "manager":
            self.speaker = self._phone("manager")
        elif command == "providers":
            self.say("   " + ", ".join(self.staff))
            return True
        elif command == "provider":
            if len(words) < 2 or words[1] not in self.staff:
                self.say("   (which provider? one of: " + ", ".join(self.staff) + ")")
                return True
            self.speaker = self._phone(f"provider {words[1]}")
        elif command not in ("who",):
            self.say(HELP)
            return True
        self.say(f"   (you are now {self.speaker_name}; Telegram id {self.speaker.id})")
        unseen = [
            s
            for s in self.speaker.screens
            if s.message_id not in self.seen.get(self.speaker.id, set())
        ]
        if unseen:
            self.show(unseen, set())
        return True

    def _counts_elsewhere(self) -> dict[str, int]:
        return {name: len(p.screens) for name, p in self.phones.items() if p is not self.speaker}

    def _announce_elsewhere(self, before: dict[str, int]) -> None:
        for name, count in before.items():
            new = len(self.phones[name].screens) - count
            if new > 0:
                self.say(f"🔔 {new} new message(s) for {name}: type ::{name} to see")


async def run_demo(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    """Run the demo until the input ends or the person types ::quit."""
    try:
        knowledge = KnowledgeHolder(settings.knowledge_dir)
    except KnowledgeError as exc:
        out.write(f"The knowledge base is invalid:\n{exc}\n")
        return 1
    with tempfile.TemporaryDirectory(prefix="oss-bot-demo-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.sqlite3'}"
        demo_settings = dataclasses.replace(
            settings,
            bot_token=None,
            database_url=url,
            manager_ids=settings.manager_ids | {MANAGER_ID},
            webhook_url=None,
        )
        database = Database(url)
        await database.upgrade()
        staff_ids = {
            provider_id: STAFF_BASE_ID + number
            for number, provider_id in enumerate(knowledge.current.providers)
        }
        for provider_id, telegram_id in staff_ids.items():
            await staff.link_account(database, provider_id, telegram_id, f"Demo {provider_id}")
        for telegram_id in (MANAGER_ID, *staff_ids.values()):  # the OSS side reads Russian
            await people.set_language(database, telegram_id, "ru")
        services = Services(settings=demo_settings, db=database, knowledge=knowledge)
        async with Harness(services) as harness:
            interactive = stdin.isatty()
            demo = Demo(harness, out, echo=not interactive, staff=staff_ids)
            demo.say("OSS bot demo: offline, on a throwaway database. Type ::help for help.")
            demo.say("Start with /start.\n")
            while True:
                if interactive:
                    out.write(f"{demo.speaker_name}> ")
                    out.flush()
                line = stdin.readline()
                if not line or not await demo.handle(line):
                    break
        demo.say("Bye.")
    return 0
