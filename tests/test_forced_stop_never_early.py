"""A stop's timeout, a shutdown's and a supervisor's `shutdown` bound cut into a handler only
once the loop's clock has read their deadline. uvloop rounds a timer's delay to the nearest
millisecond, so an `asyncio.timeout` or a `call_at` left to it as it is cut handlers up to
half a millisecond before `loop.time()` read the deadline (half of the stops in a run of
twenty with sub-millisecond timeouts)."""

from __future__ import annotations

import asyncio
import random

from actorkit import Actor, ActorRef, ActorSystem, OneForAll

RUNS = 20


class Stuck(Actor):
    """Handles one message for ever; notes when it is cut."""

    def __init__(
        self, cuts: list[float], busy: asyncio.Event, cut: asyncio.Event | None = None
    ) -> None:
        self.cuts = cuts
        self.busy = busy
        self.cut = cut

    async def receive(self, message: object) -> None:
        if message == "fail":
            raise RuntimeError("failing, to have the sibling stopped")
        self.busy.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cuts.append(self.system.now())
            if self.cut is not None:
                self.cut.set()
            raise


def timeouts() -> list[float]:
    """A few milliseconds, at random points between two of uvloop's milliseconds."""
    rnd = random.Random(11)
    return [0.002 + rnd.random() / 1000 for _ in range(RUNS)]


async def stuck_in_a_handler(system: ActorSystem) -> tuple[ActorRef, list[float]]:
    """A `Stuck` actor in its handler, and the list its cut's time goes to."""
    cuts: list[float] = []
    busy = asyncio.Event()
    ref = await system.spawn(Stuck, cuts, busy)
    ref.tell("work")
    await busy.wait()
    return ref, cuts


def cut_before(cuts: list[float], due: float) -> list[float]:
    """How long before `due` the handler was cut, if it was (else nothing)."""
    assert cuts, "the handler was not cut"
    return [due - cuts[0]] if cuts[0] < due else []


async def test_a_stop_with_a_timeout_cuts_no_handler_before_it() -> None:
    early: list[float] = []
    async with asyncio.timeout(10), ActorSystem("stops", metrics=False) as system:
        for timeout in timeouts():
            ref, cuts = await stuck_in_a_handler(system)
            start = system.now()
            await ref.stop(timeout=timeout)
            early += cut_before(cuts, start + timeout)
    assert not early, f"{len(early)} of {RUNS} stops cut early, by up to {max(early):.6f}s"


async def test_a_shutdown_with_a_timeout_cuts_no_handler_before_it() -> None:
    early: list[float] = []
    async with asyncio.timeout(10):
        for timeout in timeouts():
            async with ActorSystem("shutdowns", metrics=False) as system:
                _, cuts = await stuck_in_a_handler(system)
                start = system.now()
                await system.shutdown(timeout=timeout)
            early += cut_before(cuts, start + timeout)
    assert not early, f"{len(early)} of {RUNS} shutdowns cut early, by up to {max(early):.6f}s"


class Parent(Actor):
    """Restarts both children when one fails, giving each `bound` seconds to stop."""

    def __init__(
        self, bound: float, cuts: list[float], busy: asyncio.Event, cut: asyncio.Event
    ) -> None:
        self.supervisor_strategy = OneForAll(max_restarts=1, within=60.0, shutdown=bound)
        self.cuts = cuts
        self.busy = busy
        self.cut = cut

    async def on_start(self) -> None:
        self.stuck = await self.spawn(Stuck, self.cuts, self.busy, self.cut)
        self.failing = await self.spawn(Stuck, [], asyncio.Event())

    async def receive(self, message: object) -> None:
        self.stuck.tell("work")
        await self.busy.wait()
        self.failing.tell("fail")


async def test_a_supervisors_shutdown_bound_cuts_no_handler_before_it() -> None:
    early: list[float] = []
    async with asyncio.timeout(10), ActorSystem("bounds", metrics=False) as system:
        for bound in timeouts():
            cuts: list[float] = []
            busy, cut = asyncio.Event(), asyncio.Event()
            parent = await system.spawn(Parent, bound, cuts, busy, cut)
            start = system.now()  # before the failure that starts the bound's wait
            parent.tell("go")
            await cut.wait()
            early += cut_before(cuts, start + bound)
            await parent.stop()
    assert not early, f"{len(early)} of {RUNS} bounds cut early, by up to {max(early):.6f}s"
