"""Promises that held under an outside hunt (docs/api.md §3, §9 "Supervision"): the decider's
most specific class by the exception's MRO, for `BaseException` subclasses, multiple
inheritance and exception groups alike; siblings held back behind a failed restart start
once that failure is decided, and an outside stop of one of them, or of the child whose
`on_start` fails, ends it for good without hanging or counting a restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, OneForAll, OneForOne, Supervisor
from actorkit.testing import ManualClock

from .supervision_support import Refusing, StartFailed, Worker


class Abort(BaseException):
    """Not an `Exception`, and neither `KeyboardInterrupt` nor `SystemExit`: a failure."""


class AppError(Exception):
    pass


class Both(KeyError, AppError):
    """MRO: Both, KeyError, LookupError, AppError, Exception."""


@pytest.mark.parametrize(
    ("error", "directive"),
    [
        (Abort("x"), "resume"),
        (Both("x"), "stop"),  # LookupError comes before AppError in its MRO
        (AppError("x"), "escalate"),
        (ExceptionGroup("g", [AppError("x")]), "stop"),  # its class, not what it holds
        (BaseExceptionGroup("g", [Abort("x")]), "stop"),
        (ValueError("x"), "restart"),
    ],
)
def test_the_first_class_of_the_error_s_mro_in_the_decider_wins(
    error: BaseException, directive: str
) -> None:
    decider: dict[type[BaseException], Any] = {
        Abort: "resume",
        LookupError: "stop",
        AppError: "escalate",
        Exception: "restart",
        BaseExceptionGroup: "stop",
    }
    assert OneForOne(decider=decider).directive(error) == directive


async def test_a_base_exception_subclass_is_resumed_as_its_decider_says(
    clock: ManualClock,
) -> None:
    class Counting(Actor):
        def __init__(self) -> None:
            self.handled = 0

        async def receive(self, message: Any) -> Any:
            if isinstance(message, BaseException):
                raise message
            self.handled += 1
            return self.handled

    strategy = OneForOne(max_restarts=0, decider={Abort: "resume"})
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Counting, name="w")
        assert await ref.ask("one") == 1
        with pytest.raises(Abort):
            await ref.ask(Abort("handler"))
        assert await ref.ask("two") == 2  # the same instance: no restart (none allowed)


def three(journal: list[str], refusals: list[int]) -> list[ChildSpec]:
    return [
        ChildSpec(Worker, journal, "x", name="x"),
        ChildSpec(Refusing, journal, refusals, name="a"),
        ChildSpec(Worker, journal, "b", name="b"),
    ]


async def test_siblings_held_back_by_a_start_decided_stop_start_once(clock: ManualClock) -> None:
    """x fails; in the restart a's `on_start` fails and its decider says "stop": b, held back
    behind it, starts then, once."""
    journal: list[str] = []
    refusals: list[int] = []
    strategy = OneForAll(max_restarts=1, within=60.0, decider={StartFailed: "stop"})
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        s = await system.spawn(Supervisor, three(journal, refusals), strategy, name="s")
        x, b = system.lookup("/s/x"), system.lookup("/s/b")
        assert x is not None and b is not None
        journal.clear()
        refusals.append(1)
        x.tell("crash")
        await clock.settle()
        assert journal == ["stop b", "stop x", "start x", "a refuses to start", "start b"]
        assert system.lookup("/s/a") is None and s.is_alive
        assert await b.ask("here") == "here"


class Mid(Actor):
    """Escalates a failed start of `a` (the parent `Top` is busy meanwhile)."""

    supervisor_strategy = OneForAll(decider={StartFailed: "escalate"})

    def __init__(self, journal: list[str], refusals: list[int]) -> None:
        self.journal = journal
        self.refusals = refusals

    async def on_start(self) -> None:
        await self.spawn(Refusing, self.journal, self.refusals, name="a")
        await self.spawn(Worker, self.journal, "b", name="b")


class Top(Actor):
    """Resumes `Mid`'s escalation, once its handler let go: `gate` holds it."""

    supervisor_strategy = OneForOne(decider={StartFailed: "resume"})

    def __init__(self, journal: list[str], refusals: list[int], gate: asyncio.Event) -> None:
        self.journal = journal
        self.refusals = refusals
        self.gate = gate

    async def on_start(self) -> None:
        await self.spawn(Mid, self.journal, self.refusals, name="m")

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()


async def test_a_held_back_sibling_stopped_from_outside_stops_at_once_for_good(
    clock: ManualClock,
) -> None:
    journal: list[str] = []
    refusals: list[int] = []
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        top = await system.spawn(Top, journal, refusals, gate, name="t")
        top.tell("hold")
        a, b = system.lookup("/t/m/a"), system.lookup("/t/m/b")
        assert a is not None and b is not None
        await clock.settle()
        journal.clear()
        refusals.append(1)
        a.tell("crash")  # a's restart start fails: b waits for t's decision, t is busy
        await clock.settle()
        asked = asyncio.ensure_future(b.ask("waiting"))
        await clock.settle()
        await asyncio.wait_for(b.stop(), 1)
        assert not b.is_alive
        with pytest.raises(Exception, match="stopped before handling"):
            await asked
        gate.set()
        await clock.settle()
        assert journal == ["stop b", "a refuses to start"]  # b never started again
        assert system.lookup("/t/m") is not None and system.lookup("/t/m/b") is None


async def test_an_outside_stop_of_a_child_whose_restart_start_then_fails_counts_nothing(
    clock: ManualClock,
) -> None:
    """a's `on_start` hangs in x's restart; a is stopped from outside meanwhile, then its
    `on_start` fails: it ends for good, no restart is counted for that failure (the one
    restart allowed was x's), and b starts after it."""
    journal: list[str] = []
    release = asyncio.Event()
    starts: list[int] = []

    class Slow(Actor):
        async def on_start(self) -> None:
            starts.append(1)
            if len(starts) > 1:  # not at the first start
                journal.append("a starting")
                await release.wait()
                raise StartFailed("a cannot start")

    children = [
        ChildSpec(Worker, journal, "x", name="x"),
        ChildSpec(Slow, name="a"),
        ChildSpec(Worker, journal, "b", name="b"),
    ]
    strategy = OneForAll(max_restarts=1, within=60.0)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        s = await system.spawn(Supervisor, children, strategy, name="s")
        x, a = system.lookup("/s/x"), system.lookup("/s/a")
        assert x is not None and a is not None
        x.tell("crash")
        await clock.settle()
        stopping = asyncio.ensure_future(a.stop())
        await clock.settle()
        release.set()
        await asyncio.wait_for(stopping, 1)
        await clock.settle()
        assert not a.is_alive and s.is_alive
        assert journal[-2:] == ["a starting", "start b"]
