"""`KeyboardInterrupt` and `SystemExit` raised by an actor's code reach the program's owner,
as asyncio lets them out of the event loop, but only after the system has shut down in order:
every actor's `on_stop` runs, children before parents, nothing is restarted meanwhile, the
asker of the handler that raised gets `ActorStopped`, and no task is left with an exception
that nobody retrieved."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem


class Recorder(Actor):
    def __init__(self, stopped: list[str], child: bool = False) -> None:
        self.stopped = stopped
        self.child = child

    async def on_start(self) -> None:
        if self.child:
            await self.spawn(Recorder, self.stopped, name="leaf")

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


class Raiser(Recorder):
    """Raises `error` from the hook named `where`; counts its starts (no restart expected)."""

    def __init__(self, stopped: list[str], starts: list[int], where: str, error: Any) -> None:
        super().__init__(stopped)
        self.where = where
        self.error = error
        starts.append(1)

    async def on_start(self) -> None:
        if self.where == "on_start":
            raise self.error

    async def receive(self, message: Any) -> Any:
        raise self.error

    async def on_stop(self) -> None:
        await super().on_stop()
        if self.where == "on_stop":
            raise self.error


async def owner(
    where: str, error: BaseException, stopped: list[str], starts: list[int], asker: list[object]
) -> None:
    """Records what the asker of the raising hook got in `asker`: an assertion failing in
    here would be lost under the exit that leaves the loop after it."""
    async with ActorSystem("exiting") as system:
        await system.spawn(Recorder, stopped, True, name="first")
        await system.spawn(Recorder, stopped, name="second")
        spawning = system.spawn(Raiser, stopped, starts, where, error, name="raiser")
        try:
            raiser = await spawning
            if where == "on_stop":
                await raiser.stop()
            else:
                await raiser.ask("go")
        except BaseException as refused:
            asker.append(refused)
        async with asyncio.timeout(10):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize("where", ["receive", "on_start", "on_stop"])
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_raised_by_an_actor_shuts_the_system_down_in_order_then_reaches_the_owner(
    where: str, error: BaseException, uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    stopped: list[str] = []
    starts: list[int] = []
    asker: list[object] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(owner(where, error, stopped, starts, asker), uvloop=uvloop)
    assert exited.value is error
    if where == "on_stop":
        assert asker == []  # the stop itself succeeds
    else:
        (refused,) = asker
        assert type(refused) is ActorStopped
        assert str(refused).startswith(f"{where} of /raiser raised {type(error).__name__}")
        assert refused.__cause__ is error
    gc.collect()  # an exception left on a task would be reported now
    assert "never retrieved" not in caplog.text
    assert starts == [1]  # not restarted
    drained = [path for path in stopped if path != "/raiser"]
    assert drained == ["/second", "/first/leaf", "/first"]  # reverse start order, children first
    assert stopped.count("/raiser") == (where != "on_start")  # no on_stop without an on_start


class ExitsAtOnce(Actor):
    async def receive(self, message: Any) -> Any:
        raise SystemExit(4)


async def waits_for_the_shutdown() -> None:
    async with ActorSystem() as system:
        with pytest.raises(ActorStopped):
            await (await system.spawn(ExitsAtOnce)).ask("go")


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_the_owner_got_from_the_shutdown_it_waited_for_is_raised_once(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The end of `async with` waited for the shutdown the exit began, and raised the exit
    there. Raised again from the loop's callback once that shutdown ended, it cut the runner's
    close short, and the owner's task was left with an exception nobody retrieved."""
    with pytest.raises(SystemExit) as exited:
        actorkit.run(waits_for_the_shutdown(), uvloop=uvloop)
    assert exited.value.code == 4
    gc.collect()  # an exception left on a task would be reported now
    assert "never retrieved" not in caplog.text
