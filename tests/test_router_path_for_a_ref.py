"""A path given where `subscribe` or `schedule_*` take a ref (`system.subscribe("/chat",
"room.*")`, as a user who knows the actor by its path writes): the refusal says to look the
path up, rather than only that a str is no ref (API 8)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


CALLS: dict[str, Callable[[ActorSystem], object]] = {
    "subscribe": lambda system: system.subscribe("/chat", "room.*"),  # type: ignore[arg-type]
    "unsubscribe": lambda system: system.unsubscribe("/chat"),  # type: ignore[arg-type]
    "schedule_once": lambda system: system.schedule_once(1.0, "/chat", "m"),  # type: ignore[arg-type]
    "schedule_every": lambda system: system.schedule_every(1.0, "/chat", "m"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("call", list(CALLS))
async def test_a_path_where_a_ref_belongs_says_to_look_it_up(call: str) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(Echo, name="chat")
        with pytest.raises(TypeError, match=r"a path, not a ref: pass system\.lookup\('/chat'\)"):
            CALLS[call](system)


async def test_a_str_that_is_no_path_gets_no_lookup_hint() -> None:
    """A name without its leading `/` is no path `lookup` resolves: no advice to pass it."""
    async with asyncio.timeout(5), ActorSystem() as system:
        await system.spawn(Echo, name="chat")
        with pytest.raises(TypeError, match="got str 'chat'") as refused:
            system.subscribe("chat", "room.*")  # type: ignore[arg-type]
        assert "lookup" not in str(refused.value)
