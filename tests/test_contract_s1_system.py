"""API.md sections 1, 2, 8 and 9 (actors and stopping): the names and defaults of the calls
users write against, which are awaited, the error tree, and the rules the other modules leave
to single cases (a string as factory, `on_stop` on each kind of stop)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import (
    DEFAULT_MAILBOX_SIZE,
    Actor,
    ActorError,
    ActorRef,
    ActorStopped,
    ActorSystem,
    AskTimeout,
    DeadlineExceeded,
    MailboxFull,
    NameTaken,
    OneForOne,
    SupervisorGaveUp,
    SystemFailed,
    TaskCancelled,
    TaskHandle,
    TimerHandle,
)
from actorkit.testing import ManualClock

from .contract_support import assert_awaited, assert_signature


def test_the_system_and_its_calls_take_the_contract_s_parameters() -> None:
    names = {"DEFAULT": DEFAULT_MAILBOX_SIZE}
    assert_signature(
        ActorSystem,
        "name='actorkit', *, supervisor=None, metrics=True, clock=None, transport=None, store=None",
    )
    assert_signature(ActorSystem.shutdown, "self, timeout=10.0")
    assert_signature(
        ActorSystem.spawn,
        "self, factory, *args, name=None, mailbox_size=DEFAULT, restart='permanent', "
        "capabilities=(), persistence_id=None, **kwargs",
        names,
    )
    assert_signature(ActorSystem.lookup, "self, path")
    assert_signature(ActorSystem.ask, "self, path, msg, timeout=5.0")
    assert_signature(ActorRef.tell, "self, msg")
    assert_signature(ActorRef.send, "self, msg")
    assert_signature(ActorRef.ask, "self, msg, timeout=5.0")
    assert_signature(ActorRef.stop, "self")
    assert_signature(actorkit.run, "main")


def test_the_default_mailbox_is_bounded() -> None:
    assert isinstance(DEFAULT_MAILBOX_SIZE, int) and DEFAULT_MAILBOX_SIZE >= 1


def test_awaited_calls_are_coroutines_and_plain_calls_are_not() -> None:
    """API 9: "`subscribe`, `unsubscribe`, `publish`, `lookup`, `schedule_*`, `agents`,
    `watch`, `tell` and handle `cancel` are plain; `spawn`, `spawn_pool`, `send`, `ask`,
    `stop`, `submit`, `shutdown`, `serve_http` are awaited"."""
    assert_awaited(
        ActorSystem,
        awaited=["start", "spawn", "spawn_pool", "ask", "submit", "shutdown", "serve_http"],
        plain=[
            "subscribe",
            "unsubscribe",
            "publish",
            "lookup",
            "schedule_once",
            "schedule_every",
            "agents",
            "expose",
            "remote",
        ],
    )
    assert_awaited(ActorRef, awaited=["send", "ask", "stop"], plain=["tell"])
    assert_awaited(Actor, awaited=["spawn"], plain=["watch", "unwatch", "subscribe", "stop"])
    assert_awaited(TaskHandle, awaited=["result"], plain=["cancel"])
    assert_awaited(TimerHandle, awaited=[], plain=["cancel"])


def test_every_error_derives_from_actor_error() -> None:
    errors = [
        MailboxFull,
        ActorStopped,
        AskTimeout,
        NameTaken,
        SystemFailed,
        DeadlineExceeded,
        TaskCancelled,
        SupervisorGaveUp,
        actorkit.PersistenceError,
        actorkit.PersistenceConflict,
    ]
    assert all(issubclass(error, ActorError) for error in errors)
    assert issubclass(AskTimeout, TimeoutError)
    assert issubclass(actorkit.PersistenceConflict, actorkit.PersistenceError)


def test_names_of_later_sections_are_not_exported_before_they_are_built() -> None:
    """Sections 12-14 are planned: none of their names may exist yet."""
    for name in ("MessageRejected", "DeadlockError", "Ask", "tracing"):
        assert not hasattr(actorkit, name), name
    assert not hasattr(ActorSystem, "entities")
    assert not hasattr(ActorRef, "stream")
    for name in ("become", "unbecome", "stash", "unstash_all"):
        assert not hasattr(Actor, name), name


@pytest.mark.parametrize("factory", [42, "x", str])
async def test_spawn_of_what_is_not_an_actor_raises_type_error_from_spawn(factory: Any) -> None:
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match="Actor"):
            await system.spawn(factory)
        assert system.actor_count == 0


class Stops(Actor):
    """Counts `on_stop` per instance in a shared journal."""

    def __init__(self, tag: str, journal: dict[str, list[int]]) -> None:
        self.tag = tag
        self.journal = journal

    async def on_stop(self) -> None:
        self.journal.setdefault(self.tag, []).append(id(self))

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise RuntimeError("failing on purpose")
        if message == "vexed":
            raise ValueError("stopped by its decider")
        if message == "stop yourself":
            self.stop()
        if message == "hang":
            await asyncio.Event().wait()
        return message


class StopsChildren(Actor):
    supervisor_strategy = OneForOne(decider={ValueError: "stop"})

    def __init__(self, journal: dict[str, list[int]]) -> None:
        self.journal = journal

    async def on_start(self) -> None:
        await self.spawn(Stops, "parent stopped", self.journal, name="child")
        await self.spawn(Stops, "decider stop", self.journal, name="decided")

    async def receive(self, message: Any) -> None:
        pass


async def test_on_stop_runs_once_per_instance_on_every_kind_of_stop(clock: ManualClock) -> None:
    """API 9: "`on_stop` runs once per actor instance, on every kind of stop, the failing
    instance before a restart included"."""
    journal: dict[str, list[int]] = {}
    system = await ActorSystem(clock=clock).start()
    await (await system.spawn(Stops, "ref.stop", journal)).stop()
    quitter = await system.spawn(Stops, "self.stop", journal, restart="temporary")
    quitter.tell("stop yourself")
    restarted = await system.spawn(Stops, "restart", journal)
    restarted.tell("fail")
    failed = await system.spawn(Stops, "failure", journal, restart="temporary")
    failed.tell("fail")
    parent = await system.spawn(StopsChildren, journal, name="p")
    decided = system.lookup("/p/decided")
    assert decided is not None
    decided.tell("vexed")
    await clock.advance(0)
    await parent.stop()
    await system.spawn(Stops, "shutdown", journal)
    stuck = await system.spawn(Stops, "shutdown past its timeout", journal)
    await stuck.send("hang")
    shutdown = asyncio.create_task(system.shutdown(timeout=0.1))
    await clock.advance(0.1)
    await shutdown
    counts = {tag: (len(ids), len(set(ids))) for tag, ids in journal.items()}
    assert counts == {
        "ref.stop": (1, 1),
        "self.stop": (1, 1),
        "restart": (2, 2),  # the failing instance, then its successor at shutdown
        "failure": (1, 1),
        "decider stop": (1, 1),
        "parent stopped": (1, 1),
        "shutdown": (1, 1),
        "shutdown past its timeout": (1, 1),
    }
