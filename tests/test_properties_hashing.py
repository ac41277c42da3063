"""Consistent-hash keys stick to their pool members across restarts and losses."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit import Actor, ActorSystem, PoolRef

from .invariants import assert_invariants
from .properties_support import Boom


class Keeper(Actor):
    """Records the keys it got; `crash` restarts it (the pool keeps its ref and name)."""

    def __init__(self, log: dict[str, list[object]]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        key, what = message
        if what == "crash":
            raise Boom("member crash")
        self.log.setdefault(self.name, []).append(key)
        return self.name


def key_of(message: tuple[object, str]) -> object:
    return message[0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000) | st.text(max_size=6), min_size=1, max_size=40),
    st.integers(2, 6),
    st.data(),
)
def test_consistent_hash_keys_stick_to_members_across_restarts_and_losses(
    keys: list[object], size: int, data: st.DataObject
) -> None:
    async def scenario() -> None:
        log: dict[str, list[object]] = {}
        async with ActorSystem("sticky") as system:
            pool = await system.spawn_pool(
                Keeper, log, size=size, routing="consistent_hash", hash_key=key_of
            )
            assert isinstance(pool, PoolRef)
            owner = {key: await pool.ask((key, "where")) for key in keys}
            # Same key, same member, every time, interleaved with other keys.
            for key in keys:
                pool.tell((key, "again"))
            again = {key: await pool.ask((key, "where")) for key in reversed(keys)}
            assert again == owner
            # A member that crashes is restarted under the same name and keeps its keys.
            crashed = data.draw(st.sampled_from(pool.members))
            crashed_key = next((k for k in keys if owner[k] == crashed.name), None)
            if crashed_key is not None:
                pool.tell((crashed_key, "crash"))
            assert {key: await pool.ask((key, "where")) for key in keys} == owner
            # A member lost for good: only its keys move; everyone else keeps theirs.
            lost = data.draw(st.sampled_from(pool.members))
            await lost.stop()
            after = {key: await pool.ask((key, "where")) for key in keys}
            for key in keys:
                if owner[key] == lost.name:
                    assert after[key] != lost.name
                else:
                    assert after[key] == owner[key], key
            moved = Counter(after[k] for k in keys if owner[k] == lost.name)
            assert sum(moved.values()) == sum(owner[k] == lost.name for k in keys)
            assert_invariants(system)

    asyncio.run(scenario())
