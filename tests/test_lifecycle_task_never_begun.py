"""An actor whose task was made (a message woke it, dormant-born) but has yet to take its
first step: a task cancelled then runs none of its body. A supervisor's `brutal_kill` cut
that reaches it must still be carried out (the `Cut` is the first thing the task runs), and
a forced stop must leave nothing of the spawner's context held by the closed cell."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from collections.abc import Coroutine, Generator
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, OneForAll, Supervisor
from actorkit._outside_stop import kill
from actorkit.testing import snapshot

from .invariants import TaskSnapshot, assert_settled
from .test_eager_tasks import EAGER_MARKS, eager


class Idle(Actor):
    """No `on_start`, no `on_stop`: dormant-born, its task made by its first message."""

    async def receive(self, message: Any) -> Any:
        return message


class WakesItsSibling(Actor):
    """On "crash", has its sibling woken as it fails: just after (`later`), its task is made
    once the failure is reported, so it has yet to begin when its supervisor decides; just
    before, under a task factory, its task took its first step, a yield, and no more."""

    def __init__(self, sibling: list[Any], later: bool) -> None:
        self.sibling = sibling
        self.later = later

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            if self.later:
                asyncio.get_running_loop().call_soon(self.sibling[0].tell, "woken")
            else:
                self.sibling[0].tell("woken")
            raise RuntimeError("crash")
        return message


def plain(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
    """A task factory that makes the task `create_task` would: the loop's actors then take a
    first step that only yields (`_receive.run`)."""
    return asyncio.Task(coro, loop=loop, **options)


def wrapping(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
    """A task factory whose task runs `coro` inside a coroutine of its own, as one that
    instruments every task does: the actor's first step, a yield, is the wrapper's too."""

    async def wrapper() -> Any:
        return await coro

    return asyncio.Task(wrapper(), loop=loop, **options)


class Opaque(Coroutine[Any, Any, Any]):
    """A coroutine object of no native kind around the actor's, as a task factory may make
    one: nothing tells from outside whether the actor's coroutine took its first step."""

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro

    def send(self, value: Any) -> Any:
        return self._coro.send(value)

    def throw(self, error: Any, *rest: Any) -> Any:
        return self._coro.throw(error, *rest)

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._coro.__await__()


def opaque(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
    """A task factory whose task runs `coro` inside an `Opaque` coroutine."""
    return asyncio.Task(Opaque(coro), loop=loop, **options)


def task_factory(name: str) -> AbstractAsyncContextManager[None]:
    """The loop's task factory for the test: none, `plain`, `wrapping`, `opaque`, or the
    eager one."""
    if name == "none":
        return nullcontext()
    return eager({"plain": plain, "wrapping": wrapping, "opaque": opaque}.get(name))


WHENS = [
    pytest.param("none", True, id="made-after"),
    pytest.param("plain", False, id="first-step-taken"),
    pytest.param("wrapping", True, id="wrapped-made-after"),
    pytest.param("wrapping", False, id="wrapped-first-step-taken"),
    pytest.param("opaque", True, id="opaque-made-after"),
    pytest.param("opaque", False, id="opaque-first-step-taken"),
    pytest.param("eager", False, id="eager", marks=EAGER_MARKS),
]


@pytest.mark.parametrize(("factory", "later"), WHENS)
async def test_a_brutal_kill_restart_of_a_task_yet_to_begin_restarts_it(
    factory: str, later: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled before its first step, or at the yield a task factory's first step is, its
    task would run no `Cut`: it was abandoned past the grace (1 s) as if it ignored the cut,
    stopped for good, and its message lost."""
    on_uvloop = type(asyncio.get_running_loop()).__module__.startswith("uvloop")
    if factory == "eager" and on_uvloop and sys.version_info >= (3, 13):
        pytest.skip("uvloop passes eager_start=None, which 3.13.0's eager factory refuses")
    sibling: list[Any] = []
    tasks = TaskSnapshot()
    async with task_factory(factory), asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(WakesItsSibling, sibling, later, name="a"), ChildSpec(Idle, name="b")],
            OneForAll(shutdown=0),
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        sibling.append(b)
        a.tell("crash")
        async with asyncio.timeout(0.5):  # well within the grace a cut task is given
            assert await a.ask("restarted") == "restarted"
        assert b.is_alive and snapshot(b).restarts == 1
        assert snapshot(b).accounting.processed == 1  # "woken", by its new instance
        assert system.dead_letters.by_reason == {}
        await assert_settled(system)
    assert "ignored the cancellation" not in caplog.text
    await tasks.assert_no_leaks()


class Payload:
    """What the spawner's context holds: weakly referenced, to see it go."""


held: ContextVar[Payload] = ContextVar("held")


async def test_a_forced_stop_before_the_first_step_lets_the_spawner_s_context_go() -> None:
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        payload = Payload()
        gone = weakref.ref(payload)
        token = held.set(payload)
        ref = await system.spawn(Idle)
        held.reset(token)
        del payload
        cell = ref._cell
        ref.tell("wakes it")
        task = cell.task
        assert task is not None
        kill([cell])  # as past a stop's timeout, before its task began
        await asyncio.wait([task])
        del task
        await asyncio.sleep(0)  # the task's done callbacks, run in its context
        gc.collect()
        assert not ref.is_alive
        assert gone() is None  # the ref, still held, keeps no context alive
