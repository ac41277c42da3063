"""A strategy given an `async def` as its `decider`: the supervisor decides in the failing
child's turn and never awaits a directive, so its coroutine would be refused at the first
failure (and every failure escalated: a pool's whole membership restarted for one member's
error). The strategy refuses it when made, saying what to pass (API 8)."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from actorkit import OneForAll, OneForOne, RestForOne


async def directive_of(error: BaseException) -> str:
    return "resume"


class AsyncDecider:
    async def __call__(self, error: BaseException) -> str:
        return "resume"


ASYNC = r"decider must be a plain function.*async def.*never awaits"


@pytest.mark.parametrize("strategy", [OneForOne, OneForAll, RestForOne])
@pytest.mark.parametrize(
    "decider",
    [directive_of, functools.partial(directive_of), AsyncDecider()],
    ids=["async-def", "partial", "async-call"],
)
def test_an_async_decider_is_refused_when_the_strategy_is_made(
    strategy: Any, decider: object
) -> None:
    with pytest.raises(TypeError, match=ASYNC):
        strategy(decider=decider)


def test_a_plain_decider_is_taken() -> None:
    strategy = OneForOne(decider=lambda error: "resume")
    assert strategy.directive(ValueError()) == "resume"
