"""A randomized model of withdrawing queued ticks and `Terminated` (`_withdraw`).

One actor under a supervisor is driven through seeded random sequences of tells, asks,
sends blocked on a bounded mailbox, timer starts, cancels and `cancel_all` (from plain code
while it is held in a handler, and from inside its handlers), ticks fired by a
`ManualClock`, watches and unwatches of actors that stop, failures (restarted or resumed)
and a final self-stop. After every step: no withdrawn tick or `Terminated` reached a
handler, the withdrawn messages are all still queued and are exactly the queued ones that
ended, `cancel` answered what a scan of the queue says, and the accounting balances. At the
end every user message was handled once, in its sender's order, and every `Terminated` still
watched for arrived. The receive loop's batch is made small, so that its reach between two
sweeps is crossed often."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

import actorkit._mailbox as mailbox_module
import actorkit._receive as receive_module
from actorkit import Actor, ActorRef, ActorSystem, OneForAll, OneForOne, Terminated
from actorkit._envelope import NEWS, TICK, Ask
from actorkit._room import UNBOUNDED
from actorkit.testing import ManualClock

from .invariants import assert_invariants

Directive = Literal["restart", "resume"]
SENDERS = 3
TARGETS = 3
KEYS = 12


class Boom(Exception):
    pass


@dataclass
class Gen:
    """One timer started under a key: its ticks carry its number."""

    key: int
    instance: int
    periodic: bool
    ended: bool = False


@dataclass
class World:
    rng: random.Random
    gens: list[Gen] = field(default_factory=list)
    gen_of: dict[int, int] = field(default_factory=dict)
    watching: list[bool] = field(default_factory=lambda: [False] * TARGETS)
    targets: list[ActorRef] = field(default_factory=list)
    handled: dict[int, list[int]] = field(default_factory=lambda: {s: [] for s in range(SENDERS)})
    sent: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(SENDERS), 0))
    errors: list[str] = field(default_factory=list)
    instances: int = 0
    current: Any = None
    cancels: int = 0
    withdrawn_seen: int = 0

    def error(self, text: str) -> None:
        self.errors.append(text)


class Subject(Actor):
    def __init__(self, world: World) -> None:
        world.instances += 1
        self.no = world.instances
        self.world = world
        world.current = self
        for gen in world.gens:  # its predecessor's timers ended with it
            if gen.instance != self.no:
                gen.ended = True
        world.gen_of.clear()

    async def receive(self, message: Any) -> Any:
        world = self.world
        if type(message) is Terminated:
            index = world.targets.index(message.ref)
            if not world.watching[index]:
                world.error(f"a Terminated of target {index} unwatched reached the handler")
            world.watching[index] = False
            if world.rng.random() < 0.3:  # a watch from its handler is a new one
                op_watch(world, self, index)
            elif world.rng.random() < 0.3:
                op_unwatch(world, self, index)
            return None
        kind = message[0]
        if kind == "tick":
            gen = world.gens[message[2]]
            if gen.ended or gen.instance != self.no:
                world.error(f"an ended timer's tick reached the handler: {message}")
            if not gen.periodic and world.gen_of.get(gen.key) == message[2]:
                del world.gen_of[gen.key]  # a one-shot timer's tick, handled: nothing left
            if world.rng.random() < 0.3:  # its own key, the tick in hand: none is queued
                op_cancel(world, self, gen.key)
            return None
        if kind in ("m", "ask", "fail"):
            _, sender, seq = message
            seen = world.handled[sender]
            if seen and seen[-1] >= seq:
                world.error(f"sender {sender}: {seq} handled after {seen[-1]}")
            seen.append(seq)
            if kind == "fail":
                raise Boom(seq)
            return seq
        if kind == "hold":
            await message[1].wait()
            return None
        if kind == "do":
            for step in message[1]:
                step(self)
            return None
        raise AssertionError(message)


class Target(Actor):
    async def receive(self, message: Any) -> None:
        pass


class Crash(Exception):
    pass


class Sibling(Actor):
    async def receive(self, message: Any) -> None:
        raise Crash(message)


class Parent(Actor):
    """Resumes or restarts the subject's own failures; a sibling's failure restarts both
    under `all`, and a shutdown time of 0 cuts the subject's instance, mid-handler if held."""

    def __init__(
        self, world: World, directive: Directive, capacity: int | None, shape: str
    ) -> None:
        kind = OneForAll if shape.startswith("all") else OneForOne
        self.supervisor_strategy = kind(
            max_restarts=10_000,
            decider=lambda e: directive if isinstance(e, Boom) else "restart",
            shutdown=0 if shape.endswith("cut") else None,
        )
        self.world = world
        self.capacity = capacity

    async def on_start(self) -> None:
        self.child = await self.spawn(Subject, self.world, mailbox_size=self.capacity)
        self.sibling = await self.spawn(Sibling)

    async def receive(self, message: Any) -> Any:
        return self.sibling if message == "sibling" else self.child


# --- the oracle: what a scan of the queue says ------------------------------------------
def queued_live(cell: Any) -> list[Any]:
    withdrawn = cell.mailbox.withdrawn or {}
    return [m for m in cell.mailbox.queue if id(m) not in withdrawn]


def carried(envelope: Ask) -> Any:
    return envelope.message


def tick_queued(cell: Any, key: int) -> bool:
    return any(
        type(m) is Ask and m.timeout == TICK and carried(m)[1] == key for m in queued_live(cell)
    )


def check(world: World, cell: Any, system: ActorSystem) -> None:
    assert_invariants(system)
    mailbox = cell.mailbox
    withdrawn = mailbox.withdrawn or {}
    if cell.closed:
        return
    queue = list(mailbox.queue)
    ids = {id(m) for m in queue}
    for key, envelope in withdrawn.items():
        if key not in ids or id(envelope) != key:
            world.error(f"withdrawn but not queued: {envelope.message}")
        if type(envelope) is not Ask or envelope.timeout not in (TICK, NEWS):
            world.error(f"withdrawn, not a tick nor a Terminated: {envelope!r}")
    if len(mailbox) != len(queue) - len(withdrawn):
        world.error("len(mailbox) disagrees with the queue")
    news: list[int] = []
    for message in queued_live(cell):
        if type(message) is not Ask:
            continue
        if message.timeout == TICK:
            gen = world.gens[carried(message)[2]]
            if gen.ended:
                world.error(f"queued, not withdrawn, though its timer ended: {message.message}")
        elif message.timeout == NEWS:
            index = world.targets.index(carried(message).ref)
            news.append(index)
            if not world.watching[index]:
                world.error(f"a Terminated of unwatched target {index} queued, not withdrawn")
    if len(news) != len(set(news)):
        world.error(f"two Terminated of one actor queued: {news}")
    capacity = mailbox.capacity
    if capacity != UNBOUNDED:
        room = len(mailbox) + mailbox.reserved < capacity
        if room and any(not waiting.done() for waiting in mailbox.blocked or ()):
            world.error("a sender waits while there is room")
        if len(mailbox) + mailbox.reserved > capacity + len(news):  # `Terminated` is forced
            world.error(f"{len(mailbox)} queued and {mailbox.reserved} granted past {capacity}")
        limit = 0 if mailbox.blocked else capacity - mailbox.reserved + len(withdrawn)
        if mailbox.limit != limit:
            world.error(f"the mailbox's limit is {mailbox.limit}, its room rule says {limit}")


# --- operations on the actor's timers and watches (plain code, or inside a handler) -------
def op_start(world: World, actor: Subject, key: int, periodic: bool, delay: float) -> None:
    old = world.gen_of.get(key)
    if old is not None:
        world.gens[old].ended = True
    number = len(world.gens)
    world.gens.append(Gen(key, actor.no, periodic))
    world.gen_of[key] = number
    if periodic:
        actor.timers.start_every(key, ("tick", key, number), delay)
    else:
        actor.timers.start_once(key, ("tick", key, number), delay)


def op_cancel(world: World, actor: Subject, key: int) -> None:
    cell = actor._cell
    queued = tick_queued(cell, key)
    expected = actor.timers.is_active(key) or queued
    old = world.gen_of.pop(key, None)
    if old is not None:
        world.gens[old].ended = True
    got = actor.timers.cancel(key)
    world.cancels += 1
    world.withdrawn_seen += queued
    if got != expected:
        world.error(f"cancel({key}) answered {got}, a scan says {expected}")
    if tick_queued(cell, key):
        world.error(f"cancel({key}) left a tick queued")


def op_cancel_all(world: World, actor: Subject) -> None:
    for number in world.gen_of.values():
        world.gens[number].ended = True
    world.gen_of.clear()
    actor.timers.cancel_all()


def op_watch(world: World, actor: Subject, index: int) -> None:
    world.watching[index] = True
    actor.watch(world.targets[index])


def op_unwatch(world: World, actor: Subject, index: int) -> None:
    world.watching[index] = False
    actor.unwatch(world.targets[index])


def random_op(world: World, rng: random.Random) -> Any:
    """A step to run on an instance, now or later inside a handler."""
    key = rng.randrange(KEYS)
    choice = rng.random()
    if choice < 0.35:
        periodic = rng.random() < 0.3
        delay = rng.choice((0.5, 1.0, 1.0, 2.0))
        return lambda actor: op_start(world, actor, key, periodic, delay)
    if choice < 0.7:
        return lambda actor: op_cancel(world, actor, key)
    if choice < 0.75:
        return lambda actor: op_cancel_all(world, actor)
    index = rng.randrange(TARGETS)
    if choice < 0.88:
        return lambda actor: op_watch(world, actor, index)
    return lambda actor: op_unwatch(world, actor, index)


# --- the driver ---------------------------------------------------------------------------
async def run_sequence(seed: int, steps: int) -> World:
    rng = random.Random(seed)
    world = World(rng)
    capacity = rng.choice((None, None, 4, 9))
    directive: Directive = rng.choice(("restart", "resume"))
    shape = rng.choice(("one", "one-cut", "all", "all-cut"))
    clock = ManualClock()
    senders: list[asyncio.Task[None]] = []
    backlog: list[asyncio.Queue[Any]] = [asyncio.Queue() for _ in range(SENDERS)]
    asks: list[asyncio.Future[Any]] = []
    gates: list[asyncio.Event] = []
    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent, world, directive, capacity, shape)
        ref: ActorRef = await parent.ask("child")
        sibling: ActorRef = await parent.ask("sibling")
        cell = ref._cell
        world.targets = [await system.spawn(Target) for _ in range(TARGETS)]

        async def sender(index: int) -> None:
            while True:
                message = await backlog[index].get()
                if message[0] == "ask":  # its answer awaited: a later send cannot overtake it
                    asks.append(asyncio.ensure_future(ref.ask(message, timeout=10_000)))
                    await asyncio.wait([asks[-1]])
                else:
                    await ref.send(message)

        senders = [asyncio.ensure_future(sender(i)) for i in range(SENDERS)]

        def live() -> Subject | None:
            actor = world.current
            if cell.closed or cell.instance is not actor:
                return None
            return actor if isinstance(actor, Subject) else None

        def user(kind: str) -> None:
            index = rng.randrange(SENDERS)
            seq = world.sent[index]
            world.sent[index] = seq + 1
            backlog[index].put_nowait((kind, index, seq))

        for _ in range(steps):
            choice = rng.random()
            actor = live()
            if choice < 0.20:
                user(rng.choice(("m", "m", "m", "ask")))
            elif choice < 0.23:
                user("fail")
            elif choice < 0.29:
                gate = asyncio.Event()
                gates.append(gate)
                backlog[rng.randrange(SENDERS)].put_nowait(("hold", gate))
            elif choice < 0.33 and gates:
                gates.pop(rng.randrange(len(gates))).set()
            elif choice < 0.41:
                ops = [random_op(world, rng) for _ in range(rng.randint(1, 4))]
                backlog[rng.randrange(SENDERS)].put_nowait(("do", ops))
            elif choice < 0.70 and actor is not None:
                for _ in range(rng.randint(1, 6)):
                    random_op(world, rng)(actor)
            elif choice < 0.72:
                sibling.tell("crash")  # under `all`, the subject restarts too
            elif choice < 0.73:
                backlog[rng.randrange(SENDERS)].put_nowait(("do", [lambda actor: actor.stop()]))
            elif choice < 0.74:
                index = rng.randrange(TARGETS)
                if world.targets[index].is_alive:
                    await world.targets[index].stop()
            elif choice < 0.80 and actor is not None:
                for key in rng.sample(range(KEYS), rng.randint(1, KEYS)):
                    op_start(world, actor, key, rng.random() < 0.2, rng.choice((0.5, 1.0)))
            else:
                await clock.advance(rng.choice((0.25, 0.5, 1.0, 2.0)))
            await clock.settle()
            check(world, cell, system)
            if world.errors:
                break
        for gate in gates:
            gate.set()
        for _ in range(20):
            if all(queue.empty() for queue in backlog):
                break
            await clock.settle()
        actor = live()
        if actor is not None:
            op_cancel_all(world, actor)
        await clock.settle()
        check(world, cell, system)
        for task in senders:
            task.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        answers = await asyncio.gather(*asks, return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException):
                world.error(f"an ask failed: {answer!r}")
        if not world.errors:
            for index in range(SENDERS):
                if cell.closed:
                    count = len(world.handled[index])
                    if world.handled[index] != list(range(count)):
                        world.error(f"sender {index}: handled {world.handled[index]}")
                elif world.handled[index] != list(range(world.sent[index])):
                    world.error(f"sender {index}: handled {world.handled[index]}")
            for index, watched in enumerate(world.watching):
                if watched and not world.targets[index].is_alive:
                    world.error(f"the Terminated of target {index} never arrived")
        check(world, cell, system)
    assert_invariants(system)
    return world


@pytest.fixture(params=[3, 128], ids=["batch3", "batch128"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The receive loop's batch, its reach between two sweeps: small, it is crossed often."""
    monkeypatch.setattr(mailbox_module, "BATCH", request.param)
    monkeypatch.setattr(receive_module, "BATCH", request.param)
    return int(request.param)


SEQUENCES = 50


async def test_random_sequences_never_hand_a_withdrawn_message_to_a_handler(batch: int) -> None:
    cancels = withdrawn = 0
    async with asyncio.timeout(60):
        for seed in range(SEQUENCES):
            world = await run_sequence(1000 * batch + seed, 100)
            assert not world.errors, f"seed {1000 * batch + seed}: {world.errors[:5]}"
            cancels += world.cancels
            withdrawn += world.withdrawn_seen
    assert cancels > 100 and withdrawn > 20  # the sequences did withdraw queued ticks
