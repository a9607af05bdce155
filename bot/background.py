"""A background loop: work at once when woken, else every few seconds, until stopped."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class BackgroundLoop:
    """Run `step` again and again in a task; `wake` cuts the idle wait short."""

    name = "background"

    def __init__(self, *, idle: float) -> None:
        self.idle = idle
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def step(self) -> bool:
        """Do one round of work; return True when there may be more to do at once."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the loop in a task of the running event loop."""
        self.task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        """Say there is new work."""
        self.wakeup.set()

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                busy = await self.step()
            except Exception:
                log.exception("%s failed; trying again shortly", self.name)
                busy = False
            if busy:
                continue
            try:
                await asyncio.wait_for(self.wakeup.wait(), self.idle)
            except TimeoutError:
                pass
            self.wakeup.clear()
