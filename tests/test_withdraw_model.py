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
sweeps is crossed often. The model itself is in `withdraw_model_support`."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

import actorkit._mailbox as mailbox_module
import actorkit._receive as receive_module
from actorkit import ActorRef, ActorSystem
from actorkit.testing import ManualClock

from .invariants import assert_invariants
from .withdraw_model_support import (
    KEYS,
    SENDERS,
    TARGETS,
    Directive,
    Parent,
    Subject,
    Target,
    World,
    check,
    op_cancel_all,
    op_start,
    random_op,
)


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
