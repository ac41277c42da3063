"""Senders waiting for room at a pool's small mailboxes, meeting at random what can end or
move their wait: their own cancellation at any turn, a member's crash and restart, its stop,
a shrink that makes it leave, a regrowth, an ask's deadline. Whatever the order, each
message has at most one fate, one whose sender returned has exactly one, and every mailbox
keeps the room's rules (`room_support`): no sender left in line, no place left granted."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, OneForOne
from actorkit.testing import ManualClock

from .room_support import room_problems, settled_room_problems

SEEDS = 60


class Crash(Exception):
    pass


class Member(Actor):
    """Yields once per message, so senders run between its handlings; a message the seed
    marked fails its handler (a restart, in place)."""

    def __init__(self, handled: list[int], crashing: set[int]) -> None:
        self.handled, self.crashing = handled, crashing

    async def receive(self, message: int) -> int:
        await asyncio.sleep(0)
        self.handled.append(message)
        if message in self.crashing:
            raise Crash(message)
        return message


class Races:
    def __init__(self, seed: int, system: ActorSystem, clock: ManualClock) -> None:
        self.rng = random.Random(seed)
        self.system, self.clock = system, clock
        self.handled: list[int] = []
        self.crashing: set[int] = set()
        self.dead: dict[int, list[str]] = defaultdict(list)
        self.heard: dict[int, str] = {}
        self.kind: dict[int, str] = {}
        self.tasks: list[asyncio.Task[Any]] = []
        self.refs: list[ActorRef] = []
        self.count = 0

    async def start(self) -> Any:
        def noted(letter: Any) -> None:
            self.dead[letter.message].append(letter.reason)

        self.system.dead_letters.listen(noted)
        self.pool = await self.system.spawn_pool(
            Member, self.handled, self.crashing, size=2, mailbox_size=self.rng.choice([1, 2])
        )
        self.refs = list(self.pool.members)
        return self.pool

    async def _send(self, target: Any, n: int) -> None:
        try:
            await target.send(n)
            self.heard[n] = "sent"
        except asyncio.CancelledError:
            self.heard[n] = "cancelled"
            raise

    async def _ask(self, target: Any, n: int) -> None:
        try:
            await target.ask(n, timeout=self.rng.choice([0.5, 2.0]))
            self.heard[n] = "answered"
        except asyncio.CancelledError:
            self.heard[n] = "cancelled"
            raise
        except Exception as error:
            self.heard[n] = type(error).__name__

    def traffic(self) -> None:
        self.count += 1
        n = self.count
        if self.rng.random() < 0.1:
            self.crashing.add(n)
        target = self.pool if self.rng.random() < 0.3 else self.rng.choice(self.refs)
        self.kind[n] = kind = self.rng.choice(["send", "send", "ask"])
        coroutine = self._send(target, n) if kind == "send" else self._ask(target, n)
        self.tasks.append(asyncio.ensure_future(coroutine))

    async def step(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            for _ in range(rng.randrange(1, 4)):
                self.traffic()
        elif roll < 0.6:
            pending = [task for task in self.tasks if not task.done()]
            if pending:
                rng.choice(pending).cancel()
        elif roll < 0.64:
            self.tasks.append(asyncio.ensure_future(rng.choice(self.refs).stop()))
        elif roll < 0.7:
            self.tasks.append(asyncio.ensure_future(self.pool.resize(rng.choice([1, 2, 3]))))
        elif roll < 0.78:
            self.refs.extend(ref for ref in self.pool.members if ref not in self.refs)
        elif roll < 0.85:
            await self.clock.advance(0.5)
        else:
            for _ in range(rng.randrange(1, 4)):
                await asyncio.sleep(0)

    def boxes(self) -> list[Any]:
        cells = [ref._cell for ref in self.refs] + [self.pool._cell]
        return [cell.mailbox for cell in cells]

    def fates(self) -> list[str]:
        problems = []
        handled = Counter(self.handled)
        for n, kind in self.kind.items():
            fates = handled[n] + len(self.dead.get(n, []))
            heard = self.heard.get(n, "never began")
            where = f"{kind} {n}: heard {heard}, handled {handled[n]}, dead {self.dead.get(n)}"
            if fates > 1:
                problems.append(f"{where}: more than one fate")
            elif heard in ("sent", "answered") and fates != 1:
                problems.append(f"{where}: lost")
            elif kind == "send" and heard in ("cancelled", "never began") and fates:
                problems.append(f"{where}: cancelled, yet delivered")
        return problems


async def _scenario(seed: int) -> list[str]:
    clock = ManualClock()
    strategy = OneForOne(max_restarts=1000)
    async with ActorSystem(clock=clock, supervisor=strategy, metrics=False) as system:
        races = Races(seed, system, clock)
        await races.start()
        for i in range(40):
            await races.step()
            for box in races.boxes():
                problems = room_problems(box)
                if problems:
                    return [f"step {i}: {problems}"]
        await clock.advance(5.0)  # the asks' deadlines, all of them
        await asyncio.wait(races.tasks)
        for box in races.boxes():
            problems = settled_room_problems(box)
            if problems:
                return [f"settled: {problems}"]
    if not system.accounting().balanced:
        return [f"accounting: {system.accounting()}"]
    return races.fates()


async def test_senders_meeting_crashes_stops_shrinks_and_cancellations_keep_the_room() -> None:
    """A failure names its seed, which `_scenario(seed)` replays alone."""
    async with asyncio.timeout(30):
        for seed in range(SEEDS):
            problems = await _scenario(seed)
            assert problems == [], f"seed {seed}: {problems[:5]}"
