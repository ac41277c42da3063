"""What the bad-input tests of durable actors (`tests/persistence/test_durable_bad_input_*.py`,
`tests/persistence/test_durable_unset_field.py`) share: an event-sourced ledger that persists
each message it is asked and answers with its total."""

from __future__ import annotations

from typing import Any

from actorkit.persistence import EventSourced


class Ledger(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.total
