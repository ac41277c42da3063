"""Once an actor's code has raised `KeyboardInterrupt` or `SystemExit`, nothing is restarted
until the program's owner gets it (docs/api.md §9): not the actor whose `on_stop` raised it
in the middle of its restart, nor a child whose failure its supervisor decides on only after
the exit began."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem


class Child(Actor):
    """Fails on "crash"; its `on_stop` raises `exit` if given one. Counts its instances."""

    def __init__(self, starts: list[int], exit: BaseException | None = None) -> None:
        self.exit = exit
        starts.append(1)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        if isinstance(message, BaseException):
            raise message
        return message

    async def on_stop(self) -> None:
        if self.exit is not None:
            raise self.exit


async def exit_in_on_stop_of_a_restart(starts: list[int], error: BaseException) -> None:
    async with ActorSystem("exiting") as system:
        child = await system.spawn(Child, starts, error, name="child")
        child.tell("crash")  # the root restarts it: its `on_stop` raises the exit
        async with asyncio.timeout(10):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


async def failure_decided_after_the_exit(starts: list[int], error: BaseException) -> None:
    async with ActorSystem("exiting") as system:
        child = await system.spawn(Child, starts, name="child")
        other = await system.spawn(Child, [], name="other")
        # The child's report reaches the root, queued behind the other's exit: the root
        # decides on the failure once the program exits.
        child.tell("crash")
        other.tell(error)
        async with asyncio.timeout(10):
            await asyncio.Event().wait()


@pytest.mark.parametrize("scenario", [exit_in_on_stop_of_a_restart, failure_decided_after_the_exit])
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
def test_nothing_is_restarted_once_the_program_exits(scenario: Any, error: BaseException) -> None:
    starts: list[int] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(scenario(starts, error), uvloop=False)
    assert exited.value is error
    assert starts == [1]  # not restarted
