"""A shutdown that begins while a spawn's `on_start` runs (asked by that `on_start` itself,
or by another task meanwhile): the actor did start, so `spawn` returns its ref, as OTP's
`start_child` returns `{ok, Pid}` once `init` has returned, whatever its supervisor is told
next (docs/api.md §9). The shutdown then stops it with the rest, draining it: what the
caller tells or asks it before that drain ends is handled, not lost, and its `on_stop`
runs. That drain may already have ended when the caller resumes (a shutdown asked by
another task goes on meanwhile): a message then is a dead letter, an ask raises
`NotDelivered`, as to any actor the shutdown stopped. A spawn asked once the shutdown began
is refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered

from .shutdown_support import BOUND


class Starting(Actor):
    def __init__(self, owner: ActorSystem, gate: asyncio.Event | None, seen: list[str]) -> None:
        self.owner, self.gate, self.seen = owner, gate, seen

    async def on_start(self) -> None:
        self.seen.append("starting")
        if self.gate is None:
            await self.owner.shutdown()  # from inside an actor: returns at once
        else:
            await self.gate.wait()
        self.seen.append("started")

    async def on_stop(self) -> None:
        self.seen.append("stopped")

    async def receive(self, message: Any) -> Any:
        self.seen.append(message)
        return message


@pytest.mark.parametrize("asked", ["by-its-on-start", "meanwhile"])
async def test_spawn_returns_the_ref_and_the_drain_handles_what_it_is_sent(asked: str) -> None:
    seen: list[str] = []
    gate = None if asked == "by-its-on-start" else asyncio.Event()
    system = ActorSystem("starting", metrics=False)
    await system.start()
    try:
        async with asyncio.timeout(BOUND):
            spawning = asyncio.ensure_future(system.spawn(Starting, system, gate, seen, name="s"))
            stopping = None
            if gate is not None:
                await asyncio.sleep(0)  # one turn: the spawn made the task of its on_start
                await asyncio.sleep(0)  # and that task now waits on the gate
                assert seen == ["starting"]
                stopping = asyncio.ensure_future(system.shutdown())
                await asyncio.sleep(0)  # one turn: the shutdown has begun
                gate.set()
            ref = await spawning
            assert not system.healthy  # the shutdown had begun
            ref.tell("told")
            try:
                answer = await ref.ask("asked")
            except NotDelivered:
                answer = None
            with pytest.raises(ActorStopped, match="shutting down"):
                await system.spawn(Starting, system, gate, seen, name="late")
            if stopping is not None:
                await stopping
            await system.shutdown()
    finally:
        await system.shutdown(0.0)
    letters = [(d.message, d.reason) for d in system.dead_letters.recent]
    if asked == "by-its-on-start":  # nothing ran between its on_start and the caller
        assert answer == "asked" and not letters
        assert seen == ["starting", "started", "told", "asked", "stopped"]
    else:  # each message handled, or else answered or counted: none lost without a word
        assert ("told" in seen) != any(message == "told" for message, _ in letters)
        assert (answer == "asked") == ("asked" in seen)  # else it raised `NotDelivered`
        assert seen[:2] == ["starting", "started"] and "stopped" in seen
    assert not ref.is_alive
    assert system.accounting().balanced
