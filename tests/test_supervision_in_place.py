"""A group restart carries each half of an idle child's restart out in place
(`_restart_steps`), without a round trip into its task, and nothing observed changes: the
order among siblings that do need their task, restart counts and metrics, an agent's view,
watches, a failing `__init__`, a message or a stop that arrives meanwhile, a backoff (API 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Backoff, ChildSpec, OneForAll, Supervisor
from actorkit._cell import Cell
from actorkit._signals import Signal
from actorkit.testing import ManualClock, Probe, snapshot, snapshots

from .metrics_truth_support import sample, scraped
from .otp_conformance_support import Watcher
from .supervision_support import StartFailed


class Bare(Actor):
    """No hook, so its restart needs nothing of its task; journals each instance made, and
    counts the messages it handles; "crash" fails it."""

    def __init__(self, journal: list[str], label: str) -> None:
        self.journal = journal
        self.label = label
        self.count = 0
        journal.append(f"new {label}")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError(f"{self.label} crashed")
        self.count += 1
        return self.count

    def seen(self) -> str:
        """Its siblings' states, as its hooks see them."""
        return " ".join(
            f"{shot.path.rpartition('/')[2]}:{shot.state}"
            for shot in sorted(snapshots(self.system), key=lambda shot: shot.path)
            if shot.path.startswith("/sup/") and shot.path != self.path
        )


class Stops(Bare):
    async def on_stop(self) -> None:
        self.journal.append(f"stop {self.label} | {self.seen()}")


class Starts(Bare):
    async def on_start(self) -> None:
        self.journal.append(f"start {self.label} | {self.seen()}")


class Both(Stops, Starts):
    pass


class Refuses(Bare):
    """Its `__init__` fails while `refusals` holds any."""

    def __init__(self, journal: list[str], label: str, refusals: list[int]) -> None:
        if refusals:
            refusals.pop()
            journal.append(f"refuse {label}")
            raise StartFailed(f"{label} cannot start")
        super().__init__(journal, label)


class Gated(Bare):
    """Its `on_stop` holds the restart until the test opens `gate`."""

    def __init__(
        self, journal: list[str], label: str, stopping: asyncio.Event, gate: asyncio.Event
    ) -> None:
        super().__init__(journal, label)
        self.stopping = stopping
        self.gate = gate

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.gate.wait()


class Agent(Bare):
    capabilities = ("work",)


async def group(system: ActorSystem, *children: ChildSpec, **options: Any) -> list[ActorRef]:
    strategy = OneForAll(max_restarts=100, within=1.0, **options)
    await system.spawn(Supervisor, list(children), strategy, name="sup")
    refs = [system.lookup(f"/sup/{child.name}") for child in children]
    assert all(refs)
    return [ref for ref in refs if ref is not None]


def spec(factory: type[Actor], journal: list[str], label: str, *args: Any) -> ChildSpec:
    return ChildSpec(factory, journal, label, *args, name=label)


async def test_idle_siblings_restart_without_a_round_trip_into_their_tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parked (b, c) or dormant (d, e): no signal is sent them, and each restarts once, its
    state fresh, counted by the metrics. Nor to the failed child, parked after its failure
    (`test_supervision_in_place_failed`)."""
    journal: list[str] = []
    called: list[str] = []
    call = Cell.call

    async def counting(cell: Cell, signal: Signal) -> None:
        called.append(cell.name)
        await call(cell, signal)

    async with asyncio.timeout(10), ActorSystem() as system:
        refs = await group(system, *(spec(Bare, journal, label) for label in "abcde"))
        a, b, c, d, e = refs
        assert [await b.ask("x"), await c.ask("x")] == [1, 1]
        monkeypatch.setattr(Cell, "call", counting)
        a.tell("crash")
        assert await a.ask("x") == 1
        assert await e.ask("x") == 1  # e starts last: answered once all restarted
        assert called == []
        monkeypatch.undo()
        assert [await ref.ask("x") for ref in (b, c, d)] == [1, 1, 1]
        assert [snapshot(ref).restarts for ref in refs] == [1] * 5
        assert [snapshot(ref).state for ref in refs] == ["running"] * 5
        assert sample(scraped(system), "actorkit_actor_restarts_total", actor_type="Bare") == 5
    assert journal == [f"new {label}" for label in "abcde" * 2]


async def test_idle_and_busy_siblings_stop_in_reverse_and_start_in_order() -> None:
    """Each sibling that needs its task (c's `on_stop`, d's `on_start`, both of a's) sees
    the idle ones (b, e) stopped and started at their own places in the order."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        kinds = {"a": Both, "b": Bare, "c": Stops, "d": Starts, "e": Bare}
        a, *_ = await group(system, *(spec(kind, journal, x) for x, kind in kinds.items()))
        journal.clear()
        a.tell("crash")
        assert await a.ask("x") == 1
        assert await system.ask("/sup/e", "x") == 1  # stopped before a started, e starts last
        restart = list(journal)
    r, s = "running", "restarting"
    assert restart == [
        f"stop c | a:suspended b:{r} d:{s} e:{s}",
        f"stop a | b:{s} c:{s} d:{s} e:{s}",
        "new a",
        f"start a | b:{s} c:{s} d:{s} e:{s}",
        "new b",
        "new c",
        "new d",
        f"start d | a:{r} b:{r} c:{r} e:{s}",
        "new e",
    ]


async def test_a_failing_init_holds_back_the_siblings_after_it() -> None:
    """b's `__init__` fails on restart: reported to the supervisor, whose next restart of
    all three comes before c's held-back start."""
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        a, b, c = await group(
            system,
            spec(Bare, journal, "a"),
            spec(Refuses, journal, "b", refusals),
            spec(Bare, journal, "c"),
        )
        journal.clear()
        refusals.append(1)
        a.tell("crash")
        assert await a.ask("x") == 1
        assert await c.ask("x") == 1  # stopped before a started, held back behind b
        assert journal == ["new a", "refuse b", "new a", "new b", "new c"]
        assert [snapshot(ref).restarts for ref in (a, b, c)] == [2, 1, 1]
        assert [snapshot(ref).failures for ref in (a, b, c)] == [1, 1, 0]


async def test_an_idle_agent_sibling_is_paused_then_takes_tasks_again() -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        a, agent = await group(system, spec(Bare, journal, "a"), spec(Agent, journal, "agent"))
        assert await (await system.submit("before")) == 1
        a.tell("crash")
        assert await a.ask("x") == 1
        assert await agent.ask("x") == 1  # stopped before a started: by the new instance
        assert await (await system.submit("after")) == 2
        (info,) = system.agents()
        assert info.restarts == 1
        assert [state for _, state in info.history] == [
            "idle",
            "busy",
            "idle",
            "restarting",
            "idle",
            "busy",
            "idle",
        ]


async def test_a_message_that_arrives_during_the_restart_waits_for_the_new_instance(
    clock: ManualClock,
) -> None:
    """Queued while b waits for its start, in its parked task: the start wakes it."""
    journal: list[str] = []
    stopping, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        a, b, c = await group(
            system,
            spec(Gated, journal, "a", stopping, gate),
            spec(Bare, journal, "b"),
            spec(Bare, journal, "c"),
        )
        assert [await b.ask("x"), await b.ask("x")] == [1, 2]
        a.tell("crash")
        await stopping.wait()  # b and c stopped already (reverse order), a's `on_stop` holds
        b.tell("y")
        asked = asyncio.ensure_future(b.ask("x"))
        await clock.settle()
        assert snapshot(b).state == "restarting"
        assert snapshot(b).accounting.queued == 2
        gate.set()
        assert await asked == 2  # "y" then "x", both by the new instance
        assert await c.ask("x") == 1


async def test_a_stop_during_the_restart_ends_the_sibling_and_a_restart_tells_no_watcher() -> None:
    journal: list[str] = []
    stopping, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        a, b, c = await group(
            system,
            spec(Gated, journal, "a", stopping, gate),
            spec(Bare, journal, "b"),
            spec(Bare, journal, "c"),
        )
        for ref in (b, c):
            await watcher.ask(ref)
        a.tell("crash")
        await stopping.wait()
        await b.stop()
        gate.set()
        assert await c.ask("x") == 1
        assert system.lookup("/sup/b") is None
        assert [snapshot(ref).restarts for ref in (a, c)] == [1, 1]
        ended = await probe.receive()
        assert ended.ref == b  # first: nothing came of c's restart
        await c.stop()
        ended = await probe.receive()
        assert ended.ref == c
        probe.expect_empty()
    assert journal.count("new b") == 1


async def test_a_backoff_delays_the_start_in_place(clock: ManualClock) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        a, b = await group(
            system,
            spec(Bare, journal, "a"),
            spec(Bare, journal, "b"),
            backoff=Backoff(min=1.0, max=1.0, jitter=0.0),
        )
        assert await b.ask("x") == 1
        a.tell("crash")
        await clock.settle()
        assert [snapshot(ref).state for ref in (a, b)] == ["restarting"] * 2
        for ref in (a, b):
            ref.tell("y")
        await clock.settle()
        assert [snapshot(ref).accounting.queued for ref in (a, b)] == [1, 1]
        await clock.advance(1.0)
        assert [await a.ask("x"), await b.ask("x")] == [2, 2]
        assert [snapshot(ref).restarts for ref in (a, b)] == [1, 1]
