"""The asks and sends other systems' requests brought in whose answer has not gone yet."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from .._errors import MailboxFull

MAX_WAITING_SENDS = 10_000
"""Remote sends, and remote asks no mailbox could take at once, that one transport lets wait
at once, each a coroutine (about 3 KB and its message): what an asker's timeout ends, and a
peer picks that timeout, so past this one is refused at once with `MailboxFull`. Without it
the requests of one peer that never reads its replies would wait past every mailbox's bound,
as long as it liked."""


class Taken:
    """Counted by `Inbound` as it takes each ask or send, and again as its answer goes (or
    will never go: a transport that stops abandons it). A transport closed for good waits
    for them (`settled`) before it closes the connection their answers leave by."""

    __slots__ = ("_idle", "count", "sends")

    def __init__(self) -> None:
        self.count = 0
        self.sends = 0
        self._idle: asyncio.Future[None] | None = None

    def full(self, path: str) -> MailboxFull | None:
        """Why a send, or an ask no mailbox took at once, to `path` is refused, if it is."""
        if self.sends < MAX_WAITING_SENDS:
            return None
        return MailboxFull(
            f"{path} was not sent the message: {MAX_WAITING_SENDS:,} sends and asks from other "
            "systems already wait for room in this process"
        )

    def start(self, answer: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """A send taken: its task, counted in `sends` until it ends."""
        self.count += 1
        self.sends += 1
        task = asyncio.get_running_loop().create_task(answer)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.sends -= 1

    async def waiting(self, answer: Coroutine[Any, Any, None]) -> None:
        """An ask no mailbox took at once, counted in `sends` until it ends: it may wait for
        room as long as its asker chose, as a send does."""
        self.sends += 1
        try:
            await answer
        finally:
            self.sends -= 1

    def answered(self) -> None:
        self.count -= 1
        idle = self._idle
        if not self.count and idle is not None and not idle.done():
            idle.set_result(None)

    async def settled(self) -> None:
        """Return once every one taken is answered (the caller bounds the wait)."""
        while self.count:
            self._idle = asyncio.get_running_loop().create_future()
            await self._idle
