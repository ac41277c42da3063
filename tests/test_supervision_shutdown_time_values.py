"""The values of a strategy's `shutdown` time: 0 waits for nothing, not even an idle sibling's
`on_stop` (OTP's `brutal_kill`); None waits as long as it takes; a bad value is refused; the
time is keyword-only and kept exact."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from actorkit import ActorSystem, OneForAll, OneForOne, RestForOne

from .supervision_cut_support import BOUND, _hung, _pair
from .supervision_support import Worker


async def test_shutdown_zero_does_not_wait_even_for_an_idle_sibling_s_on_stop() -> None:
    """OTP's `brutal_kill`: no `on_stop` (terminate) for the siblings it stops."""
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, Worker, OneForAll(shutdown=0))
        assert await b.ask(1) == 1
        a.tell("crash")
        await asyncio.sleep(0)
        assert await a.ask("handled") == 0
        assert await b.ask("handled") == 0
        assert journal == ["start a", "start b", "start a", "start b"]


async def test_shutdown_none_waits_as_long_as_it_takes() -> None:
    journal: list[str] = []
    assert OneForAll().shutdown is None
    gate = asyncio.Event()

    class Gated(Worker):
        async def receive(self, message: Any) -> Any:
            if message == "hold":
                journal.append("holds")
                await gate.wait()
                return "held"
            return await super().receive(message)

    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, a, b = await _pair(system, journal, Gated, OneForAll())
        held = asyncio.create_task(b.ask("hold"))
        await _hung(journal, "holds")
        a.tell("crash")
        with pytest.raises(TimeoutError):  # twice the bound passes, and the handler is not cut
            await asyncio.wait_for(asyncio.shield(held), 2 * BOUND)
        assert journal == ["start a", "start b", "holds"]
        gate.set()
        assert await held == "held"
        assert await b.ask("handled") == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (-1, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
def test_a_bad_shutdown_time_is_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="shutdown"):
        OneForAll(shutdown=value)  # type: ignore[arg-type]


def test_a_shutdown_time_is_keyword_only_and_kept_exact() -> None:
    assert OneForOne(shutdown=0).shutdown == 0
    assert RestForOne(shutdown=2).shutdown == 2
    with pytest.raises(TypeError):
        OneForAll(3, 5.0, None, 1.0)  # type: ignore[call-arg, arg-type]
