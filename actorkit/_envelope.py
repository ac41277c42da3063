"""The one envelope on the hot path. A tell carries the bare message; only an ask needs to
carry its reply future, so only an ask allocates this small slotted record.

The task layer sends its tasks in the same envelope with `timeout` 0 (`TAKEN_BACK`): tasks
have deadlines, not ask timeouts, and an undelivered task is not lost but requeued by its
sender, so the cell answers it with `NotDelivered` and does not record a dead letter."""

from __future__ import annotations

import asyncio

TAKEN_BACK = 0.0
"""The `timeout` of an envelope whose sender takes it back when it cannot be delivered."""


class Ask:
    __slots__ = ("future", "message", "started", "target", "timeout")

    def __init__(
        self,
        message: object,
        future: asyncio.Future[object],
        target: str,
        timeout: float,
        started: float | None = None,
    ) -> None:
        self.message = message
        self.future = future
        self.target = target
        self.timeout = timeout
        self.started = started
        """`perf_counter()` when the ask was made, if its class is timed (metrics on)."""
