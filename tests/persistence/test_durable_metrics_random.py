"""The durable families add up under seeded random workloads of event-sourced and
durable-state actors on a store that fails now and then (before a write, or after one whose
answer is lost; in recovery; for reminders), with crashes, orderly and forced stops: against
what the store holds after it all, what the store was asked and failed, and what the actors
counted themselves."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from actorkit import ActorRef, ActorSystem, MailboxFull, NameTaken, OneForOne
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceError,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)
from actorkit.testing import ManualClock

from ..metrics_truth_support import Gate, sample, scraped, total

pytestmark = pytest.mark.timeout(60)


class Failing(MemoryStore):
    """Fails a share of its calls, counting what it failed and what it wrote; an append whose
    answer is lost has written all the same. The read after a failed write is the runtime's
    read-back, which never fails: so it always learns whether the write landed, and every
    other read of a state, snapshot or reminders is a recovery's."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.failed: Counter[str] = Counter()
        self.writes = self.appends = 0
        self.read_back: set[tuple[str, str]] = set()
        """(what, persistence id) whose next read is the read-back of a failed write."""

    def _maybe_fail(self, what: str, persistence_id: str = "", read_back: str = "") -> None:
        if read_back and (read_back, persistence_id) in self.read_back:
            self.read_back.discard((read_back, persistence_id))
            return
        if self.rng.random() < 0.2:
            self.failed[what] += 1
            if what in ("save", "reminder"):
                self.read_back.add((what, persistence_id))
            raise PersistenceError(f"{what} failed on purpose")

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        for _ in range(self.rng.randint(0, 2)):  # in flight for a turn or two
            await asyncio.sleep(0)
        self._maybe_fail("persist")
        written = await super().append(persistence_id, expected_seq, payloads)
        self.writes += 1
        self.appends += 1
        if self.rng.random() < 0.1:
            raise PersistenceError("the answer was lost (the append landed)")
        return written

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await asyncio.sleep(0)
        self._maybe_fail("save", persistence_id)
        revision = await super().save_state(persistence_id, expected_revision, payload)
        self.writes += 1
        return revision

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        self._maybe_fail("snapshot")
        await super().save_snapshot(persistence_id, seq, payload)
        self.writes += 1

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        self._maybe_fail("reminder", persistence_id)
        await super().put_reminder(persistence_id, reminder)
        self.writes += 1

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        self._maybe_fail("reminder", persistence_id)
        found = await super().delete_reminder(persistence_id, key)
        self.writes += 1
        return found

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        self._maybe_fail("recovery")  # only recoveries load snapshots
        return await super().load_snapshot(persistence_id)

    async def load_state(self, persistence_id: str) -> StoredState | None:
        self._maybe_fail("recovery", persistence_id, read_back="save")
        return await super().load_state(persistence_id)

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        self._maybe_fail("recovery", persistence_id, read_back="reminder")
        return await super().reminders(persistence_id)


class Counted:
    """What the durable actors counted: recoveries finished, events applied in them."""

    def __init__(self) -> None:
        self.recovered = 0
        self.replayed = 0


async def handle(actor: Any, message: Any) -> None:
    """The commands both classes take: "crash", "hold", ("remind", key, every)."""
    if message == "crash":
        raise RuntimeError("crash on purpose")
    if message == "hold":
        event = actor.gate.event
        await event.wait()
    elif isinstance(message, tuple) and message[0] == "remind":
        _, key, every = message
        try:
            if every:
                await actor.reminders.start(key, "tick", delay=every, every=every)
            else:
                await actor.reminders.cancel(key)
        except PersistenceError:
            pass  # counted where it was raised


class Ledger(EventSourced):
    snapshot_every = 3

    def __init__(self, counted: Counted, gate: Gate) -> None:
        self.counted, self.gate, self.total, self.live = counted, gate, 0, False

    def apply(self, event: Any) -> None:
        self.total += 1
        if not self.live:
            self.counted.replayed += 1

    def snapshot(self) -> object:
        return self.total

    def restore(self, snapshot: Any) -> None:
        self.total = snapshot

    async def on_start(self) -> None:
        self.live = True
        self.counted.recovered += 1

    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            with contextlib.suppress(PersistenceError):  # counted where raised, caught or not
                await self.persist(*range(message))
        else:
            await handle(self, message)
        return self.total


class Profile(DurableState):
    def __init__(self, counted: Counted, gate: Gate) -> None:
        self.counted, self.gate = counted, gate

    async def on_start(self) -> None:
        self.counted.recovered += 1

    async def receive(self, message: Any) -> Any:
        if message == "save":
            with contextlib.suppress(PersistenceError):
                await self.save((self.state or 0) + 1)
        else:
            await handle(self, message)
        return self.state


async def run(seed: int) -> list[str]:
    rng = random.Random(seed)
    store, counted, gate, clock = Failing(seed), Counted(), Gate(), ManualClock()
    root = OneForOne(max_restarts=100_000, within=1.0)
    system = ActorSystem(f"durable{seed}", clock=clock, store=store, supervisor=root)
    await system.start()
    refs: list[ActorRef] = []
    background: list[asyncio.Future[Any]] = []
    try:
        for _ in range(80):
            alive = [ref for ref in refs if ref.is_alive]
            roll = rng.random()
            if roll < 0.12 or not alive:
                cls = rng.choice([Ledger, Profile])
                try:
                    name = f"{cls.__name__}-{rng.randint(0, 4)}"
                    refs.append(await system.spawn(cls, counted, gate, name=name))
                except (NameTaken, PersistenceError):
                    pass
            elif roll < 0.75:
                message = rng.choice(
                    [
                        rng.randint(1, 3),
                        "save",
                        "crash",
                        "hold",
                        ("remind", "r", rng.choice([0, 1.0])),
                    ]
                )
                with contextlib.suppress(MailboxFull):
                    rng.choice(alive).tell(message)
            elif roll < 0.85:
                background.append(
                    asyncio.ensure_future(rng.choice(alive).stop(timeout=rng.choice([None, 0.0])))
                )
            elif roll < 0.93:
                gate.open()
            else:
                await clock.advance(rng.choice([0.5, 2.0]))
            if rng.random() < 0.4:
                await asyncio.sleep(0)
        for _ in range(5):
            gate.open()
            await clock.advance(5.0)
        gate.open_for_good()
        await asyncio.gather(*background, return_exceptions=True)
        await clock.settle()
        wrong = check(scraped(system), store, counted, "quiet")
    finally:
        await system.shutdown()
    return wrong + check(scraped(system), store, counted, "shut down")


def check(samples: dict[Any, float], store: Failing, counted: Counted, when: str) -> list[str]:
    journal = sum(len(events) for events in store._journals.values())  # noqa: SLF001
    revisions = sum(state.revision for state in store._states.values())  # noqa: SLF001
    failures = {
        operation: total(samples, "actorkit_persistence_failures_total", operation=operation)
        for operation in ("persist", "save", "snapshot", "recovery", "reminder")
    }
    pairs = {
        "events persisted vs the journal": (
            sample(samples, "actorkit_events_persisted_total", actor_type="Ledger"),
            journal,
        ),
        "states saved vs the revisions": (
            sample(samples, "actorkit_states_saved_total", actor_type="Profile"),
            revisions,
        ),
        "failures by operation vs the store's": (
            failures,
            {k: float(store.failed[k]) for k in failures},
        ),
        "persist-time samples vs appends and saves": (
            total(samples, "actorkit_persist_seconds_count"),
            store.appends + revisions,
        ),
        "recovery-time samples vs recoveries": (
            total(samples, "actorkit_recovery_seconds_count"),
            counted.recovered,
        ),
        "events replayed vs applied in recovery": (
            sample(samples, "actorkit_events_replayed_total", actor_type="Ledger"),
            counted.replayed,
        ),
        "writes per commit, summed, vs writes": (
            sample(samples, "actorkit_store_commit_writes_sum"),
            store.writes,
        ),
    }
    return [f"{when}: {what}: exported {a}, truth {b}" for what, (a, b) in pairs.items() if a != b]


async def test_the_durable_figures_add_up_under_random_workloads() -> None:
    failures: list[str] = []
    async with asyncio.timeout(30):
        for seed in range(12):
            failures += [f"seed {seed}: {line}" for line in await run(seed)]
    assert not failures, "\n".join(failures[:20])
