"""`settle`'s bound is a count of loop turns, which a finite burst of work can exceed as a
loop that never ends does: its error must not tell a test with a long but finite handler
that something runs forever, and waiting again must finish the work."""

from __future__ import annotations

from typing import Any

import pytest

import actorkit.testing
from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock, Probe

LIMIT = 50


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Batch(Actor):
    """Asks its worker `n` times in a row, then says it is done: finite, but many turns."""

    def __init__(self, worker: ActorRef, out: ActorRef) -> None:
        self.worker = worker
        self.out = out

    async def receive(self, n: int) -> None:
        for i in range(n):
            await self.worker.ask(i)
        self.out.tell(("done", n))


async def test_a_burst_longer_than_the_bound_is_named_as_a_possibility_and_settles_on_waiting_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", LIMIT)
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        batch = await system.spawn(Batch, await system.spawn(Echo), probe.ref)
        batch.tell(3 * LIMIT)
        with pytest.raises(RuntimeError, match=f"did not settle after {LIMIT} loop turns") as info:
            await clock.settle()
        said = str(info.value)
        assert "asks in a row" in said and "settle() again" in said
        probe.expect_empty()
        for _ in range(10):  # each wait goes on from where the one before stopped
            try:
                await clock.settle()
                break
            except RuntimeError:
                continue
        await probe.expect(("done", 3 * LIMIT))
