"""The seeded driver of `test_ask_fates_random`: asks and sends at small bounded mailboxes,
meeting their deadlines, their actors' closes (forced and orderly), places granted and their
askers' cancellations, in random order and often in one loop turn (the deadlines' timer
callback runs them before or after it times the asks out). It returns what it saw: each
message's fate as its sender heard it, as the metric counted it, as the actor handled it and
as the dead letters recorded it, for `ask_fates_support.check`."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit._clock import _time_out
from actorkit._outside_stop import kill
from actorkit._stats import ClassStats
from actorkit.testing import ManualClock

from .ask_fates_support import Seen, give_the_head_s_place, in_the_deadlines_turn


class Gated(Actor):
    """Handles a message once its gate is open: what comes meanwhile queues, then waits."""

    def __init__(self, gates: dict[str, asyncio.Event], handled: list[int]) -> None:
        self.gates = gates
        self.handled = handled

    async def receive(self, message: Any) -> Any:
        gate = self.gates[self.path]
        if not gate.is_set():
            await gate.wait()
        self.handled.append(message)
        return message


class Driver:
    """One seed's traffic and chaos; `seen` is what the checks read."""

    def __init__(self, seed: int, system: ActorSystem, clock: ManualClock) -> None:
        self.rng = random.Random(seed)
        self.system = system
        self.clock = clock
        self.seen = Seen()
        self.gates: dict[str, asyncio.Event] = {}
        self.refs: list[ActorRef] = []
        self.tasks: dict[asyncio.Task[None], int] = {}
        self.count = 0
        self.chaos_first = False

    async def spawn(self) -> None:
        name = f"a{len(self.refs)}"
        self.gates[f"/{name}"] = asyncio.Event()
        size = self.rng.choice([1, 1, 2])
        ref = await self.system.spawn(
            Gated, self.gates, self.seen.handled, name=name, mailbox_size=size
        )
        self.refs.append(ref)

    def live(self) -> list[ActorRef]:
        return [ref for ref in self.refs if ref.is_alive]

    async def ask(self, ref: ActorRef, n: int, timeout: float) -> None:
        if not ref.is_alive:
            self.seen.refused.add(n)
        try:
            self.seen.reply[n] = await ref.ask(n, timeout=timeout)
        except BaseException as error:
            self.seen.heard[n] = type(error).__name__
            if not isinstance(error, Exception):
                raise

    async def send(self, ref: ActorRef, n: int) -> None:
        try:
            await ref.send(n)
            self.seen.heard[n] = "sent"
        except asyncio.CancelledError:
            self.seen.heard[n] = "CancelledError"
            raise

    def start(self, kind: str) -> None:
        live = self.live()
        if not live:
            return
        self.count += 1
        n = self.count
        ref = self.rng.choice(live)
        self.seen.kind[n] = kind
        if kind == "ask":
            coroutine = self.ask(ref, n, self.rng.choice([0.5, 1.0, 1.5]))
        else:
            coroutine = self.send(ref, n)
        task = asyncio.ensure_future(coroutine)
        self.tasks[task] = n
        self.seen.by_task[task] = n
        self.seen.asker[n] = task

    def cancel_one(self) -> None:
        pending = [task for task in self.tasks if not task.done()]
        if pending:
            self.rng.choice(pending).cancel()

    def kill_one(self) -> None:
        """A forced close, of an actor with senders waiting for room when there is one."""
        live = self.live()
        waited = [ref for ref in live if ref._cell.mailbox.blocked or ref._cell.mailbox.reserved]
        if live:
            kill([self.rng.choice(waited or live)._cell])

    def grant_one(self) -> None:
        for ref in self.rng.sample(self.refs, len(self.refs)):
            if give_the_head_s_place(ref._cell.mailbox):
                return

    def around_the_deadlines(self, before: bool) -> None:
        """What happens in the loop turn of the deadlines' timer: on one side of it (the side
        drawn `before` it), up to two forced closes, cancellations or places granted."""
        if before:
            self.chaos_first = self.rng.random() < 0.5
        if before == self.chaos_first:
            actions = [self.kill_one, self.cancel_one, self.grant_one]
            for _ in range(self.rng.randrange(3)):
                self.rng.choice(actions)()

    async def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            self.start("ask")
        elif roll < 0.4:
            self.start("send")
        elif roll < 0.55:
            path = rng.choice(list(self.gates))
            if self.gates[path].is_set():
                self.gates[path] = asyncio.Event()
            else:
                self.gates[path].set()
        elif roll < 0.62:
            self.cancel_one()
        elif roll < 0.66:
            self.kill_one()
        elif roll < 0.69 and self.live():
            stopping = asyncio.ensure_future(rng.choice(self.live()).stop())
            self.tasks[stopping] = 0
        elif roll < 0.72:
            await self.spawn()
        elif roll < 0.9:
            await self.clock.advance(rng.choice([0.25, 0.5, 1.0]))
        else:
            for _ in range(rng.randrange(3)):
                await asyncio.sleep(0)

    async def finish(self) -> None:
        """Lets everything end: the gates open and the deadlines pass, or (one seed in four)
        a shutdown forced at once finds the traffic as it is."""
        if self.rng.random() < 0.25:
            await self.system.shutdown(timeout=0)
        for gate in self.gates.values():
            gate.set()
        await self.clock.advance(5.0)
        if self.tasks:
            await asyncio.wait(self.tasks)
        for n in self.tasks.values():
            if n and n not in self.seen.heard and n not in self.seen.reply:
                self.seen.heard[n] = "never began"  # cancelled before its first step


def watch_deadlines(monkeypatch: pytest.MonkeyPatch, driver: list[Driver]) -> None:
    """Runs the driver's same-turn chaos around each firing of the deadlines, notes each ask
    a deadline answers while its actor is closed (the close came first, and did not answer
    it), and what the asks metric counted, per asker task."""
    time_out = _time_out
    ask_failed = ClassStats.ask_failed
    in_the_deadlines_turn(
        monkeypatch,
        lambda: driver[0].around_the_deadlines(before=True),
        lambda: driver[0].around_the_deadlines(before=False),
    )

    def timing_out(bucket: dict[Any, None], advice: str, live: Any) -> None:
        seen = driver[0].seen
        for envelope in bucket:
            cell = driver[0].system._runtime.lookup(envelope.target)  # noqa: SLF001
            asker = seen.asker.get(envelope.message)
            cancelled_first = asker is not None and asker.cancelling()  # the close skips it
            if not envelope.future.done() and (cell is None or cell.closed) and not cancelled_first:
                seen.after_close.append(envelope.message)
        time_out(bucket, advice, live)

    def counted(stats: ClassStats, error: BaseException, seconds: float) -> None:
        task = asyncio.current_task()
        seen = driver[0].seen
        if task in seen.by_task:
            seen.counted[seen.by_task[task]].append(type(error).__name__)
        ask_failed(stats, error, seconds)

    monkeypatch.setattr("actorkit._clock._time_out", timing_out)
    monkeypatch.setattr(ClassStats, "ask_failed", counted)


async def scenario(seed: int, driver: list[Driver], steps: int = 40) -> Seen:
    """One seed, run in a system of its own; `driver` holds the seed's driver, for the hooks
    `watch_deadlines` set."""
    clock = ManualClock()
    dead: dict[int, list[str]] = defaultdict(list)
    async with ActorSystem(clock=clock) as system:
        system.dead_letters.listen(lambda letter: dead[letter.message].append(letter.reason))  # type: ignore[index]
        driver[:] = [Driver(seed, system, clock)]
        for _ in range(3):
            await driver[0].spawn()
        for _ in range(steps):
            await driver[0].step()
            driver[0].seen.balanced = system.accounting().balanced
            if not driver[0].seen.balanced:
                break
        await driver[0].finish()
    seen = driver[0].seen
    seen.dead = dict(dead)
    seen.balanced = seen.balanced and system.accounting().balanced
    return seen
