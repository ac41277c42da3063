"""Property tests against simple reference models, driven by hypothesis:

- a stateful model of spawn / tell / ask / crash / stop / self-stop (restart) of named actors:
  which are alive, what each instance has handled, and the counts the runtime keeps;
- pub-sub through `system.publish` against a brute-force NATS matcher (the topic index on its
  own is tested in test_topics_*.py; this checks the system level: delivery in order, once per
  actor, the count, dead letters, and the dead-letter topic, which `>` patterns match too);
- consistent-hash stickiness through `spawn_pool(routing="consistent_hash")`, across member
  restarts and the loss of a member.

Each hypothesis example runs on an event loop of its own (`asyncio.Runner` / `asyncio.run`),
since hypothesis is synchronous. Example counts are kept modest: the file runs in seconds.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from actorkit import (
    DEAD_LETTER_TOPIC,
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    DeadLetter,
    NameTaken,
    OneForOne,
    PoolRef,
)
from actorkit.testing import snapshot, snapshots

from .invariants import assert_invariants, live_tasks

NAMES = ["a", "b", "c"]


class Boom(Exception):
    """The crash the model injects."""


class Recorder(Actor):
    """Keeps what it was told since it (re)started; `crash` fails it, `stop` stops itself
    (a permanent actor is then restarted, OTP rules), `get` answers with what it has."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise Boom("crash requested by the model")
        if message == "stop":
            self.stop()
            return None
        if message == "get":
            return list(self.seen)
        self.seen.append(message)
        return None


class Model:
    """What one live actor should look like: the values its current instance holds and the
    counts its cell has kept since it was spawned (restarts keep the cell)."""

    def __init__(self, ref: ActorRef) -> None:
        self.ref = ref
        self.seen: list[int] = []
        self.processed = 0
        self.crashed = 0
        self.restarts = 0


class ActorLifecycle(RuleBasedStateMachine):
    """The runtime against the model after every step: the same actors alive, each holding
    what the model says, with the same processed/crashed/restart counts and balanced
    accounting; stopped names are free again and their refs dead."""

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.before = self.runner.run(_live_task_count())
        self.system = self.runner.run(
            ActorSystem("model", supervisor=OneForOne(max_restarts=10_000, within=1.0)).start()
        )
        self.alive: dict[str, Model] = {}
        self.dead: list[ActorRef] = []
        self.dead_letters = 0
        self.value = 0

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    @rule(name=st.sampled_from(NAMES))
    def spawn(self, name: str) -> None:
        if name in self.alive:
            with pytest.raises(NameTaken):
                self.run(self.system.spawn(Recorder, name=name))
            return
        ref = self.run(self.system.spawn(Recorder, name=name))
        assert ref not in [model.ref for model in self.alive.values()] + self.dead
        self.alive[name] = Model(ref)

    @rule(name=st.sampled_from(NAMES), count=st.integers(1, 5))
    def tell(self, name: str, count: int) -> None:
        model = self.alive.get(name)
        ref = model.ref if model is not None else self._dead_ref(name)
        for _ in range(count):
            self.value += 1
            if ref is None:
                return
            ref.tell(self.value)
            if model is None:
                self.dead_letters += 1
            else:
                model.seen.append(self.value)
                model.processed += 1

    @rule(name=st.sampled_from(NAMES))
    def ask(self, name: str) -> None:
        model = self.alive.get(name)
        if model is None:
            with pytest.raises(ActorStopped):
                self.run(self.system.ask(f"/{name}", "get", timeout=5.0))
            return
        assert self.run(model.ref.ask("get", timeout=5.0)) == model.seen
        model.processed += 1
        actor = snapshot(model.ref)
        # After the reply everything told before it was handled: the counts are exact.
        assert (actor.accounting.processed, actor.accounting.crashed, actor.restarts) == (
            model.processed,
            model.crashed,
            model.restarts,
        )

    @precondition(lambda self: bool(self.alive))
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        model = self.alive[data.draw(st.sampled_from(sorted(self.alive)))]
        model.ref.tell("crash")  # restarted with fresh state; the mailbox is kept
        model.seen = []
        model.crashed += 1
        model.restarts += 1

    @precondition(lambda self: bool(self.alive))
    @rule(data=st.data())
    def self_stop(self, data: st.DataObject) -> None:
        model = self.alive[data.draw(st.sampled_from(sorted(self.alive)))]
        model.ref.tell("stop")  # permanent: a normal exit is followed by a restart
        model.seen = []
        model.processed += 1
        model.restarts += 1

    @precondition(lambda self: bool(self.alive))
    @rule(data=st.data())
    def stop(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.alive)))
        model = self.alive.pop(name)
        self.run(model.ref.stop())  # the current message finishes, queued ones are dead
        self.dead.append(model.ref)

    def _dead_ref(self, name: str) -> ActorRef | None:
        for ref in reversed(self.dead):
            if ref.name == name:
                return ref
        return None

    @invariant()
    def matches_the_model(self) -> None:
        system = self.system
        for name, model in self.alive.items():
            assert model.ref.is_alive
            assert system.lookup(f"/{name}") == model.ref
        for ref in self.dead:
            assert not ref.is_alive
        paths = {actor.path for actor in snapshots(system)}
        assert paths == {"/", *(f"/{name}" for name in self.alive)}
        assert system.dead_letters.by_reason.get("stopped", 0) == self.dead_letters
        assert_invariants(system)

    def teardown(self) -> None:
        try:
            self.run(self.system.shutdown())
            assert self.system.failure is None
            assert_invariants(self.system)
            assert self.run(_live_task_count()) == self.before
        finally:
            self.runner.close()


async def _live_task_count() -> int:
    await asyncio.sleep(0)
    return len(live_tasks())


ActorLifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
test_actor_lifecycle_matches_the_model = ActorLifecycle.TestCase


# --- pub-sub through the system against a brute-force matcher -----------------------------

TOKENS = ["a", "b", "c"]
pattern_st = (
    st.lists(st.sampled_from([*TOKENS, "*"]), min_size=1, max_size=3).flatmap(
        lambda tokens: st.sampled_from([tokens, [*tokens, ">"]])
    )
    | st.just([">"])
).map(".".join)
topic_st = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map(".".join)


def nats_matches(pattern: str, topic: str) -> bool:
    """NATS rules, the obvious way: `*` is one token, a final `>` one or more."""
    p, t = pattern.split("."), topic.split(".")
    if p[-1] == ">":
        return len(t) >= len(p) and all(x in ("*", y) for x, y in zip(p[:-1], t, strict=False))
    return len(p) == len(t) and all(x in ("*", y) for x, y in zip(p, t, strict=True))


class Inbox(Actor):
    def __init__(self) -> None:
        self.got: list[object] = []

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return list(self.got)
        if isinstance(message, DeadLetter):  # a pattern such as `>` matches the dead-letter
            message = ("dead letter", message.message, message.reason)  # topic too
        self.got.append(message)
        return None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(pattern_st, min_size=1, max_size=3), min_size=1, max_size=5),
    st.lists(topic_st, min_size=1, max_size=15),
)
def test_publish_reaches_exactly_the_matching_actors_once(
    subscriptions: list[list[str]], topics: list[str]
) -> None:
    async def scenario() -> None:
        async with ActorSystem("pubsub") as system:
            refs = []
            for patterns in subscriptions:
                ref = await system.spawn(Inbox)
                for pattern in patterns:
                    system.subscribe(ref, pattern)
                refs.append(ref)

            def matched(topic: str) -> int:
                return sum(
                    any(nats_matches(p, topic) for p in patterns) for patterns in subscriptions
                )

            unmatched = 0
            for topic in topics:
                expected = matched(topic)
                assert system.publish(topic, topic) == expected, topic
                unmatched += expected == 0
            for ref, patterns in zip(refs, subscriptions, strict=True):
                wanted: list[object] = []
                for topic in topics:
                    if any(nats_matches(p, topic) for p in patterns):
                        wanted.append(topic)
                    elif not matched(topic) and any(
                        nats_matches(p, DEAD_LETTER_TOPIC) for p in patterns
                    ):
                        wanted.append(("dead letter", topic, "no_subscribers"))
                assert await ref.ask("get") == wanted  # in order, each once
            assert system.dead_letters.by_reason.get("no_subscribers", 0) == unmatched
            assert_invariants(system)

    asyncio.run(scenario())


# --- consistent-hash stickiness through a pool ---------------------------------------------


class Keeper(Actor):
    """Records the keys it got; `crash` restarts it (the pool keeps its ref and name)."""

    def __init__(self, log: dict[str, list[object]]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        key, what = message
        if what == "crash":
            raise Boom("member crash")
        self.log.setdefault(self.name, []).append(key)
        return self.name


def key_of(message: tuple[object, str]) -> object:
    return message[0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000) | st.text(max_size=6), min_size=1, max_size=40),
    st.integers(2, 6),
    st.data(),
)
def test_consistent_hash_keys_stick_to_members_across_restarts_and_losses(
    keys: list[object], size: int, data: st.DataObject
) -> None:
    async def scenario() -> None:
        log: dict[str, list[object]] = {}
        async with ActorSystem("sticky") as system:
            pool = await system.spawn_pool(
                Keeper, log, size=size, routing="consistent_hash", hash_key=key_of
            )
            assert isinstance(pool, PoolRef)
            owner = {key: await pool.ask((key, "where")) for key in keys}
            # Same key, same member, every time, interleaved with other keys.
            for key in keys:
                pool.tell((key, "again"))
            again = {key: await pool.ask((key, "where")) for key in reversed(keys)}
            assert again == owner
            # A member that crashes is restarted under the same name and keeps its keys.
            crashed = data.draw(st.sampled_from(pool.members))
            crashed_key = next((k for k in keys if owner[k] == crashed.name), None)
            if crashed_key is not None:
                pool.tell((crashed_key, "crash"))
            assert {key: await pool.ask((key, "where")) for key in keys} == owner
            # A member lost for good: only its keys move; everyone else keeps theirs.
            lost = data.draw(st.sampled_from(pool.members))
            await lost.stop()
            after = {key: await pool.ask((key, "where")) for key in keys}
            for key in keys:
                if owner[key] == lost.name:
                    assert after[key] != lost.name
                else:
                    assert after[key] == owner[key], key
            moved = Counter(after[k] for k in keys if owner[k] == lost.name)
            assert sum(moved.values()) == sum(owner[k] == lost.name for k in keys)
            assert_invariants(system)

    asyncio.run(scenario())
