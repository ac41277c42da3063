"""What every chaos test shares: the run's kit (its seed's RNGs, virtual clock, ledger and
gate), a chaotic worker, and the ways producers hand jobs over while the ledger watches.

How a run is made replayable, and how to replay or widen one, is in `replay.py` (and
`tests/chaos/README.md`): `pytest tests/chaos -k seed22`, `ACTORKIT_CHAOS_SEEDS=1-500`.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from actorkit import Actor, ActorError, ActorRef, MailboxFull

from .ledger import ChaosError, Job, Ledger
from .replay import VirtualClock, rng_for

OP_SECONDS = 0.001
"""Virtual time one producer operation takes: what ask timeouts and restart windows measure."""


class Kit:
    """Shared state for one chaos run: the RNGs drawn from its seed, the virtual clock, the
    ledger, fault rates and a gate that `wait` jobs block on until the test opens it."""

    def __init__(
        self,
        seed: int,
        *,
        on_start_failure: float = 0.0,
        on_stop_failure: float = 0.0,
    ) -> None:
        self.seed = seed
        self._rngs: dict[str, random.Random] = {}
        self.rng = self.rng_for("driver")
        self.clock = VirtualClock()
        self.ledger = Ledger()
        self.gate = asyncio.Event()
        self.on_start_failure = on_start_failure
        self.on_stop_failure = on_stop_failure
        self.on_start_failures = 0
        self.on_stop_failures = 0
        self._ids = iter(range(1, 1 << 62))

    def rng_for(self, name: str) -> random.Random:
        """The RNG of one decision maker (an actor's path, a producer), the same stream for
        the whole run whoever else draws meanwhile."""
        rng = self._rngs.get(name)
        if rng is None:
            rng = self._rngs[name] = rng_for(self.seed, name)
        return rng

    def job(self, weights: dict[str, float], rng: random.Random | None = None) -> Job:
        rng = rng or self.rng
        action = rng.choices(list(weights), list(weights.values()))[0]
        spins = rng.randint(1, 20) if action == "slow" else 0
        return Job(next(self._ids), action, spins)

    def next_id(self) -> int:
        return next(self._ids)

    async def step(self, rng: random.Random | None = None, most: int = 3) -> None:
        """One operation's worth of time: a random few loop turns, then the clock's step."""
        await yield_turns(rng or self.rng, most)
        self.clock.tick(OP_SECONDS)


class Worker(Actor):
    """Does what each `Job` says and records the outcome in the ledger before it happens.
    Restarted instances may fail in `on_start`; any instance may fail in `on_stop` (the
    first chance of each always does, so every seed exercises both)."""

    def __init__(self, kit: Kit) -> None:
        self.kit = kit

    @property
    def rng(self) -> random.Random:
        return self.kit.rng_for(self.path)

    async def on_start(self) -> None:
        kit = self.kit
        if (
            self._cell.incarnation > 1  # only restarts: a failing spawn would end the test
            and kit.on_start_failure
            and (not kit.on_start_failures or self.rng.random() < kit.on_start_failure)
        ):
            kit.on_start_failures += 1
            raise ChaosError(f"on_start of {self.path} failed on purpose")

    async def on_stop(self) -> None:
        kit = self.kit
        if kit.on_stop_failure and (
            not kit.on_stop_failures or self.rng.random() < kit.on_stop_failure
        ):
            kit.on_stop_failures += 1
            raise ChaosError(f"on_stop of {self.path} failed on purpose")

    async def receive(self, message: Any) -> Any:
        if not isinstance(message, Job):
            return message
        ledger = self.kit.ledger
        action = message.action
        if action == "crash":
            ledger.was_crashed(message.id, self.path)
            raise ChaosError(f"job {message.id} crashed {self.path} on purpose")
        if action == "slow":
            for _ in range(message.spins):
                await asyncio.sleep(0)
        elif action == "wait":
            await self.kit.gate.wait()
        elif action == "stop":
            self.stop()
        ledger.was_processed(message.id, self.path)
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


async def send_into_ledger(ledger: Ledger, ref: ActorRef, job: Job, patience: int) -> None:
    """Send, giving up (cancelling the send, as an `asyncio.timeout` would) if it has not
    returned after `patience` loop turns: a bound counted in turns, not seconds, replays."""
    sending = asyncio.ensure_future(ref.send(job))
    for _ in range(patience):
        if sending.done():
            break
        await asyncio.sleep(0)
    sending.cancel()
    try:
        await sending
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # the caller itself is being cancelled
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
