"""Where mutants of this round's option checks survived: `top --interval X` without
`--once` refreshes every X seconds (not the default's 1); `max_restarts=0` (never restart)
is taken; a refused value that is no integer ends with what is taken, for `max_restarts` and
`serve_http`'s `port` as for every other integer option."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, OneForAll, OneForOne, RestForOne
from actorkit._cli import main
from actorkit._exact import INTEGER


def test_top_is_handed_the_interval_given(monkeypatch: pytest.MonkeyPatch) -> None:
    handed: dict[str, Any] = {}

    async def top(url: str, interval: float, once: bool, *_: object) -> int:
        handed.update(interval=interval, once=once)
        return 0

    monkeypatch.setattr("actorkit._top.top", top)
    assert main(["top", "--interval", "0.25"]) == 0
    assert handed == {"interval": 0.25, "once": False}


@pytest.mark.parametrize("strategy", [OneForOne, OneForAll, RestForOne])
def test_max_restarts_zero_is_taken(strategy: type[OneForOne]) -> None:
    assert strategy(max_restarts=0).max_restarts == 0


def test_max_restarts_that_is_no_integer_says_what_is_taken() -> None:
    with pytest.raises(TypeError) as refused:
        OneForOne(max_restarts=2.0)  # type: ignore[arg-type]
    assert str(refused.value).endswith(INTEGER)


async def test_a_port_that_is_no_integer_says_what_is_taken() -> None:
    async with asyncio.timeout(10), ActorSystem("port", metrics=False) as system:
        with pytest.raises(TypeError) as refused:
            await system.serve_http(port="9464")  # type: ignore[arg-type]
    assert str(refused.value).endswith(INTEGER)
