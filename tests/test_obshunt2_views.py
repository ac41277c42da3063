"""What a user sees of a running system, read four ways at quiet points: `/actors`
(`testing.actor_tree`, the body it serves), `testing.snapshots`, `system.agents()` and the
per-class metrics. They agree with each other, and with what happened, through failures,
resumes, restarts after a backoff, stops and pool resizes; an actor's state is the same in
each while it starts, waits out a backoff and stops; a stopped one leaves every view."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from actorkit import Actor, ActorSystem, Backoff, OneForOne, Task
from actorkit.testing import ManualClock, actor_tree, snapshot, snapshots


class Worker(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            message = message.payload
        if message == "crash":
            raise RuntimeError("crash, to be restarted")
        if message == "resume":
            raise KeyError("crash, to be resumed")
        return message


def nodes(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(tree["actors"])
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node["children"])


def samples(system: ActorSystem, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    assert system.metrics is not None
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in system.metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def by_class(system: ActorSystem, name: str, actor_type: str) -> float:
    return sum(
        value
        for labels, value in samples(system, name).items()
        if ("actor_type", actor_type) in labels
    )


def gauge_states(system: ActorSystem, actor_type: str) -> dict[str, float]:
    return {
        dict(labels)["state"]: value
        for labels, value in samples(system, "actorkit_actors").items()
        if ("actor_type", actor_type) in labels and value
    }


def agree(system: ActorSystem) -> dict[str, dict[str, Any]]:
    """Checks the four views against each other; the tree's nodes by path."""
    tree = actor_tree(system)
    shown = {node["path"]: node for node in nodes(tree)}
    snaps = {snap.path: snap for snap in snapshots(system) if snap.path != "/"}
    assert set(shown) == set(snaps)
    assert tree["total"] == len(shown) == system.actor_count
    assert sum(samples(system, "actorkit_actors").values()) == len(shown)
    spawned = sum(samples(system, "actorkit_actor_spawned_total").values())
    stopped = sum(samples(system, "actorkit_actor_stopped_total").values())
    assert spawned - stopped == len(shown)
    for path, node in shown.items():
        snap = snaps[path]
        assert (node["class"], node["state"]) == (snap.actor_class, snap.state)
        assert (node["failures"], node["restarts"]) == (snap.failures, snap.restarts)
        books = snap.accounting
        assert (node["accepted"], node["processed"], node["mailbox_size"]) == (
            books.accepted,
            books.processed,
            books.queued,
        )
        assert node["accepted"] == (
            node["processed"] + node["crashed"] + node["dead_lettered"] + node["mailbox_size"]
        )  # quiet: nothing in hand
    for agent in system.agents():
        node = shown[agent.path]
        assert (agent.processed, agent.failures, agent.restarts, agent.mailbox_size) == (
            node["processed"],
            node["failures"],
            node["restarts"],
            node["mailbox_size"],
        )
    return shown


async def settle() -> None:
    for _ in range(50):  # a restart's round trips: a few loop turns, no time
        await asyncio.sleep(0)


async def test_the_views_agree_with_each_other_and_with_what_happened() -> None:
    clock = ManualClock()
    backoff = Backoff(min=1.0, max=1.0, jitter=0)
    strategy = OneForOne(100, 100, backoff, decider={KeyError: "resume"})
    async with asyncio.timeout(15), ActorSystem(clock=clock, supervisor=strategy) as system:
        worker = await system.spawn(Worker, name="worker")
        pool = await system.spawn_pool(Worker, size=3, name="pool")
        for number in range(6):
            assert await pool.ask(number) == number
        assert await worker.ask("hello") == "hello"
        worker.tell("resume")
        assert await worker.ask("again") == "again"
        worker.tell("crash")
        await settle()
        shown = agree(system)
        assert shown["/worker"]["state"] == "restarting"  # waiting out its backoff
        assert gauge_states(system, "Worker") == {"running": 3.0, "restarting": 1.0}
        assert [agent.state for agent in system.agents() if agent.path == "/worker"] == [
            "restarting"
        ]
        await clock.advance(1.0)
        await settle()
        shown = agree(system)
        assert (shown["/worker"]["failures"], shown["/worker"]["restarts"]) == (2, 1)
        assert shown["/worker"]["processed"] == 2
        assert by_class(system, "actorkit_actor_restarts_total", "Worker") == 1
        assert by_class(system, "actorkit_actor_failures_total", "Worker") == 2
        assert by_class(system, "actorkit_messages_processed_total", "Worker") == 8
        await pool.resize(1)  # two members drain and stop: their counts stay in the metric
        shown = agree(system)
        assert by_class(system, "actorkit_messages_processed_total", "Worker") == 8
        assert gauge_states(system, "Worker") == {"running": 2.0}
        await pool.resize(3)
        await worker.stop()
        shown = agree(system)
        assert "/worker" not in shown
        assert snapshot(worker).state == "stopped"
        members = sorted(path for path in shown if path.startswith("/pool/"))
        assert len(members) == 3
        assert sorted(agent.path for agent in system.agents()) == members
        assert by_class(system, "actorkit_actor_failures_total", "Worker") == 2
        await pool.stop()
        assert agree(system) == {}
        assert gauge_states(system, "Worker") == {}  # no stale series
        assert by_class(system, "actorkit_messages_processed_total", "Worker") == 8
        assert system.agents() == []


class Gated(Actor):
    """Holds `on_start` and `on_stop` until told, so each state can be seen while it lasts."""

    capabilities = ("gated",)

    def __init__(self, entered: asyncio.Event, release: asyncio.Event) -> None:
        self.entered, self.release = entered, release

    async def on_start(self) -> None:
        self.entered.set()
        await self.release.wait()
        self.entered.clear()

    async def on_stop(self) -> None:
        self.entered.set()
        await self.release.wait()

    async def receive(self, message: Any) -> Any:
        return message


async def test_starting_and_stopping_read_the_same_in_every_view() -> None:
    async with asyncio.timeout(15), ActorSystem() as system:
        entered, release = asyncio.Event(), asyncio.Event()
        spawning = asyncio.ensure_future(system.spawn(Gated, entered, release, name="gated"))
        await entered.wait()
        shown = agree(system)
        assert shown["/gated"]["state"] == "starting"
        assert gauge_states(system, "Gated") == {"starting": 1.0}
        release.set()
        ref = await spawning
        release.clear()
        stopping = asyncio.ensure_future(ref.stop())
        await entered.wait()
        shown = agree(system)
        assert shown["/gated"]["state"] == "stopping"
        assert gauge_states(system, "Gated") == {"stopping": 1.0}
        assert [agent.state for agent in system.agents()] == ["stopped"]
        release.set()
        await stopping
        assert agree(system) == {}
        assert gauge_states(system, "Gated") == {}
