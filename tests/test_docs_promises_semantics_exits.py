"""Promises of docs/api.md section 9 ("Precise semantics") about the way out: what leaving
`async with` does when the body raises after the system failed (an exit is not replaced, an
error of the body's own is the context of `SystemFailed`), which of two exits raised by actors
reaches the owner, and an owner that returns before the shutdown ends still gets the exit."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, OneForOne, SystemFailed

from .docs_promises_support import BOUND


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError(f"{message} on purpose")


async def fail_the_root(system: ActorSystem) -> None:
    """Makes the root give up at once, then waits until the system has failed."""
    (await system.spawn(Failing)).tell("crash")
    while system.failure is None:
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    "exit_error", [KeyboardInterrupt(), SystemExit(3), asyncio.CancelledError()], ids=repr
)
async def test_an_exit_leaving_async_with_after_a_root_failure_is_not_replaced(
    exit_error: BaseException,
) -> None:
    """An exit (Ctrl-C, `sys.exit(3)`, a cancellation) is the program's way out, as a
    `TaskGroup` lets a `KeyboardInterrupt` through over its children's errors: turned into
    `SystemFailed` it would change the exit status or hide a cancellation from
    `asyncio.timeout` and `TaskGroup`. The failure is logged when it happens."""
    caught: BaseException | None = None
    async with asyncio.timeout(BOUND):
        try:
            async with ActorSystem("exits", supervisor=OneForOne(max_restarts=0)) as system:
                await fail_the_root(system)
                raise exit_error
        except BaseException as error:
            caught = error
    assert caught is exit_error
    assert isinstance(system.failure, BaseException)


async def test_a_body_error_after_a_root_failure_is_the_context_of_system_failed() -> None:
    """An error of the body's own still gives way to `SystemFailed` (the contract: the
    system failed), but is kept as its `__context__`, so the traceback shows both."""
    mine = LookupError("the body's own")
    async with asyncio.timeout(BOUND):
        with pytest.raises(SystemFailed) as raised:
            async with ActorSystem("errors", supervisor=OneForOne(max_restarts=0)) as system:
                await fail_the_root(system)
                raise mine
    assert raised.value.__context__ is mine
    assert raised.value.__cause__ is system.failure


class Exits(Actor):
    def __init__(self, raised: list[str]) -> None:
        self.raised = raised

    async def receive(self, message: Any) -> Any:
        self.raised.append(type(message).__name__)
        raise message


async def two_exits(seen: list[BaseException], raised: list[str]) -> None:
    async with ActorSystem("exiting", metrics=False) as system:
        first = await system.spawn(Exits, raised)
        second = await system.spawn(Exits, raised)
        first.tell(SystemExit(4))
        second.tell(KeyboardInterrupt())  # handled while the first exit shuts the system down
        try:
            async with asyncio.timeout(BOUND):
                await asyncio.Event().wait()  # only the exit ends the owner's wait
        except BaseException as error:
            seen.append(error)
            raise


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_only_the_first_exit_raised_by_actors_reaches_the_owner(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[BaseException] = []
    raised: list[str] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(two_exits(seen, raised), uvloop=uvloop)
    assert raised == ["SystemExit", "KeyboardInterrupt"]
    assert exited.value.code == 4
    assert not any(isinstance(error, TimeoutError) for error in seen)  # not the bound's end
    assert "KeyboardInterrupt" not in repr(seen)


class ExitsOrHolds(Actor):
    """Raises `SystemExit(6)` on "exit"; holds on any other message (an `Event` it sets) for
    ever, so the shutdown's drain cannot end before the owner's coroutine does."""

    def __init__(self, stopped: list[Any], gone: asyncio.Event) -> None:
        self.stopped = stopped
        self.gone = gone

    async def receive(self, message: Any) -> Any:
        if message == "exit":
            raise SystemExit(6)
        self.stopped.append(asyncio.current_task())
        message.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.stopped.append(self.path)
        self.gone.set()


async def returns_before_the_shutdown_ends(stopped: list[Any], seen: list[Any]) -> str:
    system = await ActorSystem("exiting", metrics=False).start()
    seen.append(asyncio.get_running_loop())
    seen.append((await system.serve_http(port=0)).port)
    gone = asyncio.Event()
    held = await system.spawn(ExitsOrHolds, stopped, asyncio.Event(), name="held")
    entered = asyncio.Event()
    held.tell(entered)
    await entered.wait()
    (await system.spawn(ExitsOrHolds, stopped, gone, name="exits")).tell("exit")
    await gone.wait()  # the actor that raised it has stopped; the drain of "held" goes on
    return "returned"


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_owner_returning_before_the_shutdown_ends_still_gets_the_exit(uvloop: bool) -> None:
    """`asyncio.run` raises it all the same when it cancels what is left, which cuts the
    drain short: the held actor's `on_stop` runs in its cancelled task. The closing still
    ends before the exit leaves the loop: the HTTP endpoint no longer listens, and no task
    is left for the collector to close outside any loop."""
    stopped: list[Any] = []
    seen: list[Any] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(returns_before_the_shutdown_ends(stopped, seen), uvloop=uvloop)
    assert exited.value.code == 6
    _held_task, *stops = stopped
    assert stops == ["/exits", "/held"]
    loop, port = seen
    assert [task for task in asyncio.all_tasks(loop) if not task.done()] == []
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
