"""What every chaos test shares: seeds, the scale knob, a safety timeout, a chaotic worker
and a ledger that proves, message by message, that nothing was lost or handled twice.

`ACTORKIT_CHAOS_SCALE` (default 1) multiplies every chaos test's size for local soak runs:
`ACTORKIT_CHAOS_SCALE=20 pytest tests/chaos`. `ACTORKIT_CHAOS_SEED` runs one given seed
instead of the default ones, to replay a failure; the seed is in each test's id and printed.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from actorkit import Actor, ActorError, ActorRef, ActorSystem, DeadLetter, MailboxFull


def scale() -> int:
    raw = os.environ.get("ACTORKIT_CHAOS_SCALE", "1")
    value = int(raw)
    if value < 1:
        raise ValueError(f"ACTORKIT_CHAOS_SCALE must be an int >= 1, got {raw!r}")
    return value


def seeds() -> list[int]:
    given = os.environ.get("ACTORKIT_CHAOS_SEED")
    return [int(given)] if given else [11, 22, 33]


SAFETY_SECONDS = 20.0
"""Per-test safety net at scale 1 (scaled with it): a hang fails the test, it never waits."""


@asynccontextmanager
async def safety_net(seed: int) -> Any:
    print(f"chaos seed={seed} scale={scale()} (replay: ACTORKIT_CHAOS_SEED={seed})")
    async with asyncio.timeout(SAFETY_SECONDS * scale()):
        yield


class ChaosError(Exception):
    """The only exception chaos injects into handlers, so that real bugs stand out."""


@dataclass(frozen=True)
class Job:
    """A uniquely numbered message; `action` says what the worker does with it."""

    id: int
    action: str = "ok"  # ok | crash | slow | wait | stop
    spins: int = 0


@dataclass
class Ledger:
    """Where every `Job` ended, recorded by the workers and the dead-letter listener, keyed
    by (job id, actor path) so that a job handled twice by the same actor is caught."""

    processed: list[tuple[int, str]] = field(default_factory=list)
    crashed: list[tuple[int, str]] = field(default_factory=list)
    dead: list[tuple[int, str | None]] = field(default_factory=list)
    told: set[int] = field(default_factory=set)
    """Jobs a tell/send handed over (to a live or a stopped actor), not refused."""
    refused: set[int] = field(default_factory=set)
    """Jobs refused with `MailboxFull`: the sender knows; they must appear nowhere."""
    abandoned: set[int] = field(default_factory=set)
    """Sends given up by an `asyncio.timeout` while waiting for room: never delivered."""
    ok_asks: dict[int, object] = field(default_factory=dict)
    failed_asks: dict[int, BaseException] = field(default_factory=dict)

    def attach(self, system: ActorSystem) -> None:
        system.dead_letters.listen(self._dead_letter)

    def _dead_letter(self, letter: DeadLetter) -> None:
        if isinstance(letter.message, Job):
            self.dead.append((letter.message.id, letter.recipient))

    def fates(self) -> Counter[int]:
        """How many times each job id ended somewhere."""
        return Counter(job for job, _ in [*self.processed, *self.crashed, *self.dead])

    def check(self, *, settled: bool) -> None:
        """Nothing was handled twice; refused jobs went nowhere; answered asks were processed
        and failed ones were not; and once `settled` (after shutdown), every told job ended
        exactly once: processed, crashed or dead-lettered."""
        pairs = [*self.processed, *self.crashed, *self.dead]
        twice = [pair for pair, count in Counter(pairs).items() if count > 1]
        assert not twice, f"jobs that ended twice at the same actor: {twice[:10]}"
        fates = self.fates()
        assert not [job for job in self.refused if fates[job]], "a refused job was delivered"
        ghosts = [job for job in self.abandoned if fates[job]]
        assert not ghosts, f"sends abandoned by their timeout were delivered: {ghosts[:10]}"
        processed = {job for job, _ in self.processed}
        crashed = {job for job, _ in self.crashed}
        for job in self.ok_asks:
            assert job in processed and job not in crashed, f"answered ask {job} not processed"
        for job, error in self.failed_asks.items():
            if isinstance(error, ChaosError):
                assert job in crashed, f"ask {job} got the handler's error but no crash recorded"
            elif not isinstance(error, TimeoutError):
                assert job not in processed, f"ask {job} failed with {error!r} yet was processed"
        if settled:
            lost = sorted(job for job in self.told if fates[job] == 0)
            assert not lost, f"{len(lost)} told jobs lost: {lost[:10]}"
            extra = sorted(job for job in self.told if fates[job] > 1)
            assert not extra, f"told jobs that ended more than once: {extra[:10]}"


class Kit:
    """Shared state for one chaos run: the seeded RNG, the ledger, fault rates and a gate
    that `wait` jobs block on until the test opens it."""

    def __init__(
        self,
        seed: int,
        *,
        on_start_failure: float = 0.0,
        on_stop_failure: float = 0.0,
    ) -> None:
        self.rng = random.Random(seed)
        self.ledger = Ledger()
        self.gate = asyncio.Event()
        self.on_start_failure = on_start_failure
        self.on_stop_failure = on_stop_failure
        self.on_start_failures = 0
        self.on_stop_failures = 0
        self._ids = iter(range(1, 1 << 62))

    def job(self, weights: dict[str, float]) -> Job:
        action = self.rng.choices(list(weights), list(weights.values()))[0]
        spins = self.rng.randint(1, 20) if action == "slow" else 0
        return Job(next(self._ids), action, spins)

    def next_id(self) -> int:
        return next(self._ids)


class Worker(Actor):
    """Does what each `Job` says and records the outcome in the ledger before it happens.
    Restarted instances may fail in `on_start`; any instance may fail in `on_stop` (the
    first chance of each always does, so every seed exercises both)."""

    def __init__(self, kit: Kit) -> None:
        self.kit = kit

    async def on_start(self) -> None:
        kit = self.kit
        if (
            self._cell.incarnation > 1  # only restarts: a failing spawn would end the test
            and kit.on_start_failure
            and (not kit.on_start_failures or kit.rng.random() < kit.on_start_failure)
        ):
            kit.on_start_failures += 1
            raise ChaosError(f"on_start of {self.path} failed on purpose")

    async def on_stop(self) -> None:
        kit = self.kit
        if kit.on_stop_failure and (
            not kit.on_stop_failures or kit.rng.random() < kit.on_stop_failure
        ):
            kit.on_stop_failures += 1
            raise ChaosError(f"on_stop of {self.path} failed on purpose")

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, Job):
            return message
        ledger = self.kit.ledger
        action = message.action
        if action == "crash":
            ledger.crashed.append((message.id, self.path))
            raise ChaosError(f"job {message.id} crashed {self.path} on purpose")
        if action == "slow":
            for _ in range(message.spins):
                await asyncio.sleep(0)
        elif action == "wait":
            await self.kit.gate.wait()
        elif action == "stop":
            self.stop()
        ledger.processed.append((message.id, self.path))
        return message.id


async def yield_turns(rng: random.Random, most: int = 3) -> None:
    """Let the actors run a random few loop turns (never a sleep for time to pass)."""
    for _ in range(rng.randint(0, most)):
        await asyncio.sleep(0)


async def ask_into_ledger(ledger: Ledger, ref: ActorRef, job: Job, timeout: float) -> None:
    try:
        ledger.ok_asks[job.id] = await ref.ask(job, timeout=timeout)
    except (ActorError, ChaosError) as error:
        ledger.failed_asks[job.id] = error


async def send_into_ledger(ledger: Ledger, ref: ActorRef, job: Job, timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            await ref.send(job)
    except TimeoutError:
        ledger.abandoned.add(job.id)
    else:
        ledger.told.add(job.id)


def tell_into_ledger(ledger: Ledger, ref: ActorRef, job: Job) -> None:
    try:
        ref.tell(job)
    except MailboxFull:
        ledger.refused.add(job.id)
    else:
        ledger.told.add(job.id)
