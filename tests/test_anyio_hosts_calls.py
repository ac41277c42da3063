"""The runtime's calls cut short by an anyio cancel scope, which cancels again at every await, at
every loop turn: `serve_http` leaves its port free; `spawn`, `ask`, `send`, `stop(timeout=...)`
and `PoolRef.resize` leave nothing waiting, reserved or half-resized, and the scope gets its
cancellation (docs/api.md, "anyio hosts")."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.testing import ManualClock, snapshot

from .anyio_hosts_support import TURNS, Member
from .anyio_support import scope_cancelled_after
from .invariants import assert_settled
from .processes import HeldPort


async def test_a_serve_http_cut_short_by_a_cancelled_scope_leaves_its_port_free() -> None:
    async with asyncio.timeout(30), ActorSystem("web") as system:
        await (await system.serve_http(port=0)).close()  # aiohttp loaded: the turns are the bind's
        for turns in TURNS:
            with HeldPort(shared=True) as held:  # the server binds it; no one else can
                served, _ = await scope_cancelled_after(turns, system.serve_http(port=held.port))
                if served is not None:
                    await served.close()
                again = await system.serve_http(port=held.port)  # EADDRINUSE if left listening
                await again.close()


async def test_the_core_calls_cut_by_a_cancelled_scope_leave_nothing_behind() -> None:
    """`spawn`, `ask`, `send`, `stop(timeout=...)` and `PoolRef.resize`, each cut at every
    loop turn by a scope that cancels again at every await: the scope gets its cancellation
    (it never escapes it), and nothing is left waiting, reserved or half-resized."""
    clock = ManualClock()
    async with asyncio.timeout(30), ActorSystem("calls", metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(Member, size=3, name="pool")
        target = await system.spawn(Member, name="target", mailbox_size=1)
        for turns in TURNS:
            spawned, _ = await scope_cancelled_after(turns, system.spawn(Member, name="new"))
            if spawned is not None:
                await spawned.stop()
            assert system.lookup("/new") is None  # the name is free: nothing half-started
            await scope_cancelled_after(turns, target.ask("ask", timeout=30))
            await scope_cancelled_after(turns, target.send("send"))
            await scope_cancelled_after(turns, pool.resize(5 if turns % 2 else 1))
            await clock.settle()  # what the pool took goes on to its end
            assert len(pool.members) == pool.size == len(snapshot(pool).children)
            assert snapshot(target).reserved == 0
            await pool.resize(3)
            stopping = await system.spawn(Member)
            await scope_cancelled_after(turns, stopping.stop(timeout=5.0))
            await stopping.stop()
            assert await target.ask("after") == "after"
        await clock.advance(60.0)  # past every timeout the calls started
        await assert_settled(system)
        assert clock.pending == 0  # no deadline of a call cut short is left on the clock
