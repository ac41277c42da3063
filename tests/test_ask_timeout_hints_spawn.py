"""`AskTimeout`'s account of a target that awaits the spawn or the stop of a child: `spawn`
returns once the child's `on_start` has, and `stop` once its `on_stop` has, so a child whose
`on_start` (or `on_stop`) asks its parent, while the parent awaits that spawn (or stop), waits
for a reply the parent can give only after that returns. That is a cycle, as an ask of an ask
is, and no longer timeout can break it; the timeout says so, rather than blaming a slow
handler. So is a handler's `send` waiting for room at the full mailbox of its asker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout
from actorkit.testing import ManualClock


class AsksParent(Actor):
    """Asks its parent for its settings in `on_start`, as an Akka `preStart` might."""

    async def on_start(self) -> None:
        self.settings = await self.parent.ask("settings", timeout=1.0)  # type: ignore[union-attr]

    async def receive(self, message: Any) -> Any:
        return self.settings


class SpawnsInHandler(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "settings":
            return {"size": 1}
        await self.spawn(AsksParent, name="child")
        return "spawned"


class SpawnsInOnStart(Actor):
    async def on_start(self) -> None:
        await self.spawn(AsksParent, name="child")

    async def receive(self, message: Any) -> Any:
        return {"size": 1}


class Gated(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_start(self) -> None:
        await self.gate.wait()

    async def receive(self, message: Any) -> Any:
        return message


class SpawnsGated(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            await self.spawn(Gated, self.gate, name="child")
        return message


CYCLE = (
    "/parent/child was starting, handling no messages until its on_start returns, awaiting "
    "its own ask of /parent: a cycle, each waiting for the next (a spawn returns once the "
    "child's on_start has), which ends only when the ask times out: give the child what it "
    "needs as spawn arguments, or ask once the spawn has returned"
)


async def test_a_child_asking_its_parent_that_awaits_its_spawn_is_said_to_be_a_cycle(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(SpawnsInHandler, name="parent", restart="temporary")
        spawning = asyncio.ensure_future(parent.ask("spawn", timeout=5.0))
        await clock.advance(1.0)
        with pytest.raises(AskTimeout) as raised:
            await spawning
        assert str(raised.value) == (
            "no reply from /parent within 1.0s; /parent was handling another message, "
            f"awaiting the spawn of /parent/child; {CYCLE}"
        )


async def test_a_child_asking_its_parent_still_in_on_start_is_said_to_be_a_cycle(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        starting = asyncio.ensure_future(system.spawn(SpawnsInOnStart, name="parent"))
        await clock.advance(1.0)
        with pytest.raises(AskTimeout) as raised:
            await starting
        assert str(raised.value) == (
            "no reply from /parent within 1.0s; /parent was starting, handling no messages "
            f"until its on_start returns, awaiting the spawn of /parent/child; {CYCLE}"
        )


class AsksParentOnStop(Actor):
    """Asks its parent in `on_stop`, to hand over its last figures."""

    async def on_stop(self) -> None:
        await self.parent.ask("last", timeout=1.0)  # type: ignore[union-attr]

    async def receive(self, message: Any) -> Any:
        return message


class StopsInHandler(Actor):
    async def on_start(self) -> None:
        await self.spawn(AsksParentOnStop, name="child")

    async def receive(self, message: Any) -> Any:
        if message == "stop":
            await self.children[0].stop()
        return message


async def test_a_child_asking_its_parent_that_awaits_its_stop_is_said_to_be_a_cycle(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(StopsInHandler, name="parent")
        stopping = asyncio.ensure_future(parent.ask("stop", timeout=5.0))
        await clock.advance(1.0)
        assert await stopping == "stop"  # the on_stop's error is logged and contained
    said = [r.getMessage() for r in caplog.records if "no reply from /parent" in r.getMessage()]
    assert said, caplog.text
    assert (
        "no reply from /parent within 1.0s; /parent was handling another message, awaiting the "
        "stop of /parent/child; /parent/child was stopping (its on_stop and children's stops), "
        "handling no more messages, awaiting its own ask of /parent: a cycle, each waiting for "
        "the next (a stop returns once the actor's on_stop has), which ends only when the ask "
        "times out: tell it instead of asking it"
    ) in said[0]


class SlowToStop(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_stop(self) -> None:
        await self.gate.wait()

    async def receive(self, message: Any) -> Any:
        return message


class StopsSlowChild(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_start(self) -> None:
        await self.spawn(SlowToStop, self.gate, name="child")

    async def receive(self, message: Any) -> Any:
        if message == "stop":
            await self.children[0].stop()
        return message


@pytest.mark.parametrize(
    ("kind", "told", "awaiting"),
    [
        (
            SpawnsGated,
            "spawn",
            "the spawn of /parent/child; /parent/child was starting, handling no messages until "
            "its on_start returns",
        ),
        (
            StopsSlowChild,
            "stop",
            "the stop of /parent/child; /parent/child was stopping (its on_stop and children's "
            "stops), handling no more messages",
        ),
    ],
)
async def test_a_parent_awaiting_a_slow_child_names_the_child_it_waits_for(
    clock: ManualClock, kind: type[Actor], told: str, awaiting: str
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        parent = await system.spawn(kind, gate, name="parent")
        parent.tell(told)
        asked = asyncio.ensure_future(parent.ask("x", timeout=1.0))
        await clock.advance(1.0)
        gate.set()
        with pytest.raises(AskTimeout) as raised:
            await asked
        assert str(raised.value) == (
            "no reply from /parent within 1.0s; /parent was handling another message, "
            f"awaiting {awaiting}"
        )


class Coordinator(Actor):
    """Asks the worker for a job, and takes its progress reports meanwhile: it cannot."""

    async def receive(self, message: Any) -> Any:
        if message == "go":
            return await self.system.ask("/worker", "work", timeout=1.0)
        return message


class Reporter(Actor):
    async def receive(self, message: Any) -> Any:
        for step in range(3):
            await self.system.lookup("/coordinator").send(("progress", step))  # type: ignore[union-attr]
        return "done"


async def test_a_send_waiting_for_room_at_its_asker_is_said_to_be_a_cycle(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        coordinator = await system.spawn(Coordinator, name="coordinator", mailbox_size=1)
        await system.spawn(Reporter, name="worker")
        going = asyncio.ensure_future(coordinator.ask("go", timeout=5.0))
        await clock.advance(1.0)
        with pytest.raises(AskTimeout) as raised:
            await going
        assert str(raised.value) == (
            "no reply from /worker within 1.0s; /worker was still handling it, awaiting room in "
            "the mailbox of /coordinator; /coordinator was handling another message, awaiting "
            "its own ask of /worker: a cycle, each waiting for the next (a send to a full "
            "mailbox waits until its actor takes a message), which ends only when the ask times "
            "out: give that actor room for what is sent to it, or tell it instead"
        )
