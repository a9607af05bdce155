"""The loaded knowledge base: read-only entries and providers, filters and search."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.knowledge.index import SearchConfig, SearchIndex
from bot.knowledge.model import AUDIENCES, TOPICS, VALUE_CHAINS, Entry, Hit, Provider
from bot.knowledge.offices import Offices
from bot.knowledge.reading import Reading
from bot.knowledge.smalltalk import read as read_small_talk


def _check(value: str | None, allowed: tuple[str, ...], name: str) -> None:
    """Raise ValueError when `value` is given and is not one of `allowed`."""
    if value is not None and value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(allowed)}")


class KnowledgeBase:
    """Validated entries and providers, in file order, and an index to search them."""

    __slots__ = ("_entries", "_index", "_offices", "_providers")

    def __init__(
        self,
        providers: Mapping[str, Provider],
        entries: Mapping[str, Entry],
        *,
        config: SearchConfig | None = None,
        offices: Offices | None = None,
    ) -> None:
        """Keep read-only copies of `providers` and `entries` and index the entries."""
        self._offices = offices or Offices()
        self._providers: Mapping[str, Provider] = MappingProxyType(dict(providers))
        self._entries: Mapping[str, Entry] = MappingProxyType(dict(entries))
        self._index = SearchIndex(tuple(self._entries.values()), self._providers, config)

    @property
    def providers(self) -> Mapping[str, Provider]:
        """Return the providers by id, in file order."""
        return self._providers

    @property
    def entries(self) -> Mapping[str, Entry]:
        """Return the entries by id, in file order."""
        return self._entries

    @property
    def offices(self) -> Offices:
        """Return the offices of the OSS and the providers, and the extra closed dates."""
        return self._offices

    @property
    def index(self) -> SearchIndex:
        """Return the search index (for calibration and benchmarks)."""
        return self._index

    def entry(self, entry_id: str) -> Entry | None:
        """Return the entry with `entry_id`, or None."""
        return self._entries.get(entry_id)

    def provider(self, provider_id: str) -> Provider | None:
        """Return the provider with `provider_id`, or None."""
        return self._providers.get(provider_id)

    def entries_for(
        self,
        *,
        audience: str | None = None,
        value_chain: str | None = None,
        topic: str | None = None,
    ) -> tuple[Entry, ...]:
        """Return the entries for a menu: chain-specific ones first, then the general ones."""
        _check(audience, AUDIENCES, "audience")
        _check(value_chain, VALUE_CHAINS, "value chain")
        _check(topic, TOPICS, "topic")
        chosen = [
            entry
            for entry in self._entries.values()
            if (audience is None or audience in entry.audiences)
            and (topic is None or entry.topic == topic)
        ]
        if value_chain is None:
            return tuple(chosen)
        specific = [entry for entry in chosen if value_chain in entry.value_chains]
        general = [entry for entry in chosen if not entry.value_chains]
        return (*specific, *general)

    def search(
        self, query: str, *, lang: str | None = None, limit: int = 3, audience: str | None = None
    ) -> list[Hit]:
        """Return the entries that answer `query` confidently, best first; [] when none does."""
        found = self._index.search(query, lang=lang, audience=audience, limit=limit)
        entries = self._index.entries
        return [Hit(entry=entries[number], score=round(score, 4)) for number, score in found]

    def read(
        self, message: str, *, lang: str | None = None, limit: int = 3, audience: str | None = None
    ) -> Reading:
        """Read a message: split off its small talk, search its question, say how surely."""
        small_talk = read_small_talk(message)
        if small_talk.only_small_talk or not small_talk.question:
            return Reading(small_talk, (), confident=False)
        hits = self.search(small_talk.question, lang=lang, limit=limit, audience=audience)
        config = self._index.config
        confident = bool(hits) and hits[0].score >= config.confident_score * self._index.idf(1)
        if confident and len(hits) > 1:
            confident = hits[1].score <= config.confident_margin * hits[0].score
        return Reading(small_talk, tuple(hits), confident=confident)
