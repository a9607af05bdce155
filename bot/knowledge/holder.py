"""Keep the knowledge base the running bot uses, and swap it for a new one on reload."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeError

log = logging.getLogger(__name__)


class KnowledgeHolder:
    """The current knowledge base; `reload` replaces it only with a valid one."""

    def __init__(self, directory: str | Path) -> None:
        """Load the base in `directory`; raise KnowledgeError when it is invalid."""
        self._directory = Path(directory)
        self._current = load_knowledge(self._directory)

    @property
    def directory(self) -> Path:
        """Return the folder the base is read from."""
        return self._directory

    @property
    def current(self) -> KnowledgeBase:
        """Return the knowledge base in service."""
        return self._current

    def reload(self) -> tuple[str, ...]:
        """Read the files again; return () on success, else the errors (the old base stays)."""
        try:
            fresh = load_knowledge(self._directory)
        except KnowledgeError as exc:
            log.warning("Reload refused, the knowledge base stays as it was: %s", exc.errors[0])
            return exc.errors
        self._current = fresh
        log.info("Knowledge base reloaded: %d entries", len(fresh.entries))
        return ()
