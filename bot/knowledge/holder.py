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
        self._stamp = self._files_stamp()
        self._current = load_knowledge(self._directory)

    @property
    def directory(self) -> Path:
        """Return the folder the base is read from."""
        return self._directory

    @property
    def current(self) -> KnowledgeBase:
        """Return the knowledge base in service."""
        return self._current

    def _files_stamp(self) -> tuple[tuple[str, int, int], ...]:
        """Name, size and modification time of every file of the base.

        A file that cannot be read (a broken or looping link) counts with -1: the loader
        reports it, and this must not fail the once-a-minute check every minute.
        """
        stamp = []
        for path in sorted(self._directory.rglob("*.y*ml")):
            try:
                info = path.stat()
            except OSError:
                stamp.append((str(path), -1, -1))
            else:
                stamp.append((str(path), info.st_size, info.st_mtime_ns))
        return tuple(stamp)

    def reload_if_changed(self) -> tuple[str, ...]:
        """Reload when a file changed since the last load: another process may have been told
        to /reload, and this one must not keep serving the old base."""
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return ()
        return self.reload()

    def reload(self) -> tuple[str, ...]:
        """Read the files again; return () on success, else the errors (the old base stays)."""
        self._stamp = self._files_stamp()
        try:
            fresh = load_knowledge(self._directory)
        except KnowledgeError as exc:
            log.warning("Reload refused, the knowledge base stays as it was: %s", exc.errors[0])
            return exc.errors
        self._current = fresh
        log.info("Knowledge base reloaded: %d entries", len(fresh.entries))
        return ()
