"""An integer of another type (`numbers.Integral`) is read by its `__index__`, the one method
of it the runtime runs: once, whatever it does. One that raises is refused as any value that
is no integer, naming the option (its own error escaping would be no refusal the
caller can expect); one that answers differently each time cannot pass the check with one
number and be kept as another."""

from __future__ import annotations

import asyncio
import numbers
from typing import Any

import pytest

from actorkit import ActorSystem, Backoff, OneForOne
from actorkit._http_auth import check_address
from actorkit.nats import NatsTransport

from .int_like_support import Broken
from .tasks_support import Echo


class Fickle:
    """A `numbers.Integral` whose `__index__` gives 1 the first time, then -1."""

    def __init__(self) -> None:
        self.calls = 0

    def __index__(self) -> int:
        self.calls += 1
        return 1 if self.calls == 1 else -1


numbers.Integral.register(Fickle)


def broken() -> Any:
    return Broken()


def refused(what: str) -> Any:
    return pytest.raises((TypeError, ValueError), match=rf"{what}.*Broken.*__index__")


async def test_an_integer_whose_index_raises_is_refused_naming_the_option() -> None:
    with refused("max_restarts"):
        OneForOne(max_restarts=broken())
    with refused("within"):
        OneForOne(within=broken())
    with refused("min"):
        Backoff(min=broken())
    with refused("port"):
        check_address("127.0.0.1", broken())
    with refused("max_buffered"):
        NatsTransport("nats://127.0.0.1:4222", max_buffered=broken())
    async with asyncio.timeout(10), ActorSystem() as system:
        with refused("priority"):
            await system.submit("x", priority=broken())
        with refused("mailbox_size"):
            await system.spawn(Echo, mailbox_size=broken())
        with refused("pool size"):
            await system.spawn_pool(Echo, size=broken())
        ref = await system.spawn(Echo)
        with refused("ask timeout"):
            await ref.ask("x", timeout=broken())


def test_an_integer_is_read_once_so_what_is_checked_is_what_is_kept() -> None:
    fickle: Any = Fickle()
    backoff = Backoff(min=fickle, max=2)
    assert (backoff.min, fickle.calls) == (1, 1)
    fickle = Fickle()
    strategy = OneForOne(within=fickle)
    assert (strategy.within, fickle.calls) == (1, 1)
