"""`await system.wait_stopped()` after an actor raised `KeyboardInterrupt` or `SystemExit`: it
raises that exit in the waiter's task once the orderly shutdown ends, as `shutdown()` does for
an owner that waits for it (docs/api.md §1). It returned normally, and the exit left the loop
from a callback a moment later: a program that went on after the wait (a web app marking
itself stopped, then serving on) ran on with its exit pending."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem

BOUND = 10.0


class Exiting(Actor):
    def __init__(self, error: BaseException, stopped: list[str]) -> None:
        self.error, self.stopped = error, stopped

    async def receive(self, message: Any) -> Any:
        raise self.error

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


async def owner(error: BaseException, stopped: list[str], seen: list[object]) -> None:
    """What the wait ended with goes in `seen`: an assertion failing in here would be lost
    under the exit that leaves the loop after it."""
    system = ActorSystem("exiting")
    async with asyncio.timeout(BOUND):
        await system.start()
        await system.spawn(Exiting, error, stopped, name="other")
        exiting = await system.spawn(Exiting, error, stopped, name="exiting")
        with contextlib.suppress(ActorStopped):
            await exiting.ask("go")
        try:
            await system.wait_stopped()
        except BaseException as raised:
            seen.append(raised)
            seen.append(list(stopped))  # the shutdown had ended: every on_stop ran
            raise
        seen.append("returned")
        await asyncio.Event().wait()  # only the exit, from the loop's callback, ends it


@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_the_waiter_gets_the_exit_once_the_shutdown_ended(
    error: BaseException, uvloop: bool
) -> None:
    stopped: list[str] = []
    seen: list[object] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(owner(error, stopped, seen), uvloop=uvloop)
    assert exited.value is error
    assert seen[0] is error
    assert seen[1:] == [["/exiting", "/other"]] or seen[1:] == [["/other", "/exiting"]]
