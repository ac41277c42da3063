"""Chaos: pools whose members crash, are stopped mid-stream or are temporary (gone after one
crash), and that are resized up and down, under traffic through the pool's ref, until none is
left. The pool keeps routing to whoever is alive; a shrink drains its leaving members; once
nobody is left, tells become dead letters and asks fail at once."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from actorkit import ActorRef, ActorStopped, ActorSystem, OneForOne, PoolRef
from actorkit.testing import snapshot

from ..invariants import TaskSnapshot, assert_invariants, assert_settled
from .kit import Kit, Worker, ask_into_ledger, send_into_ledger, tell_into_ledger
from .ledger import Fingerprint, Job, fingerprint
from .replay import assert_replays, chaos_run, finish, remember, replayed_seed, scale, seeds

ROUTINGS = ["round_robin", "random", "least_loaded", "consistent_hash"]
SIZE = 6
OPS = 2000
WEIGHTS = {"ok": 80.0, "crash": 4.0, "slow": 15.0, "stop": 1.0}


def job_key(job: object) -> object:
    return job.id % 17 if isinstance(job, Job) else job


async def quiesce(pool: PoolRef) -> None:
    """Wait (by asking, never sleeping) until the queued chaos has played out: the pool and
    its members running, with nothing queued."""
    for _ in range(100):
        with contextlib.suppress(ActorStopped):  # once every member is gone
            await ActorRef.ask(pool, "sync", timeout=5.0)  # the pool's mailbox, then a member
        refs = [pool, *pool.members]
        for member in pool.members:
            with contextlib.suppress(ActorStopped):  # a temporary member may crash for good
                await member.ask("sync", timeout=5.0)
        actors = [snapshot(ref) for ref in refs]
        if all(a.state == "running" and not a.accounting.queued and a.parked for a in actors):
            return
    raise AssertionError("the pool never settled")


async def drive(pool: PoolRef, kit: Kit) -> None:
    """The producer: tells, asks and sends through the pool's ref while members are stopped
    and the pool resized; the last quarter runs on a shrinking pool."""
    rng, ledger = kit.rng, kit.ledger
    pending: list[asyncio.Task[None]] = []
    ops = OPS * scale()
    for op in range(ops):
        job = kit.job(WEIGHTS)
        dice = rng.random()
        if dice < 0.75:
            tell_into_ledger(ledger, pool, job)
        elif dice < 0.9:
            timeout = rng.choice([0.005, 2.0])
            pending.append(asyncio.create_task(ask_into_ledger(ledger, pool, job, timeout)))
        elif dice < 0.993:
            await send_into_ledger(ledger, pool, job, 10)
        elif dice < 0.997:
            pending.append(asyncio.create_task(pool.resize(rng.randint(1, 2 * SIZE))))
        elif pool.members:
            pending.append(asyncio.create_task(rng.choice(pool.members).stop()))
        if op == ops * 3 // 4:
            pending += [asyncio.create_task(member.stop()) for member in pool.members[1:]]
        await kit.step()
    await finish(kit.clock, pending, step=0.01)
    await asyncio.gather(*pending)


async def orphan_jobs(pool: PoolRef, kit: Kit) -> None:
    """Lose every member: the pool must neither spin nor answer for nobody."""
    ledger = kit.ledger
    for member in pool.members:
        await member.stop()
    assert pool.members == []
    assert pool.is_alive
    with pytest.raises(ActorStopped, match="every member"):
        await pool.ask(Job(kit.next_id()), timeout=1.0)
    orphan = Job(kit.next_id())
    tell_into_ledger(ledger, pool, orphan)
    await pool.send(orphan_sent := Job(kit.next_id()))
    ledger.told.add(orphan_sent.id)
    # The pool hands each to dead letters once, and goes back to waiting: an ask queued
    # behind them in the pool's own mailbox fails, answered by nobody.
    with pytest.raises(ActorStopped, match="every member"):
        await ActorRef.ask(pool, "sync", timeout=5.0)
    dead_ids = {job for job, _ in ledger.dead}
    assert {orphan.id, orphan_sent.id} <= dead_ids
    counts = snapshot(pool).accounting
    assert counts.processed <= counts.accepted  # no self-feeding loop


async def run_pool(seed: int, routing: str) -> Fingerprint:
    async with chaos_run(seed, f"pool-{routing}"):
        kit = Kit(seed, on_stop_failure=0.1)
        rng, ledger = kit.rng, kit.ledger
        tasks = TaskSnapshot()
        root = OneForOne(max_restarts=10_000, within=1.0)
        system = ActorSystem("chaos-pool", supervisor=root, clock=kit.clock)
        async with system:
            ledger.attach(system)
            pool = await system.spawn_pool(
                Worker,
                kit,
                size=SIZE,
                routing=routing,
                hash_key=job_key if routing == "consistent_hash" else None,
                name="pool",
                restart=rng.choice(["permanent", "transient", "temporary"]),
                mailbox_size=rng.choice([8, 64, None]),
            )
            assert isinstance(pool, PoolRef)
            await drive(pool, kit)
            ledger.check(settled=False)
            await assert_settled(system)
            await quiesce(pool)
            await orphan_jobs(pool, kit)
            await assert_settled(system)
            assert ledger.crashed

        assert_invariants(system)
        ledger.check(settled=True)
        await tasks.assert_no_leaks()
        return fingerprint(system, ledger, kit.on_stop_failures)


@pytest.mark.parametrize("routing", ROUTINGS)
@pytest.mark.parametrize("seed", seeds())
async def test_pool_losing_members_loses_no_message(seed: int, routing: str) -> None:
    remember(("pool", seed, routing), await run_pool(seed, routing))


async def test_a_seed_replays_its_run_exactly() -> None:
    """`random` routing draws from the `random` module, which `chaos_run` reseeds."""
    seed = replayed_seed()
    await assert_replays(("pool", seed, "random"), lambda: run_pool(seed, "random"))
