"""What a store's `on_commit` observer raised, as the exit that goes on carries it: a group's
exit is raised from that group (its cause, which holds whatever else the observer raised),
and a bare exit is raised as it is, with no cause. Mutants that dropped the group as the
cause, or let a bare exit through the group's path (raised from itself), survived."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit.persistence import MemoryStore


def raising(error: BaseException) -> Any:
    def observer(writes: int, seconds: float) -> None:
        raise error

    return observer


async def test_a_group_s_exit_is_raised_from_the_group() -> None:
    exit_ = SystemExit(3)
    group = BaseExceptionGroup("observer", [ValueError("beside it"), exit_])
    async with asyncio.timeout(10), MemoryStore() as store:
        store.on_commit = raising(group)
        with pytest.raises(SystemExit) as raised:
            await store.append("a", 0, [b"1"])
    assert raised.value is exit_
    assert raised.value.__cause__ is group


@pytest.mark.parametrize("exit_", [SystemExit(3), KeyboardInterrupt()], ids=["exit", "interrupt"])
async def test_a_bare_exit_is_raised_as_it_is(exit_: BaseException) -> None:
    async with asyncio.timeout(10), MemoryStore() as store:
        store.on_commit = raising(exit_)
        with pytest.raises(type(exit_)) as raised:
            await store.append("a", 0, [b"1"])
    assert raised.value is exit_
    assert raised.value.__cause__ is None
