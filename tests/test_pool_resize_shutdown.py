"""A resize that a pool handles once a shutdown began (the pool still runs, then drains):
it can start no member any more, so its caller hears of it in a resize's words, and one
that started none hears `NotDelivered`, the pool not resized (docs/api.md, `PoolRef.resize`)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorStopped, ActorSystem, AskTimeout, NotDelivered
from actorkit.testing import snapshot

from .invariants import assert_invariants
from .test_pool_resize_stopped import SAYS_RESIZE, HeldStart, assert_no_dead_letters, held_resizes


async def test_a_grow_queued_when_a_shutdown_begins_is_not_delivered() -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10):
        system = ActorSystem()
        async with system:
            pool, in_hand, queued = await held_resizes(system, gate)
            shutdown = asyncio.ensure_future(system.shutdown(timeout=10))
            await asyncio.sleep(0)  # the shutdown began: nothing can spawn from now on
            gate.set()
            await in_hand  # its one new member had started: that resize is done
            with pytest.raises(NotDelivered, match=SAYS_RESIZE):
                await queued
            assert pool.size == 2  # not resized
            await shutdown
        assert_no_dead_letters(system)
        assert_invariants(system)


async def test_a_grow_under_way_when_a_shutdown_begins_says_it_did_not_finish() -> None:
    gate, starting = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10):
        system = ActorSystem()
        async with system:
            gate.set()
            pool = await system.spawn_pool(HeldStart, gate, starting, size=1, name="pool")
            gate.clear()
            starting.clear()
            growing = asyncio.ensure_future(pool.resize(3))
            await starting.wait()  # member 1 starts; member 2 is still to come
            shutdown = asyncio.ensure_future(system.shutdown(timeout=10))
            await asyncio.sleep(0)
            gate.set()
            with pytest.raises(ActorStopped, match=SAYS_RESIZE) as raised:
                await growing
            assert not isinstance(raised.value, NotDelivered)  # it had started one member
            await shutdown
        assert_no_dead_letters(system)
        assert_invariants(system)


async def test_a_resize_whose_caller_timed_out_while_queued_is_still_carried_out() -> None:
    """docs/api.md, `PoolRef.resize`: its envelope's future is given up, never answered."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        pool, in_hand, queued = await held_resizes(system, gate)  # to 2, then to 3 queued
        with pytest.raises(AskTimeout):
            await pool.resize(4, timeout=0.01)
        gate.set()
        await in_hand
        await queued
        while snapshot(pool).accounting.queued or snapshot(pool).accounting.handling:
            await asyncio.sleep(0)
        assert pool.size == 4 and len(pool.members) == 4
        assert_no_dead_letters(system)
        assert_invariants(system)
