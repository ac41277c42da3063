"""Chaos: supervised workers under random handler, `on_start` and `on_stop` failures, slow and
blocked handlers, stale refs, asks and sends timing out, actors stopped mid-stream and
supervisors exceeding their restart intensity. Nothing accepted is lost or handled twice."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from actorkit import (
    ActorRef,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
)
from actorkit.testing import snapshot

from ..invariants import TaskSnapshot, assert_invariants, assert_settled
from .kit import (
    Kit,
    Worker,
    ask_into_ledger,
    send_into_ledger,
    tell_into_ledger,
)
from .ledger import Fingerprint, Job, fingerprint
from .replay import assert_replays, chaos_run, finish, remember, replayed_seed, scale, seeds

SUPERVISORS = 3
WORKERS = 4
OPS = 5000
WEIGHTS = {"ok": 71.0, "crash": 4.0, "slow": 18.0, "wait": 2.0, "stop": 1.0}


async def answers_again(system: ActorSystem, kit: Kit, paths: list[str]) -> int:
    """Once the crash jobs still queued have played out (a temporary worker they stop, a
    supervisor giving up), every live worker answers an ask; returns how many answered."""
    for _ in range(50):
        answered = 0
        for path in paths:
            ref = system.lookup(path)
            if ref is None:
                continue
            job = Job(kit.next_id())
            try:
                assert await ref.ask(job, timeout=5.0) == job.id
            except ActorStopped:
                break  # stopped by chaos still in its mailbox: look again
            answered += 1
        else:
            return answered
    raise AssertionError("live workers kept failing to answer")


class Trees:
    """The supervisors, each with its workers, and the refs the producer holds (some stale)."""

    def __init__(self, system: ActorSystem, kit: Kit) -> None:
        self.system = system
        self.kit = kit
        self.paths = [f"/sup{s}/w{w}" for s in range(SUPERVISORS) for w in range(WORKERS)]
        self.refs: dict[str, ActorRef | None] = {}

    async def spawn(self, s: int) -> None:
        rng = self.kit.rng
        strategy = rng.choice([OneForOne, OneForAll, RestForOne])(
            max_restarts=rng.randint(4, 12), within=60.0
        )
        specs = [
            ChildSpec(
                Worker,
                self.kit,
                name=f"w{w}",
                restart=rng.choice(["permanent", "permanent", "transient", "temporary"]),
                mailbox_size=rng.choice([4, 16, 64, None]),
            )
            for w in range(WORKERS)
        ]
        await self.system.spawn(Supervisor, specs, strategy, name=f"sup{s}")
        for w in range(WORKERS):
            self.refs[f"/sup{s}/w{w}"] = self.system.lookup(f"/sup{s}/w{w}")

    def pick(self) -> ActorRef:
        path = self.kit.rng.choice(self.paths)
        current = self.system.lookup(path)
        if current is not None and self.kit.rng.random() < 0.9:
            self.refs[path] = current  # else keep a possibly stale ref: dead letters
        ref = self.refs[path]
        assert ref is not None
        return ref

    async def replace_empty(self) -> None:
        """An operator replaces a tree whose workers are all gone for good."""
        for s in range(SUPERVISORS):
            tree = self.system.lookup(f"/sup{s}")
            if tree is not None and not snapshot(tree).children:
                await tree.stop()
                await self.spawn(s)


async def drive(trees: Trees, kit: Kit) -> int:
    """The producer: tells, asks, sends and stops at random; returns how many actors it
    stopped from outside (never restarted)."""
    rng, ledger = kit.rng, kit.ledger
    pending: list[asyncio.Task[None]] = []
    stopped_mid_stream = 0
    for op in range(OPS * scale()):
        ref = trees.pick()
        job = kit.job(WEIGHTS)
        dice = rng.random()
        if dice < 0.72:
            tell_into_ledger(ledger, ref, job)
        elif dice < 0.88:
            timeout = rng.choice([0.002, 0.01, 0.05, 2.0])
            pending.append(asyncio.create_task(ask_into_ledger(ledger, ref, job, timeout)))
        elif dice < 0.99:
            await send_into_ledger(ledger, ref, job, rng.choice([2, 20]))
        elif ref.is_alive:
            # From outside: never restarted. In the background: the current message may be
            # a `wait` job, which only the gate below lets finish.
            stopped_mid_stream += 1
            pending.append(asyncio.create_task(ref.stop()))
        if op % 150 == 149:
            kit.gate.set()  # let blocked `wait` jobs through, then close a new gate
            kit.gate = asyncio.Event()
            await trees.replace_empty()
        await kit.step()
    kit.gate.set()
    await finish(kit.clock, pending, step=0.01)
    await asyncio.gather(*pending)
    return stopped_mid_stream


def assert_chaos_happened(system: ActorSystem, kit: Kit, stopped_mid_stream: int) -> None:
    """Crashes, restarts, give-ups and lifecycle failures all really happened."""
    ledger = kit.ledger
    stats = {s.name: s for s in system.metrics.classes()}
    print(
        f"crashed={len(ledger.crashed)} processed={len(ledger.processed)} "
        f"dead={len(ledger.dead)} told={len(ledger.told)} refused={len(ledger.refused)} "
        f"abandoned={len(ledger.abandoned)} asks ok={len(ledger.ok_asks)} "
        f"failed={Counter(type(e).__name__ for e in ledger.failed_asks.values())} "
        f"restarts={stats['Worker'].restarts} gave_up={stats['Supervisor'].gave_up} "
        f"on_start={kit.on_start_failures} on_stop={kit.on_stop_failures}"
    )
    assert len(ledger.crashed) > 10
    assert stats["Worker"].restarts > 3
    assert stats["Supervisor"].gave_up > 0
    assert kit.on_start_failures > 0
    assert kit.on_stop_failures > 0
    assert stopped_mid_stream > 0
    assert ledger.dead and ledger.failed_asks


async def run_faults(seed: int) -> tuple[Fingerprint, Kit]:
    async with chaos_run(seed, "faults"):
        kit = Kit(seed, on_start_failure=0.2, on_stop_failure=0.2)
        ledger = kit.ledger
        tasks = TaskSnapshot()
        # The root tolerates anything, so supervisors that give up are restarted by it.
        root = OneForOne(max_restarts=1_000_000, within=1.0)
        system = ActorSystem("chaos", supervisor=root, clock=kit.clock)
        async with system:
            ledger.attach(system)
            trees = Trees(system, kit)
            for s in range(SUPERVISORS):
                await trees.spawn(s)
            stopped_mid_stream = await drive(trees, kit)
            ledger.check(settled=False)
            await assert_settled(system)
            assert_chaos_happened(system, kit, stopped_mid_stream)

            # ... and the system answers again: every live worker, and a fresh actor.
            # (All workers may be gone for good: temporary, transient or stopped from outside.)
            answered = await answers_again(system, kit, trees.paths)
            for s in range(SUPERVISORS):
                assert await system.ask(f"/sup{s}", "ping", timeout=5.0) is None
            fresh = await system.spawn(Worker, kit)
            assert await fresh.ask(Job(kit.next_id()), timeout=5.0) is not None
            assert_invariants(system)

        assert system.failure is None
        assert_invariants(system)
        ledger.check(settled=True)
        await tasks.assert_no_leaks()
        counts = (stopped_mid_stream, answered, kit.on_start_failures, kit.on_stop_failures)
        return fingerprint(system, ledger, counts), kit


@pytest.mark.parametrize("seed", seeds())
async def test_supervised_workers_lose_nothing_under_random_faults(
    seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    run, kit = await run_faults(seed)
    remember(("faults", seed), run)
    on_stop_logs = [r for r in caplog.records if r.getMessage().startswith("on_stop of /")]
    assert len(on_stop_logs) == kit.on_stop_failures  # each logged, with its path


async def test_a_seed_replays_its_run_exactly() -> None:
    seed = replayed_seed()

    async def again() -> Fingerprint:
        return (await run_faults(seed))[0]

    await assert_replays(("faults", seed), again)
