"""`agents()`: the live agents, their state and their recent history (API 6)."""

from __future__ import annotations

import asyncio
import itertools

from actorkit import Actor, ActorRef, ActorSystem, AgentInfo, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Journal, Worker, agent_and_crashing_sibling, run


class Plain(Actor):
    """No capabilities: not an agent."""


async def test_agents_lists_live_agents_with_their_state() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Plain, name="plain")
        await system.spawn(Worker, journal, name="a")
        gpu = await system.spawn(Worker, journal, name="b", capabilities=["gpu"])
        infos = system.agents()
        assert all(isinstance(info, AgentInfo) for info in infos)
        assert [info.path for info in infos] == ["/a", "/b"]
        assert infos[1].capabilities == frozenset({"work", "gpu"})
        assert [info.state for info in infos] == ["idle", "idle"]
        gate = Block()
        handle = await system.submit(gate, requires=["gpu"])
        await gate.entered.wait()
        assert [info.state for info in system.agents()] == ["idle", "busy"]
        gate.release.set()
        await handle
        await gpu.stop()
        assert [info.path for info in system.agents()] == ["/a"]


async def test_a_stopping_agent_shows_stopped_in_its_history() -> None:
    seen: list[AgentInfo] = []

    class Leaving(Echo):
        async def on_stop(self) -> None:
            seen.extend(info for info in self.system.agents() if info.path == self.path)

    async with ActorSystem() as system:
        ref: ActorRef = await system.spawn(Leaving, name="leaving")
        await ref.stop()
    [info] = seen
    assert info.state == "stopped"
    assert [state for _, state in info.history] == ["idle", "stopped"]


async def test_an_agent_with_a_stop_or_a_restart_queued_is_not_shown_idle(
    clock: ManualClock,
) -> None:
    journal: Journal = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        agent, crashes = await agent_and_crashing_sibling(system, journal)
        leaving = await system.spawn(Worker, journal, name="leaving")
        holds = [Block("restarts"), Block("leaves")]
        for ref, hold in zip((agent, leaving), holds, strict=True):
            ref.tell(hold)
            await hold.entered.wait()
        stopping = asyncio.ensure_future(leaving.stop())
        crashes.tell("crash")  # the restart waits for `agent` to finish its message
        await clock.settle()
        handle = await system.submit("job")
        assert handle.status is TaskStatus.PENDING  # neither takes it: it must not look idle
        states = {info.path: info.state for info in system.agents()}
        assert states == {"/team/agent": "restarting", "/leaving": "stopped"}
        for hold in holds:
            hold.release.set()
        await stopping
        await clock.advance(10.0)
        assert await handle == ("agent", "job")
        [info] = system.agents()
        assert [state for _, state in info.history] == ["idle", "restarting", "busy", "idle"]


async def test_agent_history_keeps_the_last_32_changes() -> None:
    async with ActorSystem() as system:
        await system.spawn(Echo, name="e")
        for i in range(40):
            await run(system, i)
        history = system.agents()[0].history
        assert len(history) == 32
        assert history[-1][1] == "idle"
        assert all(a[1] != b[1] for a, b in itertools.pairwise(history))


async def test_an_agent_draining_at_shutdown_is_shown_stopped(clock: ManualClock) -> None:
    """Draining its queue, not stopped yet: it takes no task again, so it must not look idle
    while the shutdown waits for it."""
    journal: Journal = []
    async with asyncio.timeout(5):
        system = await ActorSystem(clock=clock).start()
        ref = await system.spawn(Worker, journal, name="w")
        first, queued = Block("first"), Block("queued")
        ref.tell(first)
        ref.tell(queued)
        await first.entered.wait()
        closing = asyncio.ensure_future(system.shutdown())
        await clock.settle()
        first.release.set()
        await queued.entered.wait()  # handled after the shutdown's stop: draining
        [info] = system.agents()
        assert info.state == "stopped"
        assert [state for _, state in info.history] == ["idle", "stopped"]
        queued.release.set()
        await closing
