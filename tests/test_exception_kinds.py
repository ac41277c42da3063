"""The kinds of exceptions user code raises, wherever it runs: exception groups (a handler's
own `TaskGroup` failing, or a group holding an exit or a cancellation), what Python turns
into something else (`StopIteration` in a coroutine), `RecursionError`, `MemoryError`,
`TimeoutError`, a `CancelledError` raised with no cancellation, errors whose cause chain is
a cycle, and whose traceback holds large frames."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from prometheus_client import generate_latest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem

from .hardening_support import BOUND


def failures(system: ActorSystem, kind: str, exception: str) -> float | None:
    labels = {"actor_type": kind, "exception": exception}
    return system.metrics.registry.get_sample_value("actorkit_actor_failures_total", labels)


class Raises(Actor):
    """Raises what it is sent, or runs the coroutine function it is sent."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, BaseException):
            raise message
        if callable(message):
            return await message()
        return message


class Stops(Actor):
    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


async def a_task_group_failing() -> None:
    async def fails() -> None:
        raise ValueError("a child of the handler's task group")

    async with asyncio.TaskGroup() as group:
        group.create_task(fails())


async def test_a_handlers_task_group_failing_is_one_failure_its_asker_gets() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ExceptionGroup) as failed:
                await ref.ask(a_task_group_failing)
            (child,) = failed.value.exceptions
            assert type(child) is ValueError
            assert await ref.ask("after") == "after"  # restarted, as for any failure
        assert failures(system, "Raises", "ExceptionGroup") == 1


@pytest.mark.parametrize(
    "group",
    [
        BaseExceptionGroup("g", [asyncio.CancelledError()]),
        BaseExceptionGroup("g", [ValueError("v"), asyncio.CancelledError()]),
        BaseExceptionGroup("g", [GeneratorExit()]),
    ],
    ids=repr,
)
async def test_a_group_holding_no_exit_is_a_failure_its_asker_gets_as_it_is(
    group: BaseExceptionGroup[BaseException],
) -> None:
    """Not a cancellation the runtime asked for, which would propagate bare: the actor's own."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(BaseExceptionGroup) as failed:
                await ref.ask(group)
            assert failed.value is group
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "BaseExceptionGroup") == 1
        assert system.failure is None


@pytest.mark.parametrize("cleanup", [None, ValueError("cleanup")], ids=["alone", "with_an_error"])
async def test_a_forced_stop_a_handler_wraps_in_a_group_is_still_a_stop(
    cleanup: Exception | None,
) -> None:
    """A handler that wraps the runtime's cancellation in a group is stopped as asked: the
    stop goes on, nothing restarts, the ask is answered stopped. A group of that cancellation
    alone is the cancellation, no failure; an error beside it (a cleanup that failed) is
    logged and counted, as one raised bare in that cleanup is."""
    entered = asyncio.Event()

    class Wraps(Actor):
        async def receive(self, message: Any) -> Any:
            try:
                entered.set()
                await asyncio.Event().wait()
            except asyncio.CancelledError as cancelled:
                errors = [cancelled] if cleanup is None else [cancelled, cleanup]
                raise BaseExceptionGroup("cleanup", errors) from None

    async with ActorSystem() as system:
        ref = await system.spawn(Wraps, name="w")
        async with asyncio.timeout(BOUND):
            asked = asyncio.ensure_future(ref.ask("hold"))
            await entered.wait()
            await ref.stop(timeout=0)
            with pytest.raises(ActorStopped):
                await asked
        assert system.lookup("/w") is None
        counted = failures(system, "Wraps", "BaseExceptionGroup")
        assert counted == (None if cleanup is None else 1)
        assert system.dead_letters.by_reason == {"stopping": 1}
        assert system.failure is None


def group_of(exit: BaseException) -> BaseExceptionGroup[BaseException]:
    """`exit` nested in a group beside an error, as a task group of task groups gathers it."""
    inner = BaseExceptionGroup("inner", [KeyError("k"), exit])
    return BaseExceptionGroup("outer", [ValueError("v"), inner])


class ExitsOnStart(Actor):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def on_start(self) -> None:
        raise self.error


async def in_a_handler(system: ActorSystem, group: BaseException) -> None:
    ref = await system.spawn(Raises, name="r")
    await ref.ask(group)


async def in_on_start_at_spawn(system: ActorSystem, group: BaseException) -> None:
    await system.spawn(ExitsOnStart, group, name="r")


async def in_a_pools_hash_key_under_a_timer(system: ActorSystem, group: BaseException) -> None:
    pool = await system.spawn_pool(
        Raises, size=2, routing="consistent_hash", hash_key=raise_it, name="p"
    )
    system.schedule_once(0.0, pool, group)


async def in_a_metrics_source(system: ActorSystem, group: BaseException) -> None:
    def source() -> Any:
        raise group

    system.metrics.add_source(source)
    generate_latest(system.metrics.registry)  # the scrape is served


def raise_it(message: object) -> object:
    if isinstance(message, BaseException):
        raise message
    return message


async def exit_in_a_group(
    where: Any, error: BaseException, stopped: list[str], seen: list[object]
) -> None:
    async with ActorSystem("exiting") as system:
        await system.spawn(Stops, stopped, name="other")
        group = group_of(error)
        seen.append(group)
        try:
            await where(system, group)
        except BaseException as answered:
            seen.append(answered)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize(
    "where",
    [in_a_handler, in_on_start_at_spawn, in_a_pools_hash_key_under_a_timer, in_a_metrics_source],
)
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_in_a_group_reaches_the_owner_after_an_orderly_shutdown(
    where: Any, error: BaseException, uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """As `asyncio.TaskGroup` raises a child's exit bare, not in its group: the exit is the
    owner's, and a group is no exit asyncio would let out of the loop. Taken for a failure,
    the actor was restarted and the program ran on."""
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    stopped: list[str] = []
    seen: list[Any] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(exit_in_a_group(where, error, stopped, seen), uvloop=uvloop)
    assert exited.value is error
    group, *answered = seen
    if where in (in_a_handler, in_on_start_at_spawn):  # the others have nobody to answer
        (stopped_error,) = answered
        assert type(stopped_error) is ActorStopped and stopped_error.__cause__ is group
    else:
        assert answered == []
    assert stopped == ["/other"]
