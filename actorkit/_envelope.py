"""The one envelope on the hot path. A tell carries the bare message; only an ask needs to
carry its reply future, so only an ask allocates this small slotted record."""

from __future__ import annotations

import asyncio


class Ask:
    __slots__ = ("future", "message", "target", "timeout")

    def __init__(
        self, message: object, future: asyncio.Future[object], target: str, timeout: float
    ) -> None:
        self.message = message
        self.future = future
        self.target = target
        self.timeout = timeout
