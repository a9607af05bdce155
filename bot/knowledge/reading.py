"""What the bot made of a message: its small talk, the entries that answer it, how surely."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.model import Hit
from bot.knowledge.smalltalk import SmallTalk


@dataclass(frozen=True)
class Reading:
    """A message read: the small talk in it and the entries that answer its question."""

    small_talk: SmallTalk
    hits: tuple[Hit, ...]  # best first; empty when the base has no answer
    confident: bool  # the first hit is a clear answer; otherwise the hits are close choices

    @property
    def question(self) -> str:
        """Return the question part of the message ("" when it was only small talk)."""
        return self.small_talk.question

    @property
    def ambiguous(self) -> bool:
        """Tell whether there are answers but none is clearly the one: ask the person back."""
        return bool(self.hits) and not self.confident
