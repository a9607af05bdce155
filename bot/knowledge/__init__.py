"""The knowledge base: curated entries and providers, validated at load and searched in memory."""

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import (
    AUDIENCES,
    LANGS,
    TOPICS,
    VALUE_CHAINS,
    Contacts,
    Entry,
    Hit,
    KnowledgeError,
    Link,
    Provider,
    Text,
    TextList,
)
from bot.knowledge.normalize import normalize
from bot.knowledge.offices import OSS, Location, Office, Offices, Status, WeeklyHours, office_status

__all__ = [
    "AUDIENCES",
    "LANGS",
    "OSS",
    "TOPICS",
    "VALUE_CHAINS",
    "Contacts",
    "Entry",
    "Hit",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeHolder",
    "Link",
    "Location",
    "Office",
    "Offices",
    "Provider",
    "Status",
    "Text",
    "TextList",
    "WeeklyHours",
    "load_knowledge",
    "normalize",
    "office_status",
]
