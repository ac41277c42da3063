"""Promises of docs/api.md §1-§4 and §8 that no other test pinned: the attributes the runtime
provides cannot be shadowed by a class attribute either, a restart gets a fresh instance
from its factory (never the one it replaces), and `>` subscribers hear of dead letters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    ChildSpec,
    DeadLetter,
    NotDelivered,
    OneForOne,
    Supervisor,
    Terminated,
)

BOUND = 5.0


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


SHADOWS: dict[str, Any] = {
    "ref": None,
    "name": "worker",
    "path": "/mine",
    "system": None,
    "parent": None,
    "children": (),
    "timers": (),
}


@pytest.mark.parametrize("attribute", sorted(SHADOWS))
async def test_a_class_attribute_shadowing_a_provided_one_is_refused_at_spawn(
    attribute: str,
) -> None:
    """`name = "worker"` in the class body hid the actor's name (and `timers = []` its
    timers) without a word: `self.name` answered "worker"."""
    shadows = type("Shadows", (Echo,), {attribute: SHADOWS[attribute]})
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        with pytest.raises(TypeError) as refused:
            await system.spawn(shadows, name="x")
        text = str(refused.value)
        assert f"Shadows.{attribute}" in text
        assert "keep yours under another attribute name" in text
        with pytest.raises(TypeError, match=f"Shadows.{attribute} hides"):
            await system.spawn_pool(shadows, size=2)
        with pytest.raises(TypeError, match=f"Shadows.{attribute} hides"):
            await system.spawn(Supervisor, [ChildSpec(shadows)])
        assert system.actor_count == 0


class Counts(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("fail")
        self.count += 1
        return self.count


class Watches(Actor):
    def __init__(self, heard: asyncio.Queue[Terminated]) -> None:
        self.heard = heard

    async def receive(self, message: Any) -> None:
        if isinstance(message, Terminated):
            self.heard.put_nowait(message)
        else:
            self.watch(message)


async def test_a_restart_refuses_a_factory_returning_the_instance_it_replaces() -> None:
    """A restart calls the factory again for a fresh state: `lambda: counter` handed the
    failed instance back, its count carried on."""
    heard: asyncio.Queue[Terminated] = asyncio.Queue()
    instance = Counts()
    root = OneForOne(decider={TypeError: "stop"})
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, supervisor=root) as system:
        ref = await system.spawn(lambda: instance, name="counter")
        watcher = await system.spawn(Watches, heard)
        await watcher.ask(ref)
        assert await ref.ask("add") == 1
        with pytest.raises(ValueError):
            await ref.ask("fail")
        with pytest.raises(ActorStopped):
            await ref.ask("add")
        terminated = await heard.get()
        assert terminated.ref == ref
        assert isinstance(terminated.reason, TypeError)
        assert "the instance /counter had before its restart" in str(terminated.reason)
        assert instance.count == 1


async def test_a_factory_returning_a_new_instance_at_each_restart_is_taken() -> None:
    made: list[Counts] = []

    def factory() -> Counts:
        made.append(Counts())
        return made[-1]

    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(factory)
        assert await ref.ask("add") == 1
        with pytest.raises(ValueError):
            await ref.ask("fail")
        assert await ref.ask("add") == 1
        assert len(made) == 2


class Hears(Actor):
    def __init__(self, heard: asyncio.Queue[object]) -> None:
        self.heard = heard

    async def receive(self, message: Any) -> None:
        self.heard.put_nowait(message)


async def test_a_subscriber_of_every_topic_gets_each_dead_letter() -> None:
    heard: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        everything = await system.spawn(Hears, heard)
        system.subscribe(everything, ">")
        gone = await system.spawn(Echo)
        await gone.stop()
        gone.tell("lost")
        record = await heard.get()
        assert isinstance(record, DeadLetter)
        assert (record.message, record.recipient, record.reason) == ("lost", gone.path, "stopped")
        assert system.dead_letters.count == 1


class Splits(Actor):
    """Asked `(pool, timeout)`, asks its own pool for a part of the work; asked `gate`, an
    `asyncio.Event`, waits on it; asked anything else, answers with its name."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            pool, timeout = message
            return await pool.ask("part", timeout=timeout)
        if isinstance(message, asyncio.Event):
            await message.wait()
            return None
        return self.name


async def test_a_member_asking_its_random_pool_is_answered_by_another_every_time() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Splits, size=2, routing="random")
        asker = pool.members[0]
        answers = {await asker.ask((pool, BOUND)) for _ in range(32)}
        assert answers == {"1"}


class Blocks(Actor):
    """Asked `(started, gate)`, says it started and waits on the gate; asked `(pool, gate)`,
    asks its pool and then opens the gate (`gather` runs the ask's routing first); asked
    anything else, answers with its name."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and isinstance(message[0], asyncio.Event):
            started, gate = message
            started.set()
            await gate.wait()
            return None
        if isinstance(message, tuple):
            pool, gate = message
            answer, _ = await asyncio.gather(pool.ask("part", timeout=BOUND), opens(gate))
            return answer
        return self.name


async def opens(gate: asyncio.Event) -> None:
    gate.set()


async def test_a_member_asking_its_least_loaded_pool_is_answered_by_another() -> None:
    """The asker's mailbox is the emptiest (the other member has a message queued behind a
    handler that waits): least_loaded picks the asker, which cannot answer, so the ask goes
    past it."""
    started, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Blocks, size=2, routing="least_loaded")
        asker, other = pool.members
        blocked = asyncio.ensure_future(other.ask((started, gate)))
        queued = asyncio.ensure_future(other.ask("queued"))
        await started.wait()
        assert await asker.ask((pool, gate)) == "1"
        assert await queued == "1"
        assert await blocked is None


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded"])
async def test_the_only_member_asking_its_pool_waits_out_its_timeout(routing: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Splits, size=1, routing=routing)
        only = pool.members[0]
        with pytest.raises(AskTimeout):
            await only.ask((pool, 0.05))
        assert await only.ask("name") == "0"  # the ask it made was answered late, dropped


async def test_a_key_owner_asking_its_consistent_hash_pool_for_its_key_waits_it_out() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            Splits, size=3, routing="consistent_hash", hash_key=lambda message: "same"
        )
        owner_name = await pool.ask("name")
        owner = next(member for member in pool.members if member.name == owner_name)
        with pytest.raises(AskTimeout):
            await owner.ask((pool, 0.05))


class SplitsInParts(Actor):
    """Asked `(pool, parts)`, asks its pool for each part at once (`asyncio.gather`, a task
    per ask): splitting its work through its pool, as docs/api.md §2 names it."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            pool, parts = message
            return await asyncio.gather(*(pool.ask(part, timeout=BOUND) for part in parts))
        return self.name


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded"])
async def test_a_member_splitting_its_work_in_tasks_of_its_own_is_answered_by_others(
    routing: str,
) -> None:
    """Each ask runs in a task `gather` made, not in the member's own: the routing handed
    one part back to the asker, whose handler was awaiting it, and it timed out."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(SplitsInParts, size=3, routing=routing)
        asker = pool.members[0]
        answers = await asker.ask((pool, ["a", "b", "c", "d"]), timeout=BOUND)
        assert len(answers) == 4 and set(answers) <= {"1", "2"}


async def test_an_ask_to_a_pool_whose_members_all_stopped_is_not_delivered() -> None:
    """No member handled it, so a retry cannot run it twice: docs/api.md §2's
    `NotDelivered`, as for an ask to a stopped actor (it was a plain `ActorStopped`)."""
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Echo, size=2, name="pool")
        for member in pool.members:
            await member.stop()
        with pytest.raises(NotDelivered, match="every member of pool /pool has stopped"):
            await pool.ask("job")
        pool.tell("job")
        with pytest.raises(NotDelivered):
            await pool.ask("job")  # after the tell: it reached the pool's mailbox first
        assert system.dead_letters.by_reason == {"stopped": 1}


async def answers_otherwise(message: Any) -> Any:
    if message == "fail":
        raise ValueError("fail")
    return ("assigned", message)


class Becomes(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "become":
            self.receive = answers_otherwise  # type: ignore[method-assign]
        return ("class", message)


async def test_a_restart_goes_back_to_the_classs_receive() -> None:
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Becomes)
        await ref.ask("become")
        assert await ref.ask(1) == ("assigned", 1)
        with pytest.raises(ValueError):
            await ref.ask("fail")
        assert await ref.ask(2) == ("class", 2)


class Hangs(Actor):
    def __init__(self, handling: asyncio.Event) -> None:
        self.handling = handling

    async def receive(self, message: Any) -> None:
        self.handling.set()
        await asyncio.Event().wait()


async def test_an_ask_cut_off_mid_handler_by_a_forced_stop_is_a_plain_actor_stopped() -> None:
    """It was being handled, so it may have had effects: no `NotDelivered` promise."""
    handling = asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Hangs, handling)
        asked = asyncio.ensure_future(ref.ask("work", timeout=BOUND))
        await handling.wait()
        await ref.stop(timeout=0.01)
        with pytest.raises(ActorStopped) as cut:
            await asked
        assert type(cut.value) is ActorStopped
