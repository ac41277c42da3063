"""Exits and cancellations inside exception groups, beyond `test_exception_kinds_*`: which exit
of a group the owner gets, what the asker is told, a group shared by its branches, an exit in
a group raised where no loop runs, and the counts failed task groups leave (Python < 3.13)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from prometheus_client import generate_latest

import actorkit
from actorkit import ActorStopped, ActorSystem
from actorkit._failure import leaves_of

from .exception_kinds_support import (
    Raises,
    a_task_group_failing,
    awaits_what_someone_else_cancels,
    failures,
)
from .hardening_support import BOUND


async def asks_then_waits(group: BaseExceptionGroup[BaseException], seen: list[Any]) -> None:
    async with ActorSystem("exiting") as system:
        ref = await system.spawn(Raises, name="r")
        try:
            await ref.ask(group)
        except ActorStopped as answered:
            seen.append(answered)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


def test_the_owner_gets_the_first_exit_of_a_group_and_the_asker_is_told_it_was_in_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Depth first, in the group's order: the exit a `TaskGroup` of the handler's would have
    raised first. The asker's `ActorStopped` says the exit came in a group."""
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    first, second = SystemExit(5), SystemExit(6)
    group = BaseExceptionGroup("outer", [BaseExceptionGroup("inner", [first]), second])
    seen: list[Any] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(asks_then_waits(group, seen), uvloop=False)
    assert exited.value is first
    (answered,) = seen
    assert "raised SystemExit in a BaseExceptionGroup: the actor system shuts down" in str(answered)
    assert answered.__cause__ is group


def test_a_group_shared_by_its_branches_is_walked_once() -> None:
    """A group held twice at each of n levels has 2**n paths to its one leaf: walked on each,
    twenty levels would hold a million leaves, forty more than memory."""
    leaf = ValueError("the only leaf")
    group: BaseExceptionGroup[BaseException] = BaseExceptionGroup("0", [leaf])
    for level in range(1, 4):
        group = BaseExceptionGroup(str(level), [group, group])
    assert leaves_of(group) == [leaf]


async def test_an_exit_in_a_group_raised_in_a_scrape_from_another_thread_is_that_thread_s() -> None:
    """Only the loop's thread can shut the system down: a registry scraped in another thread
    (a `prometheus_client` HTTP server's) gets the group its source raised, as it would a bare
    exit, and the system goes on."""
    group = BaseExceptionGroup("g", [ValueError("v"), SystemExit(3)])

    def source() -> Any:
        raise group

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        system.metrics.add_source(source)
        with pytest.raises(BaseExceptionGroup) as raised:
            await asyncio.to_thread(generate_latest, system.metrics.registry)
        assert raised.value is group
        ref = await system.spawn(Raises, name="after")
        assert await ref.ask("still running") == "still running"


async def two_task_groups_failing() -> None:
    """Each failing once its body ended: on Python 3.11 and 3.12 each leaves a cancellation
    count on the task, two in all."""
    try:
        await a_task_group_failing()
    except* ValueError:
        pass
    await a_task_group_failing()


async def test_every_count_failed_task_groups_left_is_taken_back() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Raises, name="r")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ExceptionGroup):
                await ref.ask(two_task_groups_failing)
            with pytest.raises(RuntimeError, match="CancelledError escape"):
                await ref.ask(awaits_what_someone_else_cancels)
            assert await ref.ask("after") == "after"
        assert failures(system, "Raises", "RuntimeError") == 1
