"""The kinds of exceptions user code raises, wherever it runs: exception groups (a handler's
own `TaskGroup` failing, or a group holding an exit or a cancellation), what Python turns
into something else (`StopIteration` in a coroutine), `RecursionError`, `MemoryError`,
`TimeoutError`, a `CancelledError` raised with no cancellation, errors whose cause chain is
a cycle, and whose traceback holds large frames."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import pathlib
import subprocess
import sys
import weakref
from typing import Any

import pytest
from prometheus_client import generate_latest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem, AskTimeout, OneForOne, Task
from actorkit._nats._frames import error_frame, rebuild_error
from actorkit._wire import Codec
from actorkit.nats import RemoteError

from .hardening_support import BOUND
from .invariants import assert_settled
from .test_hostile_objects import Stops


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


class ExitsOnStop(Actor):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def on_stop(self) -> None:
        raise self.error


async def in_on_stop(system: ActorSystem, group: BaseException) -> None:
    await (await system.spawn(ExitsOnStop, group, name="r")).stop()


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
    [
        in_a_handler,
        in_on_start_at_spawn,
        in_on_stop,
        in_a_pools_hash_key_under_a_timer,
        in_a_metrics_source,
    ],
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


def recurse(depth: int) -> int:
    return recurse(depth + 1)


async def recurse_awaiting(depth: int) -> int:
    return await recurse_awaiting(depth + 1)


async def recursion() -> None:
    recurse(0)


async def awaited_recursion() -> None:
    await recurse_awaiting(0)


def cause_cycle() -> BaseException:
    first, second = ValueError("first"), KeyError("second")
    first.__cause__, second.__cause__ = second, first
    first.__context__, second.__context__ = second, first
    return first


@pytest.mark.parametrize(
    ("raised", "answered"),
    [
        (recursion, RecursionError),
        (awaited_recursion, RecursionError),
        (MemoryError("raised by the handler, not exhaustion"), MemoryError),
        (StopAsyncIteration(), StopAsyncIteration),
        (GeneratorExit(), GeneratorExit),
        (cause_cycle(), ValueError),
    ],
    ids=[
        "recursion",
        "awaited_recursion",
        "MemoryError",
        "StopAsyncIteration",
        "GeneratorExit",
        "cause_cycle",
    ],
)
async def test_what_python_raises_in_a_handler_is_one_failure_answered_and_counted(
    raised: Any, answered: type[BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    """A handler's recursion overflowed deep down; the runtime handles the failure back in
    its own frame, with the stack unwound, and logs it once, as a cause chain that is a
    cycle too (logging walks it once)."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(answered):
                await ref.ask(raised)
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", answered.__name__) == 1
        assert system.failure is None
        await assert_settled(system)
    reports = [r for r in caplog.records if "failed handling" in r.getMessage()]
    assert len(reports) == 1 and "--- Logging error ---" not in caplog.text


async def stop_iteration_in_a_coroutine() -> None:
    raise StopIteration("turned into a RuntimeError by Python (PEP 479)")


async def test_a_stop_iteration_in_a_handler_reaches_its_asker_as_pythons_runtime_error() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(RuntimeError, match="coroutine raised StopIteration") as failed:
                await ref.ask(stop_iteration_in_a_coroutine)
            assert type(failed.value.__cause__) is StopIteration
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "RuntimeError") == 1


async def test_a_timeout_error_of_the_handlers_own_is_no_ask_timeout() -> None:
    """The asker can tell its own ask's timeout (`AskTimeout`) from the handler's failure."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        error = TimeoutError("the handler's own wait")
        async with asyncio.timeout(BOUND):
            with pytest.raises(TimeoutError) as failed:
                await ref.ask(error)
            assert failed.value is error and not isinstance(failed.value, AskTimeout)
            assert await ref.ask("after") == "after"  # the failure decided on, so counted
        labels = {"actor_type": "Raises", "outcome": "error"}
        assert system.metrics.registry.get_sample_value("actorkit_asks_total", labels) == 1
        labels["outcome"] = "timeout"
        assert system.metrics.registry.get_sample_value("actorkit_asks_total", labels) == 0
        assert failures(system, "Raises", "TimeoutError") == 1


async def test_a_cancelled_error_a_handler_raises_unasked_is_one_failure_accounted() -> None:
    """No cancellation was asked for: the actor restarts sane, the told message counted as
    the failure it caused, the ask's as its asker's `RuntimeError`."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            ref.tell(asyncio.CancelledError())
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(asyncio.CancelledError())
            assert await ref.ask("after") == "after"
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
        assert failures(system, "Raises", "RuntimeError") == 2
        assert system.dead_letters.count == 0
        await assert_settled(system)


class Big:
    """Stands for a large object a failing handler's frame holds."""


async def test_a_failure_keeps_no_frame_of_its_handler_alive_once_its_asker_lets_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing of the runtime's keeps a failure once it is reported (its crash report is a
    log record, kept only by a handler that keeps records: pytest's, turned off here)."""
    monkeypatch.setattr(logging.getLogger("actorkit"), "disabled", True)
    held: list[weakref.ref[Big]] = []

    async def holds_a_big_object() -> None:
        big = Big()
        held.append(weakref.ref(big))
        raise ValueError("fails holding it")

    class Agent(Actor):
        capabilities = ("holds",)

        async def receive(self, message: Any) -> Any:
            if isinstance(message, Task):
                await holds_a_big_object()
            return message

    async with ActorSystem(supervisor=OneForOne(max_restarts=10)) as system:
        ref = await system.spawn(Raises, name="r")
        agent = await system.spawn(Agent, name="agent")
        async with asyncio.timeout(BOUND):
            for _ in range(3):
                with pytest.raises(ValueError):
                    await ref.ask(holds_a_big_object)
                assert await ref.ask("after") == "after"
                handle = await system.submit("task", requires=("holds",))
                with pytest.raises(ValueError):
                    await handle
                del handle  # a task's handle keeps its traceback, as a future does
                assert await agent.ask("after") == "after"  # its failure decided on
        gc.collect()
        assert len(held) == 6 and [alive() for alive in held] == [None] * 6


OWNER = """
import asyncio, sys
import actorkit
from actorkit import Actor, ActorStopped, ActorSystem

class Exits(Actor):
    async def receive(self, message):
        sys.exit(4)

async def main():
    {body}
    return "returned"

{run}
"""
BODIES = {
    "async_with": """async with ActorSystem() as system:
        try:
            await (await system.spawn(Exits)).ask("go")
        except ActorStopped:
            pass""",
    "shutdown": """system = await ActorSystem().start()
    try:
        await (await system.spawn(Exits)).ask("go")
    except ActorStopped:
        await system.shutdown()""",
}
RUNS = {
    "asyncio_run": "asyncio.run(main())",
    "actorkit_run_asyncio": "actorkit.run(main(), uvloop=False)",
    "actorkit_run_uvloop": "actorkit.run(main())",
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("run", sorted(RUNS))
def test_an_exit_reaches_an_owner_whose_main_ends_with_the_shutdown(body: str, run: str) -> None:
    """Handed over from a loop callback in the turn the owner's main coroutine ended, the
    exit left the loop ahead of the stop `run_until_complete` had queued for that coroutine,
    which then stopped the runner's closing run: the process ended with `RuntimeError: Event
    loop stopped before Future completed` (uvloop: `Event loop is closed`), status 1, not 4.
    Its own process: the turns it depends on are a fresh interpreter's."""
    script = OWNER.format(body=BODIES[body], run=RUNS[run])
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 4, done.stderr[-2000:]
    assert "RuntimeError" not in done.stderr


async def awaits_what_someone_else_cancels() -> None:
    waited = asyncio.get_running_loop().create_future()
    waited.get_loop().call_soon(waited.cancel)  # another task's doing, say
    await waited


async def test_a_stray_cancellation_after_a_failed_task_group_is_still_a_failure() -> None:
    """`asyncio.TaskGroup` on Python 3.11 and 3.12 cancels its parent task when a child fails
    once the body has ended, and never uncancels it (3.13 does): the actor's task, one for
    its life, kept `cancelling() == 1`, so a later `CancelledError` the runtime did not ask
    for read as its own cancellation, and the actor stopped with no failure reported."""
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ExceptionGroup):
                await ref.ask(a_task_group_failing)
            assert await ref.ask("after") == "after"
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(awaits_what_someone_else_cancels)
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "RuntimeError") == 1


async def a_task_group_failing_caught() -> str:
    outcome = "not raised"
    try:
        await a_task_group_failing()
    except* ValueError:
        outcome = "caught"
    return outcome


@pytest.mark.xfail(
    sys.version_info < (3, 13),
    strict=True,
    raises=ActorStopped,
    reason="a handler that catches its failed TaskGroup's error returns normally: the runtime "
    "sees no failure, and reads the task's cancellation count on no message's path, so the "
    "count that TaskGroup left before Python 3.13 stays (README, 'What a failure is')",
)
async def test_a_stray_cancellation_after_a_task_group_failure_caught_is_still_a_failure() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            assert await ref.ask(a_task_group_failing_caught) == "caught"
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(awaits_what_someone_else_cancels)
            assert await ref.ask("after") == "after"


class NeedsTwo(Exception):
    """Raised as `NeedsTwo(order, why)`, its `args` only `(order,)`: it cannot be made again
    from them, as many exception classes with their own `__init__` cannot."""

    def __init__(self, order: int, why: str) -> None:
        super().__init__(order)
        self.why = why


class Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle Unpicklable")


@pytest.mark.parametrize(
    ("error", "arrives_as", "text"),
    [
        (ExceptionGroup("handler's group", [ValueError("v")]), "builtins.ExceptionGroup", None),
        (NeedsTwo(7, "reason"), f"{__name__}.NeedsTwo", "7"),
        (Unpicklable("u"), f"{__name__}.Unpicklable", "u"),
        (MemoryError("raised"), "builtins.MemoryError", "raised"),
        (ValueError(b"\xff", object()), ValueError, None),
        (RecursionError("maximum recursion depth exceeded"), RecursionError, None),
        (TimeoutError("the handler's own"), TimeoutError, "the handler's own"),
        (cause_cycle(), ValueError, "first"),
    ],
    ids=[
        "ExceptionGroup",
        "custom_init",
        "unpicklable",
        "MemoryError",
        "unencodable_args",
        "RecursionError",
        "TimeoutError",
        "cause_cycle",
    ],
)
def test_what_a_remote_asker_gets_for_each_kind_of_error(
    error: BaseException, arrives_as: str | type[BaseException], text: str | None
) -> None:
    """Only the allow-list is rebuilt, from plain arguments: any other class, whatever its
    `__init__` or pickling, arrives as `RemoteError` with its qualified name and text; a
    handler's own `TimeoutError` stays one, never the asker's `AskTimeout`."""
    codec = Codec()
    frame = codec.decode(codec.encode(error_frame(error)))
    rebuilt = rebuild_error(*frame[1:])
    if isinstance(arrives_as, str):
        assert type(rebuilt) is RemoteError and rebuilt.type_name == arrives_as
        if text is not None:
            assert rebuilt.message == text
    else:
        assert type(rebuilt) is arrives_as and not isinstance(rebuilt, AskTimeout)
        if text is not None:
            assert str(rebuilt) == text
