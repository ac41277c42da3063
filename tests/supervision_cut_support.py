"""What the tests of a supervisor's cut (a strategy's `shutdown` time, past which a child it stops
is cut) share: the bound, children that hang in a handler or in `on_stop` or swallow the cut,
and the helpers that start a supervisor of two children, wait for one to hang and cut it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, ChildSpec, Supervisor

from .supervision_support import Worker

BOUND = 0.05


class Hanging(Worker):
    """Its "hang" handler waits for an event nobody sets; so does `on_stop`, `hangs` times."""

    hangs = 0

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            await asyncio.Event().wait()
        if message == "time out inside":  # a handler's own timeout still works after a cut
            try:
                async with asyncio.timeout(0.001):
                    await asyncio.Event().wait()
            except TimeoutError:
                return "timed out"
        return await super().receive(message)

    async def on_stop(self) -> None:
        await super().on_stop()
        if type(self).hangs:
            type(self).hangs -= 1
            await asyncio.Event().wait()


class HangingOnStop(Hanging):
    """Its first `on_stop` never returns (`hangs = 1` in each test)."""


class HangingParent(Hanging):
    """A `Hanging` child with a child of its own whose first `on_stop` never returns."""

    async def on_start(self) -> None:
        await super().on_start()
        await self.spawn(HangingOnStop, self.journal, "grandchild", name="g")


class Swallowing(Worker):
    """Its "hang" handler swallows the cancellation that cuts it: `then` says what next."""

    then = "return"
    release = asyncio.Event()
    """With `then = "wait"`, it returns once this is set: until then the cut waits for its
    task to let go of the handler."""

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.journal.append(f"swallowed {self.label}")
                if self.then == "raise":
                    raise RuntimeError("cleanup failed") from None
                if self.then == "hang":
                    await asyncio.Event().wait()
                if self.then == "wait":
                    await type(self).release.wait()
            return "returned"
        if message == "foreign cancel":  # a failure, unless a cancellation is left pending
            cancelled = asyncio.get_running_loop().create_future()
            cancelled.cancel()
            await cancelled
        return await super().receive(message)


async def _children(system: ActorSystem, sup: Any, *names: str) -> list[Any]:
    refs = [system.lookup(f"{sup.path}/{name}") for name in names]
    assert all(ref is not None for ref in refs)
    return refs


async def _hung(journal: list[str], entry: str) -> None:
    """Until `entry` is in the journal (a handler began to hang): yields, never sleeps."""
    while entry not in journal:
        await asyncio.sleep(0)


async def _pair(system: ActorSystem, journal: list[str], cls: type, strategy: Any) -> Any:
    """A supervisor under `strategy` of a `Worker` "a" and a `cls` "b", started in that order."""
    sup = await system.spawn(
        Supervisor,
        [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(cls, journal, "b", name="b")],
        strategy,
    )
    a, b = await _children(system, sup, "a", "b")
    return sup, a, b


async def _cut_b(
    system: ActorSystem, journal: list[str], cls: type, strategy: Any, watcher: Any = None
) -> Any:
    """A supervisor of a `Worker` "a" and a `cls` "b" under `strategy`: "b" hangs in a handler
    (`watcher` watching it first, if given), "a" fails, and the cut answers the hung ask."""
    sup, a, b = await _pair(system, journal, cls, strategy)
    if watcher is not None:
        await watcher.ask(b)
    await _cut_while_hanging(journal, a, b)
    return sup, a, b


async def _cut_while_hanging(journal: list[str], a: Any, b: Any) -> None:
    """ "b" hangs in a handler, "a" fails, and the cut answers the hung ask."""
    cut = asyncio.create_task(b.ask("hang"))
    await _hung(journal, "hangs b")
    a.tell("crash")
    with pytest.raises(ActorStopped, match="shutdown time"):
        await cut
