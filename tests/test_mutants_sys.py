"""What the system's start, shutdown and spawn promise where no other test looked: each test
here fails on a one-token change to `_system`, `_spawn`, `_runtime` or `_system_checks`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem


class Idle(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class HangingTransport:
    """A transport whose start never ends (a broker that does not answer)."""

    def __init__(self) -> None:
        self.starting = asyncio.Event()
        self.stopped = False

    async def start(self, host: object) -> None:
        self.starting.set()
        await asyncio.Event().wait()

    def closing(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped = True

    def publish(self, topic: str, message: object) -> None:
        pass

    def expose(self, ref: ActorRef, group: str | None = None) -> None:
        pass

    def remote(self, system: str, path: str) -> ActorRef:
        raise NotImplementedError

    def remote_group(self, group: str) -> ActorRef:
        raise NotImplementedError

    def health(self) -> dict[str, object]:
        return {"state": "connected", "connected": True}


async def test_a_start_cancelled_midway_shuts_down_what_it_had_started() -> None:
    """Cancellation is a `BaseException`: a start cancelled while its transport connects
    (a timeout around it) must still stop the root and refuse spawns, not leave it running."""
    transport = HangingTransport()
    system = ActorSystem("cut-short", metrics=False, transport=transport)
    starting = asyncio.create_task(system.start())
    async with asyncio.timeout(5):
        await transport.starting.wait()
        starting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starting
    assert not system.healthy
    with pytest.raises(ActorStopped):
        await system.spawn(Idle)
    with pytest.raises(RuntimeError, match="has shut down and cannot start again"):
        await system.start()


async def test_a_zero_shutdown_timeout_is_accepted_and_forces_the_stop_at_once() -> None:
    system = await ActorSystem("zero", metrics=False).start()
    ref = await system.spawn(Idle)
    await system.shutdown(0)
    assert system.lookup(ref.path) is None
    assert not ref.is_alive


class SlowStop(Actor):
    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, ends: list[str]) -> None:
        self.entered, self.gate, self.ends = entered, gate, ends

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.entered.set()
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.ends.append("cancelled")
            raise
        self.ends.append("finished")


async def test_a_cancelled_shutdown_caller_does_not_cut_the_orderly_stop_short() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    ends: list[str] = []
    system = await ActorSystem("shielded", metrics=False).start()
    await system.spawn(SlowStop, entered, gate, ends)
    caller = asyncio.create_task(system.shutdown())
    async with asyncio.timeout(5):
        await entered.wait()
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        gate.set()
        await system.shutdown()
    assert ends == ["finished"]


class SpawnsLate(Actor):
    """Tries a child where none may start, and records what the spawn raised."""

    def __init__(self, outcomes: list[object]) -> None:
        self.outcomes = outcomes

    async def attempt(self) -> None:
        try:
            await self.spawn(Idle)
        except ActorStopped as error:
            self.outcomes.append(error)
        else:
            self.outcomes.append("spawned")

    async def receive(self, message: Any) -> Any:
        await self.system.shutdown()  # from inside an actor: it starts, and returns at once
        await self.attempt()

    async def on_stop(self) -> None:
        await self.attempt()


async def test_a_child_spawned_once_shutdown_began_is_refused() -> None:
    """The actor still runs its handler, but the system no longer accepts: no new child."""
    outcomes: list[object] = []
    async with asyncio.timeout(5), ActorSystem("late", metrics=False) as system:
        await (await system.spawn(SpawnsLate, outcomes)).ask("shut down, then spawn")
    assert isinstance(outcomes[0], ActorStopped)


async def test_a_child_spawned_from_on_stop_is_refused() -> None:
    """A stopping actor (not drained by a shutdown) takes no child: it would outlive it."""
    outcomes: list[object] = []
    async with asyncio.timeout(5), ActorSystem("ending", metrics=False) as system:
        await (await system.spawn(SpawnsLate, outcomes)).stop()
        assert len(outcomes) == 1
        assert isinstance(outcomes[0], ActorStopped)


async def test_an_unhashable_restart_is_the_documented_value_error() -> None:
    """Not the `TypeError: unhashable type` a set lookup would raise past the check."""
    async with asyncio.timeout(5), ActorSystem("restarts", metrics=False) as system:
        with pytest.raises(ValueError, match=r"restart must be one of \['permanent', "):
            await system.spawn(Idle, restart=["permanent"])  # type: ignore[arg-type]
        assert system.actor_count == 0
