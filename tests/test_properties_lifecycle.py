"""Spawn, tell, ask, crash, stop and restart of named actors against a reference model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, NameTaken, OneForOne
from actorkit.testing import snapshot, snapshots

from .invariants import assert_invariants, live_tasks
from .properties_support import Boom

NAMES = ["a", "b", "c"]


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
