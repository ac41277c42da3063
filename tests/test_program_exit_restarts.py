"""Once an actor's code has raised `KeyboardInterrupt` or `SystemExit`, nothing is restarted
until the program's owner gets it (docs/api.md §9): not the actor whose `on_stop` raised it
in the middle of its restart, nor a child whose failure its supervisor decides on only after
the exit began, nor the siblings after one whose `__init__` raised it as its supervisor made
its new instance in place (`_restart_steps`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, ChildSpec, OneForAll, Supervisor


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


class ExitsOnRestart(Actor):
    """No hook, so its supervisor makes its new instances; the second raises `exit`."""

    def __init__(self, made: list[int], exit: BaseException) -> None:
        made.append(1)
        if len(made) > 1:
            raise exit


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


async def exit_in_init_of_a_group_restart(starts: list[int], error: BaseException) -> None:
    async with ActorSystem("exiting") as system:
        team = [
            ChildSpec(Child, [], name="a"),
            ChildSpec(ExitsOnRestart, [], error, name="b"),
            ChildSpec(Child, starts, name="c"),  # held back behind b's failed start
        ]
        await system.spawn(Supervisor, team, OneForAll(), name="team")
        crashes = system.lookup("/team/a")
        assert crashes is not None
        crashes.tell("crash")
        async with asyncio.timeout(10):
            await asyncio.Event().wait()


def run_to_exit(scenario: Any, error: BaseException) -> list[int]:
    """Run `scenario` until its exit reaches the owner; the starts it counted."""
    starts: list[int] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(scenario(starts, error), uvloop=False)
    assert exited.value is error
    return starts


@pytest.mark.parametrize("scenario", [exit_in_on_stop_of_a_restart, failure_decided_after_the_exit])
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
def test_nothing_is_restarted_once_the_program_exits(scenario: Any, error: BaseException) -> None:
    assert run_to_exit(scenario, error) == [1]  # not restarted


@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
def test_an_exit_from_a_new_instance_s_init_stops_it_and_holds_back_the_rest(
    error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    """Reported as b's failure (the crash report names it, and its stop), not its
    supervisor's: the factory ran in the supervisor's task."""
    assert run_to_exit(exit_in_init_of_a_group_restart, error) == [1]  # c: not restarted
    reports = [
        (record.actor_path, record.directive)  # type: ignore[attr-defined]
        for record in caplog.records
        if hasattr(record, "directive")
    ]
    assert reports == [("/team/a", "restart"), ("/team/b", "stop (shutting down)")]
