"""The core's services in one container: what the Telegram adapter is handed to work with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db import Database
from bot.knowledge import KnowledgeBase, KnowledgeHolder
from bot.models import utcnow
from bot.services.cases import CaseDesk
from bot.services.worktime import WorkingHours
from bot.settings import Settings


@dataclass
class Services:
    """What handlers need from the core, handed to them through the context."""

    settings: Settings
    db: Database
    knowledge: KnowledgeHolder
    clock: Callable[[], datetime] = field(default=utcnow)
    background: bool = True
    cases: CaseDesk = field(init=False)

    def __post_init__(self) -> None:
        settings = self.settings
        self.cases = CaseDesk(
            db=self.db,
            knowledge=lambda: self.knowledge.current,
            manager_ids=settings.manager_ids,
            hours=WorkingHours(settings.tz, *settings.workday),
            default_language=settings.default_language,
            due_hours=settings.case_due_hours,
            remind_before=timedelta(hours=settings.remind_before_hours),
            followup_after=timedelta(days=settings.followup_days),
            clock=lambda: self.clock(),
        )

    @property
    def kb(self) -> KnowledgeBase:
        """Return the knowledge base currently in service."""
        return self.knowledge.current
