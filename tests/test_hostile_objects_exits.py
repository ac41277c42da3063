"""`SystemExit` and `KeyboardInterrupt` raised by user code the runtime calls (an actor's
`__init__`, a pool's `hash_key` under a timer, a decider, a metrics source): each reaches the
owner of `actorkit.run` after an orderly shutdown, on asyncio and on uvloop, and fails nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, NoReturn

import pytest
from prometheus_client import generate_latest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem, OneForOne

from .hardening_support import BOUND
from .hostile_objects_support import Fails, Stops, key_or_raise, source_raising


class ExitsInInit(Actor):
    def __init__(self, error: BaseException) -> None:
        raise error


async def exit_in_init(error: BaseException, stopped: list[str], seen: list[object]) -> None:
    async with ActorSystem("exiting", metrics=False) as system:
        await system.spawn(Stops, stopped, name="other")
        try:
            await system.spawn(ExitsInInit, error, name="exits")
        except BaseException as refused:
            seen.append(refused)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


async def exit_in_hash_key_under_a_timer(
    error: BaseException, stopped: list[str], seen: list[object]
) -> None:
    async with ActorSystem("exiting", metrics=False) as system:
        await system.spawn(Stops, stopped, name="other")
        pool = await system.spawn_pool(
            Stops, stopped, size=1, routing="consistent_hash", hash_key=key_or_raise, name="p"
        )
        system.schedule_once(0.0, pool, error)
        seen.append(system.dead_letters)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()


@pytest.mark.parametrize("where", [exit_in_init, exit_in_hash_key_under_a_timer])
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_from_init_or_a_timers_hash_key_reaches_the_owner_after_an_orderly_shutdown(
    where: Any, error: BaseException, uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    stopped: list[str] = []
    seen: list[Any] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(where(error, stopped, seen), uvloop=uvloop)
    assert exited.value is error
    (outcome,) = seen
    if where is exit_in_init:
        assert type(outcome) is ActorStopped and outcome.__cause__ is error
        assert stopped == ["/other"]
    else:
        assert outcome.by_reason == {"undeliverable": 1}  # the tick, kept
        assert stopped == ["/p/0", "/other"]  # drained in order, not cancelled by the loop's end


def exits(error: BaseException) -> NoReturn:
    raise SystemExit(5)


async def exit_in_a_decider(stopped: list[str], seen: list[object]) -> None:
    system = ActorSystem("exiting", metrics=False, supervisor=OneForOne(decider=exits))
    seen.append(system)
    async with system:
        await system.spawn(Stops, stopped, name="other")
        ref = await system.spawn(Fails, name="fails")
        with pytest.raises(ValueError):
            await ref.ask(ValueError("decided on by a decider that exits"))
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_raised_by_a_decider_stops_the_child_and_fails_nothing(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Taken as the decider's failure, it escalated: past the root, the system failed as
    well, and the owner's `async with` raised `SystemFailed` against the exit, which asyncio
    reported as an unhandled exception."""
    stopped: list[str] = []
    seen: list[Any] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(exit_in_a_decider(stopped, seen), uvloop=uvloop)
    assert exited.value.code == 5
    (system,) = seen
    assert system.failure is None
    assert stopped == ["/other"]
    assert "unhandled exception" not in caplog.text
    assert "supervisor decided: stop (shutting down)" in caplog.text


async def exit_in_a_metrics_source(stopped: list[str], seen: list[object]) -> None:
    async with ActorSystem("exiting") as system:
        await system.spawn(Stops, stopped, name="other")
        system.metrics.add_source(source_raising(SystemExit(7)))
        seen.append(generate_latest(system.metrics.registry))  # the scrape is served
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_raised_by_a_metrics_source_reaches_the_owner_after_an_orderly_shutdown(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    stopped: list[str] = []
    seen: list[object] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(exit_in_a_metrics_source(stopped, seen), uvloop=uvloop)
    assert exited.value.code == 7
    assert len(seen) == 1
    assert stopped == ["/other"]
