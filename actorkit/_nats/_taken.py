"""The asks and sends other systems' requests brought in whose answer has not gone yet."""

from __future__ import annotations

import asyncio


class Taken:
    """Counted by `Inbound` as it takes each ask or send, and again as its answer goes (or
    will never go: a transport that stops abandons it). A transport closed for good waits
    for them (`settled`) before it closes the connection their answers leave by."""

    __slots__ = ("_idle", "count")

    def __init__(self) -> None:
        self.count = 0
        self._idle: asyncio.Future[None] | None = None

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
