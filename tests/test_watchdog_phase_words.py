"""The watchdog's report says what held the loop in words for what ran: a supervisor's
decider (its `supervisor_strategy`'s, run in its task) was reported "in its handler", and a
durable actor's recovery (reading its store and replaying its journal through `apply`, which
the runtime runs ahead of the user's `on_start`) "in its on_start", where the reader would
look for a handler or an `on_start` of their own that is not there. Each blocking call holds
the loop until the watchdog has reported it, so nothing depends on how long a block lasts."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, ClassVar

import pytest

from actorkit import ActorSystem, message
from actorkit.persistence import EventSourced, MemoryStore

from .test_obshunt2_watchdog import THRESHOLD, Named, hold_until_reported, named
from .test_watchhunt_watchdog import Decides

__all__ = ["named"]  # the fixture, shared with test_obshunt2_watchdog.py

pytestmark = pytest.mark.usefixtures("collector_paused")

BOUND = 15.0


def reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "blocked the event loop" in r.getMessage()]


async def test_a_decider_holding_the_loop_is_reported_as_the_decider(
    named: Named, caplog: pytest.LogCaptureFixture
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(blocked_threshold=THRESHOLD) as system:
        child = await (await system.spawn(Decides, name="parent")).ask("spawn")
        child.tell("boom")
        assert await child.ask("after") == "after"
    assert named.named == [("/parent", "Decides")]
    [report] = reports(caplog)
    assert "in its supervision strategy's decider;" in report


@message
@dataclasses.dataclass
class LedgerEntry:
    amount: int


class Ledger(EventSourced):
    replaying: ClassVar[bool] = False
    """Set once the journal holds an event: the next instance's recovery holds the loop."""

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: LedgerEntry) -> None:
        if Ledger.replaying:
            hold_until_reported()
        self.total += event.amount

    async def on_start(self) -> None:
        pass  # one of the user's own, which the recovery runs ahead of

    async def receive(self, message: Any) -> Any:
        await self.persist(LedgerEntry(message))
        return self.total


async def test_a_recovery_holding_the_loop_is_reported_as_the_recovery(
    named: Named, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(blocked_threshold=THRESHOLD, store=store) as system,
    ):
        ledger = await system.spawn(Ledger, name="ledger")
        assert await ledger.ask(5) == 5
        await ledger.stop()
        Ledger.replaying = True
        try:
            ledger = await system.spawn(Ledger, name="ledger")
        finally:
            Ledger.replaying = False
        assert await ledger.ask(1) == 6
    assert named.named == [("/ledger", "Ledger")]
    [report] = reports(caplog)
    assert "in its recovery;" in report
