"""Integer options take any integer, not only a built-in int: numpy's int64, or any
`numbers.Integral`, is converted to a plain int where it is given; a bool stays refused, and
so is a value with `__index__` whose type does not say it is an integer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, Task
from actorkit._http_auth import check_address
from actorkit.persistence import EventSourced

from .int_like_support import Index
from .tasks_support import Echo


def integers() -> list[Any]:
    made: list[Any] = [Index(3)]
    try:
        import numpy
    except ImportError:
        return made
    return [*made, numpy.int64(3), numpy.uint8(3)]


class Ranks(Actor):
    """An agent that reports the priority its task arrived with."""

    capabilities = ("ranks",)

    async def receive(self, message: Task) -> tuple[type, int]:
        return type(message.priority), message.priority


INTEGERS = pytest.mark.parametrize("three", integers(), ids=lambda v: type(v).__name__)


@INTEGERS
async def test_a_task_takes_an_integer_priority_and_retries_as_plain_ints(three: Any) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(Ranks)
        handle = await system.submit("x", requires=["ranks"], priority=three, retries=three)
        assert await handle == (int, 3)


@INTEGERS
async def test_spawn_takes_an_integer_mailbox_size_and_pool_size(three: Any) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Echo, mailbox_size=three)
        assert ref is not None
        pool = await system.spawn_pool(Echo, size=three, mailbox_size=three)
        assert len(pool.members) == 3


@INTEGERS
async def test_timeouts_and_supervision_take_integers(three: Any) -> None:
    strategy = OneForOne(max_restarts=three, within=three)
    assert (type(strategy.max_restarts), type(strategy.within)) == (int, int)
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Echo)
        await ref.ask("ping", timeout=three)
    assert check_address("127.0.0.1", three) == ("127.0.0.1", 3)


@INTEGERS
def test_snapshot_every_takes_an_integer(three: Any) -> None:
    class Counted(EventSourced):
        snapshot_every = three

        def apply(self, event: object) -> None:
            pass

    assert type(Counted.snapshot_every) is int and Counted.snapshot_every == 3


async def test_a_bool_and_a_float_are_still_refused_saying_what_is_taken() -> None:
    class Flag(Index):
        def __index__(self) -> int:
            raise TypeError("not an index")

    async with asyncio.timeout(10), ActorSystem() as system:
        bad: Any
        for bad in (True, 2.0, Flag(1)):
            with pytest.raises(TypeError, match=r"priority must be an int, .* numbers.Integral"):
                await system.submit("x", priority=bad)
            says = r"its __index__ gave no int" if isinstance(bad, Flag) else r"a bool is not"
            with pytest.raises(TypeError, match=rf"mailbox_size must be an int or None, .*{says}"):
                await system.spawn(Actor, mailbox_size=bad)
