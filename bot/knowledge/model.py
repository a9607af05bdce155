"""The immutable objects a loaded knowledge base is made of."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

LANGS = ("kk", "ru", "en")
AUDIENCES = ("farmer", "job_seeker", "entrepreneur", "aspiring", "vulnerable")
VALUE_CHAINS = ("apple", "milk", "soy", "vegetables")
TOPICS = ("opportunities", "rules", "where", "apply", "procedures")
FALLBACK_LANG = "kk"


class KnowledgeError(Exception):
    """The knowledge base is invalid; `errors` lists every problem found, one per item."""

    def __init__(self, errors: list[str] | tuple[str, ...]) -> None:
        """Keep every error; the message lists them one per line."""
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Text:
    """One text in the three languages."""

    kk: str
    ru: str
    en: str

    def get(self, lang: str) -> str:
        """Return the text in `lang`, or in Kazakh when `lang` is not one of ours."""
        text: str = getattr(self, lang if lang in LANGS else FALLBACK_LANG)
        return text

    def all(self) -> tuple[str, str, str]:
        """Return the three texts in the order of `LANGS`."""
        return (self.kk, self.ru, self.en)


@dataclass(frozen=True)
class TextList:
    """A list of texts in the three languages (steps, documents, keywords)."""

    kk: tuple[str, ...]
    ru: tuple[str, ...]
    en: tuple[str, ...]

    def get(self, lang: str) -> tuple[str, ...]:
        """Return the items in `lang`, or in Kazakh when `lang` is not one of ours."""
        items: tuple[str, ...] = getattr(self, lang if lang in LANGS else FALLBACK_LANG)
        return items


@dataclass(frozen=True)
class Link:
    """An official web page and its title."""

    url: str
    title: Text


@dataclass(frozen=True)
class Contacts:
    """How to reach a provider; only what is certain, so every part may be missing."""

    website: str | None = None
    phone: str | None = None
    address: Text | None = None
    hours: Text | None = None


@dataclass(frozen=True)
class Provider:
    """One of the service providers behind the One Stop Shop."""

    id: str
    name: Text
    short_name: Text
    description: Text
    audiences: tuple[str, ...]
    value_chains: tuple[str, ...]
    topics: tuple[str, ...]
    contacts: Contacts


@dataclass(frozen=True)
class Entry:
    """One answer of the knowledge base: a procedure, an opportunity, a rule or a place."""

    id: str
    topic: str
    audiences: tuple[str, ...]
    value_chains: tuple[str, ...]
    providers: tuple[str, ...]
    title: Text
    summary: Text
    details: Text | None
    eligibility: Text | None
    steps: TextList | None
    documents: TextList | None
    fees: Text | None
    duration: Text | None
    where: Text | None
    legal_basis: tuple[Text, ...]
    links: tuple[Link, ...]
    keywords: TextList
    reviewed: datetime.date
    source_file: str


@dataclass(frozen=True)
class Hit:
    """An entry found by search and how well it matched (higher is better)."""

    entry: Entry
    score: float
