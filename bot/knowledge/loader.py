"""Read and validate the knowledge base files, collecting every error before giving up."""

from __future__ import annotations

import datetime
import difflib
import functools
import logging
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.model import (
    AUDIENCES,
    LANGS,
    TOPICS,
    VALUE_CHAINS,
    Contacts,
    Entry,
    KnowledgeError,
    Link,
    Provider,
    Text,
    TextList,
)
from bot.knowledge.offices import OFFICES_FILE, Offices, parse_offices
from bot.knowledge.yamlfile import YamlFileError, read_yaml

log = logging.getLogger(__name__)

PROVIDERS_FILE = "providers.yaml"
ENTRIES_DIR = "entries"

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
PROVIDER_ID = re.compile(r"^[a-z][a-z0-9_]{1,23}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{2,24}$")

TITLE_MAX = 60
SUMMARY_MAX = 500
DETAILS_MAX = 1500
SHORT_NAME_MAX = 28
DESCRIPTION_MAX = 600

_ENTRY_REQUIRED = (
    "id",
    "topic",
    "audiences",
    "providers",
    "title",
    "summary",
    "keywords",
    "reviewed",
)
_ENTRY_OPTIONAL = (
    "value_chains",
    "details",
    "eligibility",
    "steps",
    "documents",
    "fees",
    "duration",
    "where",
    "legal_basis",
    "links",
)
_PROVIDER_REQUIRED = ("id", "name", "short_name", "description", "audiences", "topics")
_PROVIDER_OPTIONAL = ("value_chains", "contacts")
_CONTACT_KEYS = ("website", "phone", "address", "hours")
_LINK_KEYS = ("url", "title")


def _suggest(word: object, choices: Collection[str]) -> str:
    """Return ' (did you mean ...?)' when `word` looks like a typo of one of `choices`."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Place:
    """Collects the problems of one provider or entry, each naming file, item and field."""

    def __init__(self, errors: list[str], where: str) -> None:
        """Report into `errors`, naming the place `where` (file and item)."""
        self.errors = errors
        self.where = where

    def error(self, field: str, message: str) -> None:
        """Record a problem with `field`."""
        self.errors.append(f"{self.where}: field '{field}': {message}")

    def keys(
        self,
        raw: Mapping[Any, Any],
        required: Collection[str],
        optional: Collection[str],
        prefix: str = "",
    ) -> None:
        """Report missing required keys and unknown (often misspelt) keys."""
        allowed = (*required, *optional)
        for key in raw:
            if key not in allowed:
                self.error(f"{prefix}{key}", "unknown key" + _suggest(key, allowed))
        for key in required:
            if key not in raw:
                self.error(f"{prefix}{key}", "missing")

    def text(self, raw: Any, field: str, *, limit: int | None = None) -> Text | None:
        """Return the kk/ru/en text in `raw`, or None after reporting what is wrong."""
        if not isinstance(raw, Mapping):
            self.error(field, "expected a text in each language: {kk: ..., ru: ..., en: ...}")
            return None
        for key in raw:
            if key not in LANGS:
                self.error(
                    f"{field}.{key}", "unknown language, use kk, ru and en" + _suggest(key, LANGS)
                )
        values: dict[str, str] = {}
        for lang in LANGS:
            value = self._string(raw, lang, f"{field}.{lang}")
            if value is None:
                continue
            if limit is not None and len(value) > limit:
                self.error(f"{field}.{lang}", f"too long: {len(value)} characters, at most {limit}")
            values[lang] = value
        return Text(**values) if len(values) == len(LANGS) else None

    def text_list(self, raw: Any, field: str, *, aligned: bool) -> TextList | None:
        """Return the kk/ru/en lists in `raw`; `aligned` lists need as many items in each."""
        if not isinstance(raw, Mapping):
            self.error(field, "expected a list in each language: kk: [...], ru: [...], en: [...]")
            return None
        for key in raw:
            if key not in LANGS:
                self.error(
                    f"{field}.{key}", "unknown language, use kk, ru and en" + _suggest(key, LANGS)
                )
        values: dict[str, tuple[str, ...]] = {}
        for lang in LANGS:
            name = f"{field}.{lang}"
            if lang not in raw:
                self.error(name, "missing")
                continue
            items = raw[lang]
            if not isinstance(items, list) or not items:
                self.error(name, 'expected a list with at least one item: ["...", "..."]')
                continue
            texts = [self._value(item, f"{name}[{i}]") for i, item in enumerate(items, 1)]
            if all(text is not None for text in texts):
                values[lang] = tuple(t for t in texts if t is not None)
        if len(values) != len(LANGS):
            return None
        counts = {lang: len(values[lang]) for lang in LANGS}
        if aligned and len(set(counts.values())) > 1:
            shown = ", ".join(f"{lang} has {count}" for lang, count in counts.items())
            self.error(field, f"each language needs the same number of items ({shown})")
        return TextList(**values)

    def choices(
        self, raw: Any, field: str, allowed: tuple[str, ...], *, required: bool
    ) -> tuple[str, ...]:
        """Return the listed values, each one of `allowed`, reported when unknown or repeated."""
        if raw is None and not required:
            return ()
        if not isinstance(raw, list) or (required and not raw):
            need = "at least one of" if required else "a list of"
            self.error(field, f"expected {need}: {', '.join(allowed)}")
            return ()
        values: list[str] = []
        for value in raw:
            if not isinstance(value, str) or value not in allowed:
                self.error(
                    field,
                    f"unknown value '{value}'"
                    + _suggest(value, allowed)
                    + f"; allowed: {', '.join(allowed)}",
                )
            elif value in values:
                self.error(field, f"'{value}' is listed twice")
            else:
                values.append(value)
        return tuple(values)

    def url(self, raw: Any, field: str) -> str | None:
        """Return a web address that starts with https://, or None after reporting it."""
        if not isinstance(raw, str) or not raw.strip():
            self.error(field, 'expected a web address in quotes: "https://..."')
            return None
        url = raw.strip()
        if not url.startswith("https://") or len(url) <= len("https://") or " " in url:
            self.error(field, f"'{url}' must be a web address starting with https://")
            return None
        return url

    def date(self, raw: Any, field: str, today: datetime.date) -> datetime.date | None:
        """Return a real calendar date (YYYY-MM-DD) that is not in the future."""
        if isinstance(raw, datetime.date):
            value = raw
        elif isinstance(raw, str) and _DATE.match(raw.strip()):
            try:
                value = datetime.date.fromisoformat(raw.strip())
            except ValueError:
                self.error(field, f"'{raw}' is not a real date")
                return None
        else:
            self.error(field, f"'{raw}' is not a date written as YYYY-MM-DD")
            return None
        if value > today:
            self.error(field, f"{value.isoformat()} is in the future")
            return None
        return value

    def _string(self, raw: Mapping[Any, Any], key: str, field: str) -> str | None:
        """Return the non-empty text at `raw[key]`, reporting it when missing or not text."""
        if key not in raw:
            self.error(field, "missing")
            return None
        return self._value(raw[key], field)

    def _value(self, value: Any, field: str) -> str | None:
        """Return `value` stripped when it is non-empty text, reporting it otherwise."""
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(field, "empty")
            return None
        if not isinstance(value, str):
            self.error(field, f"must be text: put {value!r} in quotes")
            return None
        return value.strip()


def _optional(raw: Mapping[str, Any], key: str, parse: Callable[[Any, str], Any]) -> Any:
    """Parse `raw[key]` with `parse` when it is present, else return None."""
    return parse(raw[key], key) if key in raw else None


def _parse_provider(raw: Any, where: str, errors: list[str]) -> Provider | None:
    """Return the provider described by `raw`, or None after reporting its problems."""
    place = _Place(errors, where)
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: expected a provider with keys such as 'id:' and 'name:'")
        return None
    place.keys(raw, _PROVIDER_REQUIRED, _PROVIDER_OPTIONAL)
    pid = raw.get("id")
    name = _optional(raw, "name", place.text)
    short_name = _optional(raw, "short_name", lambda v, f: place.text(v, f, limit=SHORT_NAME_MAX))
    description = _optional(
        raw, "description", lambda v, f: place.text(v, f, limit=DESCRIPTION_MAX)
    )
    audiences = place.choices(
        raw.get("audiences"), "audiences", AUDIENCES, required="audiences" in raw
    )
    chains = place.choices(raw.get("value_chains"), "value_chains", VALUE_CHAINS, required=False)
    topics = place.choices(raw.get("topics"), "topics", TOPICS, required="topics" in raw)
    contacts = Contacts()
    if "contacts" in raw:
        contacts = _parse_contacts(raw["contacts"], place) or contacts
    if None in (name, short_name, description) or not audiences or not topics:
        return None
    if not isinstance(pid, str):
        return None  # the id check has reported it
    return Provider(
        id=pid,
        name=name,
        short_name=short_name,
        description=description,
        audiences=audiences,
        value_chains=chains,
        topics=topics,
        contacts=contacts,
    )


def _parse_contacts(raw: Any, place: _Place) -> Contacts | None:
    """Return a provider's contacts, or None after reporting their problems."""
    if not isinstance(raw, Mapping):
        place.error("contacts", "expected website:, phone:, address: or hours: beneath it")
        return None
    place.keys(raw, (), _CONTACT_KEYS, prefix="contacts.")
    phone = raw.get("phone")
    if phone is not None and not (isinstance(phone, str) and _PHONE.match(phone.strip())):
        place.error("contacts.phone", f"{phone!r} is not a phone number written in quotes")
        phone = None
    return Contacts(
        website=_optional(raw, "website", lambda v, f: place.url(v, f"contacts.{f}")),
        phone=phone.strip() if phone else None,
        address=_optional(raw, "address", lambda v, f: place.text(v, f"contacts.{f}")),
        hours=_optional(raw, "hours", lambda v, f: place.text(v, f"contacts.{f}")),
    )


def _parse_entry(
    raw: Any,
    where: str,
    errors: list[str],
    *,
    providers: Collection[str] | None,
    source: str,
    today: datetime.date,
) -> Entry | None:
    """Return the entry described by `raw`, or None after reporting its problems."""
    place = _Place(errors, where)
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: expected an entry with keys such as 'id:' and 'title:'")
        return None
    count = len(errors)
    place.keys(raw, _ENTRY_REQUIRED, _ENTRY_OPTIONAL)
    topic = raw.get("topic")
    if "topic" in raw and topic not in TOPICS:
        place.error(
            "topic",
            f"unknown topic '{topic}'"
            + _suggest(topic, TOPICS)
            + f"; allowed: {', '.join(TOPICS)}",
        )
    audiences = place.choices(
        raw.get("audiences"), "audiences", AUDIENCES, required="audiences" in raw
    )
    chains = place.choices(raw.get("value_chains"), "value_chains", VALUE_CHAINS, required=False)
    entry_providers = _entry_providers(raw, place, providers)
    texts = {
        key: _optional(raw, key, functools.partial(place.text, limit=limit))
        for key, limit in (
            ("title", TITLE_MAX),
            ("summary", SUMMARY_MAX),
            ("details", DETAILS_MAX),
            ("eligibility", None),
            ("fees", None),
            ("duration", None),
            ("where", None),
        )
    }
    steps = _optional(raw, "steps", lambda v, f: place.text_list(v, f, aligned=True))
    documents = _optional(raw, "documents", lambda v, f: place.text_list(v, f, aligned=True))
    keywords = _optional(raw, "keywords", lambda v, f: place.text_list(v, f, aligned=False))
    legal_basis = _optional(raw, "legal_basis", lambda v, f: _text_items(v, f, place)) or ()
    links = _optional(raw, "links", lambda v, f: _links(v, f, place)) or ()
    reviewed = _optional(raw, "reviewed", lambda v, f: place.date(v, f, today))
    if len(errors) > count or not isinstance(topic, str):
        return None  # each problem was reported
    return Entry(
        id=raw["id"],
        topic=topic,
        audiences=audiences,
        value_chains=chains,
        providers=entry_providers,
        title=texts["title"],
        summary=texts["summary"],
        details=texts["details"],
        eligibility=texts["eligibility"],
        steps=steps,
        documents=documents,
        fees=texts["fees"],
        duration=texts["duration"],
        where=texts["where"],
        legal_basis=legal_basis,
        links=links,
        keywords=keywords,
        reviewed=reviewed,
        source_file=source,
    )


def _entry_providers(
    raw: Mapping[str, Any], place: _Place, known: Collection[str] | None
) -> tuple[str, ...]:
    """Return the entry's provider ids, reporting ids that no provider has."""
    value = raw.get("providers")
    if "providers" not in raw:
        return ()
    if not isinstance(value, list):
        place.error("providers", "expected a list of provider ids, or [] for the OSS manager")
        return ()
    ids: list[str] = []
    for pid in value:
        if not isinstance(pid, str):
            place.error("providers", f"{pid!r} is not a provider id")
        elif known is not None and pid not in known:
            place.error("providers", f"unknown provider '{pid}'" + _suggest(pid, known))
        elif pid in ids:
            place.error("providers", f"'{pid}' is listed twice")
        else:
            ids.append(pid)
    return tuple(ids)


def _text_items(raw: Any, field: str, place: _Place) -> tuple[Text, ...] | None:
    """Return a list of kk/ru/en texts (legal basis)."""
    if not isinstance(raw, list):
        place.error(field, "expected a list of {kk: ..., ru: ..., en: ...} items")
        return None
    texts = [place.text(item, f"{field}[{i}]") for i, item in enumerate(raw, 1)]
    return tuple(t for t in texts if t is not None)


def _links(raw: Any, field: str, place: _Place) -> tuple[Link, ...] | None:
    """Return a list of official links, each with an https:// url and a kk/ru/en title."""
    if not isinstance(raw, list):
        place.error(field, "expected a list of items with url: and title:")
        return None
    links: list[Link] = []
    for i, item in enumerate(raw, 1):
        name = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            place.error(name, "expected url: and title: beneath it")
            continue
        place.keys(item, _LINK_KEYS, (), prefix=f"{name}.")
        url = place.url(item["url"], f"{name}.url") if "url" in item else None
        title = place.text(item["title"], f"{name}.title") if "title" in item else None
        if url and title:
            links.append(Link(url=url, title=title))
    return tuple(links)


def _item_label(raw: Any, number: int, kind: str) -> str:
    """Return how errors name an item: by its id when it has one, else by its position."""
    pid = raw.get("id") if isinstance(raw, Mapping) else None
    if isinstance(pid, str) and pid.strip():
        return f"{kind} '{pid}'"
    return f"{kind} #{number}"


def _check_id(raw: Any, where: str, errors: list[str], pattern: re.Pattern[str], rule: str) -> None:
    """Report an id that is missing or badly formed."""
    if not isinstance(raw, Mapping) or "id" not in raw:
        return  # reported as a missing key
    value = raw["id"]
    if not isinstance(value, str) or not pattern.match(value):
        errors.append(f"{where}: field 'id': '{value}' is not a valid id ({rule})")


def _items(data: Any, key: str, source: str, errors: list[str]) -> list[Any]:
    """Return the list under the file's single top-level `key`, reporting a wrong layout."""
    if data is None:
        errors.append(f"{source}: the file is empty; it must start with '{key}:' and a list")
        return []
    if not isinstance(data, Mapping) or key not in data:
        errors.append(f"{source}: the file must start with '{key}:' and a list")
        return []
    for other in data:
        if other != key:
            errors.append(f"{source}: unknown top-level key '{other}' (only '{key}:' is allowed)")
    items = data[key]
    if items is None:
        return []
    if not isinstance(items, list):
        errors.append(f"{source}: '{key}:' must be followed by a list of items starting with '- '")
        return []
    return items


def _load_providers(
    directory: Path, errors: list[str]
) -> tuple[dict[str, Provider], frozenset[str] | None]:
    """Return the valid providers by id and every id given (None if the file is unreadable)."""
    try:
        data = read_yaml(directory / PROVIDERS_FILE)
    except YamlFileError as exc:
        errors.append(f"{PROVIDERS_FILE}: {exc}")
        return {}, None
    providers: dict[str, Provider] = {}
    seen: set[str] = set()
    for number, raw in enumerate(_items(data, "providers", PROVIDERS_FILE, errors), 1):
        where = f"{PROVIDERS_FILE}: " + _item_label(raw, number, "provider")
        _check_id(
            raw,
            where,
            errors,
            PROVIDER_ID,
            "2-24 lowercase letters, digits or _, starting with a letter",
        )
        pid = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(pid, str):
            if pid in seen:
                errors.append(f"{where}: field 'id': '{pid}' is used by an earlier provider too")
            seen.add(pid)
        provider = _parse_provider(raw, where, errors)
        if provider is not None and provider.id not in providers:
            providers[provider.id] = provider
    # Ids of providers with other problems still count as known, to avoid a cascade of errors.
    return providers, frozenset(seen)


def _entry_files(directory: Path, errors: list[str]) -> list[Path]:
    """Return the entry files in name order, reporting files that would be silently skipped."""
    folder = directory / ENTRIES_DIR
    if not folder.is_dir():
        errors.append(f"{ENTRIES_DIR}/: folder not found")
        return []
    for stray in sorted(folder.glob("*.yml")):
        errors.append(f"{ENTRIES_DIR}/{stray.name}: rename the file to end in .yaml")
    return sorted(folder.glob("*.yaml"))


def _load_entries(
    directory: Path, errors: list[str], providers: Collection[str] | None, today: datetime.date
) -> dict[str, Entry]:
    """Return every valid entry by id, in file order, reporting the problems of the others."""
    entries: dict[str, Entry] = {}
    first_seen: dict[str, str] = {}
    for path in _entry_files(directory, errors):
        source = f"{ENTRIES_DIR}/{path.name}"
        try:
            data = read_yaml(path)
        except YamlFileError as exc:
            errors.append(f"{source}: {exc}")
            continue
        for number, raw in enumerate(_items(data, "entries", source, errors), 1):
            where = f"{source}: " + _item_label(raw, number, "entry")
            _check_id(
                raw,
                where,
                errors,
                ENTRY_ID,
                "3-40 lowercase letters, digits or -, not starting or ending with -",
            )
            eid = raw.get("id") if isinstance(raw, Mapping) else None
            if isinstance(eid, str):
                if eid in first_seen:
                    errors.append(
                        f"{where}: field 'id': '{eid}' is already used in {first_seen[eid]}"
                    )
                else:
                    first_seen[eid] = source
            entry = _parse_entry(
                raw, where, errors, providers=providers, source=source, today=today
            )
            if entry is not None and entry.id not in entries:
                entries[entry.id] = entry
    if not first_seen and not errors:
        errors.append(f"{ENTRIES_DIR}/: no entries found")
    return entries


def _load_offices(directory: Path, errors: list[str], providers: Collection[str] | None) -> Offices:
    """Return the offices in offices.yaml; a base without the file has no offices yet."""
    path = directory / OFFICES_FILE
    if not path.is_file():
        return Offices()
    try:
        data = read_yaml(path)
    except YamlFileError as exc:
        errors.append(f"{OFFICES_FILE}: {exc}")
        return Offices()
    return parse_offices(data, OFFICES_FILE, errors, providers)


def load_knowledge(directory: str | Path, *, today: datetime.date | None = None) -> KnowledgeBase:
    """Load and validate the base in `directory`; raise KnowledgeError listing all errors."""
    directory = Path(directory)
    errors: list[str] = []
    providers, known = _load_providers(directory, errors)
    entries = _load_entries(directory, errors, known, today or datetime.date.today())
    offices = _load_offices(directory, errors, known)
    if errors:
        log.warning("Knowledge base in %s has %d error(s)", directory, len(errors))
        raise KnowledgeError(errors)
    base = KnowledgeBase(providers, entries, offices=offices)
    log.info("Loaded %d entries and %d providers from %s", len(entries), len(providers), directory)
    return base
