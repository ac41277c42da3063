"""The model `tests/test_withdraw_model.py` drives: its world (the timers started, the actors
watched, what each sender sent and what was handled), the subject actor under a supervisor,
the oracle that checks the queue after every step, and the operations on the subject's timers
and watches, run from plain code or inside its handlers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

from actorkit import Actor, ActorRef, ActorSystem, OneForAll, OneForOne, Terminated
from actorkit._envelope import NEWS, TICK, Ask
from actorkit._room import UNBOUNDED

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
