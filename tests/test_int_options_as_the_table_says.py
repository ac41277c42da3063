"""Every integer option of README's "Errors and bad input" table refuses a value that is no
integer (a bool, a float, a str of digits, None) with `TypeError` naming its type, and an
integer out of its range (negative, zero where it must be >= 1) with `ValueError`, as the
table's "< n or not an int | `ValueError` / `TypeError`" rows say. `snapshot_every`, which
the table lists so, raised `ValueError` for a str or a float; `max_restarts` and
`serve_http`'s `port`, whose type the table left unsaid, did too, where every other integer
option (`mailbox_size`, a pool's size, `priority`, `retries`, `limit`) raised `TypeError`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForAll, OneForOne, RestForOne
from actorkit.persistence import EventSourced
from actorkit.testing import actor_tree

NO_INTEGERS = [True, False, 2.0, "3", None]
"""What an integer option takes for no integer: a bool (an int to Python), a whole float, a
str of digits, None (where None means nothing else)."""


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Agent(Echo):
    capabilities = ("x",)


def cadence(every: object) -> type:
    class Ledger(EventSourced):
        snapshot_every = every  # type: ignore[assignment]  # what is checked

        def apply(self, event: object) -> None:  # pragma: no cover - never spawned
            pass

    return Ledger


Call = Callable[[ActorSystem, Any], Any]

OPTIONS: list[tuple[str, Call, list[int]]] = [
    # the option's name, the call given the value, the integers out of its range
    ("snapshot_every", lambda system, v: cadence(v), [-1]),
    ("max_restarts", lambda system, v: OneForOne(max_restarts=v), [-1]),
    ("max_restarts", lambda system, v: OneForAll(max_restarts=v), [-1]),
    ("max_restarts", lambda system, v: RestForOne(max_restarts=v), [-1]),
    ("port", lambda system, v: system.serve_http(port=v), [-1, 65536]),
    ("mailbox_size", lambda system, v: system.spawn(Echo, mailbox_size=v), [-1, 0]),
    ("pool size", lambda system, v: system.spawn_pool(Echo, size=v), [-1, 0]),
    ("priority", lambda system, v: system.submit("m", requires=["x"], priority=v), []),
    ("retries", lambda system, v: system.submit("m", requires=["x"], retries=v), [-1]),
    ("limit", lambda system, v: actor_tree(system, limit=v), [-1, 0]),
]
IDS = ["snapshot_every", "OneForOne", "OneForAll", "RestForOne", "port", "mailbox_size",
       "pool size", "priority", "retries", "limit"]  # fmt: skip


async def refused(call: Call, system: ActorSystem, value: object) -> BaseException:
    try:
        made = call(system, value)
        if asyncio.iscoroutine(made):
            await made
    except (TypeError, ValueError) as error:
        return error
    raise AssertionError(f"{value!r} was taken")


@pytest.mark.parametrize(("name", "call", "out_of_range"), OPTIONS, ids=IDS)
async def test_a_wrong_type_is_a_type_error_and_a_wrong_value_a_value_error(
    name: str, call: Call, out_of_range: list[int]
) -> None:
    async with asyncio.timeout(10), ActorSystem("ints") as system:
        await system.spawn(Agent)
        for value in NO_INTEGERS:
            if value is None and name in ("mailbox_size", "limit"):
                continue  # None is theirs: unbounded, everything
            error = await refused(call, system, value)
            assert isinstance(error, TypeError), (value, error)
            assert name in str(error)
            assert type(value).__name__ in str(error), error  # it names the type
        for value in out_of_range:
            error = await refused(call, system, value)
            assert type(error) is ValueError, (value, error)
            assert name in str(error)
