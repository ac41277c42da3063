"""Every row of README's "Errors and bad input" table, one case each: the call, the bad
argument, the error type, and a message that says what to change (matched literally)."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    Backoff,
    ChildSpec,
    MailboxFull,
    NameTaken,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
)
from actorkit.nats import NatsTransport
from actorkit.testing import ManualClock, Probe, pending_timers


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "call":
            return message[1](self)  # run a call inside the actor (watch, timers, ...)
        return message


class Misspelt(Actor):
    async def recieve(self, message: Any) -> Any:
        return message


class SyncReceive(Actor):
    def receive(self, message: Any) -> Any:  # type: ignore[override]
        return message


class ClassAsStrategy(Plain):
    supervisor_strategy = OneForOne  # type: ignore[assignment]  # the slip: no instance


class Held(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()


async def pool_of(env: Env, call: Callable[[Any], Awaitable[Any]]) -> Any:
    return await call(await env.system.spawn_pool(Plain, size=2))


async def stopped_then_resize(pool: Any) -> None:
    await pool.stop()
    await pool.resize(3)


@dataclass
class Env:
    system: ActorSystem
    ref: ActorRef
    stopped: ActorRef


async def inside(env: Env, call: Callable[[Actor], Any]) -> Any:
    """Run `call(actor)` in the actor's own context (where `watch` and timers live)."""
    return await env.ref.ask(("call", call))


async def full_mailbox(env: Env) -> None:
    gate = asyncio.Event()
    ref = await env.system.spawn(Held, gate, mailbox_size=1)
    ref.tell("busy")
    await asyncio.sleep(0)
    ref.tell("fills it")
    try:
        ref.tell("one too many")
    finally:
        gate.set()


@dataclass(frozen=True)
class Case:
    row: str
    call: Callable[[Env], Any]
    error: type[BaseException]
    match: str


def not_started(call: Callable[[ActorSystem], Awaitable[Any]]) -> Callable[[Env], Any]:
    return lambda env: call(ActorSystem("unstarted"))


async def after_shutdown(call: Callable[[ActorSystem], Awaitable[Any]]) -> Any:
    system = await ActorSystem("closed").start()
    await system.shutdown()
    return await call(system)


async def start_twice(env: Env) -> None:
    await env.system.start()


async def shutdown_on_another_loop(env: Env) -> None:
    await asyncio.to_thread(asyncio.run, env.system.shutdown())


async def busy_port(env: Env) -> None:
    server = await env.system.serve_http(port=0)
    await env.system.serve_http(port=server.port)


CASES = [
    # spawn
    Case("spawn: not an actor (int)", lambda e: e.system.spawn(42), TypeError, "Actor subclass"),
    Case("spawn: not an actor (class)", lambda e: e.system.spawn(str), TypeError, "derive it"),
    Case(
        "spawn: factory returns a non-Actor",
        lambda e: e.system.spawn(lambda: "x"),
        TypeError,
        "pass an Actor subclass or a callable that returns an Actor",
    ),
    Case(
        "spawn: a hook that is not async def",
        lambda e: e.system.spawn(SyncReceive),
        TypeError,
        "write `async def receive",
    ),
    Case(
        "spawn: a class with methods but no receive",
        lambda e: e.system.spawn(Misspelt),
        TypeError,
        "Misspelt defines no receive \\(it defines recieve\\).*define `async def receive",
    ),
    Case(
        "spawn: a class attribute supervisor_strategy that is no strategy",
        lambda e: e.system.spawn(ClassAsStrategy),
        TypeError,
        "ClassAsStrategy.supervisor_strategy must be a strategy.*got the class OneForOne: "
        "write OneForOne\\(\\)",
    ),
    Case(
        "Supervisor: a strategy class where an instance belongs",
        lambda e: Supervisor([], strategy=OneForAll),
        TypeError,
        "got the class OneForAll: write OneForAll\\(\\)",
    ),
    Case(
        "spawn: arguments for a class without __init__",
        lambda e: e.system.spawn(Plain, 1, size=2),
        TypeError,
        "Plain takes no arguments \\(it defines no __init__\\), got 1, size=2: define __init__",
    ),
    Case(
        "spawn_pool: arguments for a class without __init__",
        lambda e: e.system.spawn_pool(Plain, 1),
        TypeError,
        "Plain takes no arguments",
    ),
    Case(
        "ChildSpec: arguments for a class without __init__",
        lambda e: ChildSpec(Plain, "x"),
        TypeError,
        "Plain takes no arguments",
    ),
    Case(
        "Actor: an instance made without spawn",
        lambda e: Plain().ref,
        AttributeError,
        "this Plain was not spawned, .*`await system.spawn\\(Plain\\)`",
    ),
    Case(
        "Actor: timers of an instance made without spawn",
        lambda e: Plain().timers.start_once("k", "x", 1.0),
        AttributeError,
        "this Plain was not spawned",
    ),
    Case("spawn: empty name", lambda e: e.system.spawn(Plain, name=""), ValueError, "name=None"),
    Case(
        "spawn: name with a control character",
        lambda e: e.system.spawn(Plain, name="a\nb"),
        ValueError,
        "printable characters",
    ),
    Case("spawn: name with /", lambda e: e.system.spawn(Plain, name="a/b"), ValueError, "'/'"),
    Case("spawn: name with $", lambda e: e.system.spawn(Plain, name="$x"), ValueError, "'\\$'"),
    Case(
        "spawn: name not str", lambda e: e.system.spawn(Plain, name=1), TypeError, "must be a str"
    ),
    Case(
        "spawn: name taken",
        lambda e: e.system.spawn(Plain, name="live"),
        NameTaken,
        "choose another name or stop it first",
    ),
    Case(
        "spawn: mailbox_size < 1",
        lambda e: e.system.spawn(Plain, mailbox_size=0),
        ValueError,
        "must be >= 1 \\(or None for unbounded\\)",
    ),
    Case(
        "spawn: mailbox_size not int",
        lambda e: e.system.spawn(Plain, mailbox_size=1.5),
        TypeError,
        "must be an int or None",
    ),
    Case(
        "spawn: bad restart",
        lambda e: e.system.spawn(Plain, restart="sometimes"),
        ValueError,
        "must be one of \\['permanent', 'temporary', 'transient'\\]",
    ),
    Case(
        "spawn: capabilities a bare str",
        lambda e: e.system.spawn(Plain, capabilities="gpu"),
        TypeError,
        "iterable of strings such as",
    ),
    Case(
        "spawn: capability not a non-empty str",
        lambda e: e.system.spawn(Plain, capabilities=[""]),
        TypeError,
        "non-empty str",
    ),
    Case(
        "spawn: before start",
        not_started(lambda s: s.spawn(Plain)),
        RuntimeError,
        "use `async with ActorSystem\\(\\)`",
    ),
    Case(
        "spawn: after shutdown",
        lambda e: after_shutdown(lambda s: s.spawn(Plain)),
        ActorStopped,
        "shut down",
    ),
    # tell / ask
    Case("tell: full mailbox", full_mailbox, MailboxFull, "use `await ref.send\\(msg\\)`"),
    Case("ask: timeout 0", lambda e: e.ref.ask("x", timeout=0), ValueError, "must be > 0"),
    Case("ask: timeout NaN", lambda e: e.ref.ask("x", timeout=math.nan), ValueError, "> 0"),
    Case("ask: timeout infinite", lambda e: e.ref.ask("x", timeout=math.inf), ValueError, "finite"),
    Case(
        "ask: timeout past 1e9 s",
        lambda e: e.ref.ask("x", timeout=1e12),
        ValueError,
        "shorter than 1e\\+09 seconds",
    ),
    Case(
        "ask: timeout of exactly 1e9 s (the bound is exclusive)",
        lambda e: e.ref.ask("x", timeout=1e9),
        ValueError,
        "every wait is shorter than 1e\\+09 seconds",
    ),
    Case(
        "ask: timeout not a number",
        lambda e: e.ref.ask("x", timeout="1"),
        TypeError,
        "ask timeout must be a number of seconds, got str '1'",
    ),
    Case(
        "ask: timeout a bool",
        lambda e: e.ref.ask("x", timeout=True),
        TypeError,
        "must be a number of seconds, got bool",
    ),
    Case(
        "shutdown: timeout not a number",
        lambda e: e.system.shutdown(timeout="1"),
        TypeError,
        "shutdown timeout must be a number of seconds",
    ),
    Case(
        "shutdown: timeout negative",
        lambda e: e.system.shutdown(timeout=-1),
        ValueError,
        "shutdown timeout must be >= 0 seconds",
    ),
    Case(
        "shutdown: on another event loop",
        shutdown_on_another_loop,
        RuntimeError,
        "called on another event loop.*asyncio.run_coroutine_threadsafe",
    ),
    Case("ask: a stopped actor", lambda e: e.stopped.ask("x"), ActorStopped, "not delivered"),
    Case(
        "system.ask: no actor at the path",
        lambda e: e.system.ask("/nobody", "x"),
        ActorStopped,
        "no actor at '/nobody'",
    ),
    Case(
        "PoolRef.resize: size 0",
        lambda e: pool_of(e, lambda pool: pool.resize(0)),
        ValueError,
        "pool size must be an int >= 1",
    ),
    Case(
        "PoolRef.resize: a stopped pool",
        lambda e: pool_of(e, stopped_then_resize),
        ActorStopped,
        "is stopped",
    ),
    # serve_http
    Case("serve_http: port -1", lambda e: e.system.serve_http(port=-1), ValueError, "0 to 65535"),
    Case("serve_http: port in use", busy_port, OSError, "pass port=0 for a free port"),
    Case(
        "serve_http: bad auth",
        lambda e: e.system.serve_http(port=0, auth=42),
        TypeError,
        "bearer token str, a \\(username, password\\) tuple",
    ),
    Case(
        "serve_http: before start",
        not_started(lambda s: s.serve_http(port=0)),
        RuntimeError,
        "is not started",
    ),
    # ActorSystem
    Case(
        "ActorSystem: blocked_threshold 0",
        lambda e: ActorSystem(blocked_threshold=0),
        ValueError,
        "must be > 0 seconds",
    ),
    Case(
        "ActorSystem: blocked_threshold infinite",
        lambda e: ActorSystem(blocked_threshold=math.inf),
        ValueError,
        "and finite",
    ),
    Case(
        "ActorSystem: blocked_threshold not a number",
        lambda e: ActorSystem(blocked_threshold="1"),
        TypeError,
        "must be a number of seconds",
    ),
    Case("ActorSystem: empty name", lambda e: ActorSystem(""), ValueError, "non-empty str"),
    Case(
        "ActorSystem: supervisor not a strategy",
        lambda e: ActorSystem(supervisor=42),
        TypeError,
        "OneForOne\\(max_restarts=3, within=5.0\\)",
    ),
    Case(
        "ActorSystem: transport not a transport",
        lambda e: ActorSystem(transport=42),
        TypeError,
        "NatsTransport",
    ),
    Case("ActorSystem.start: twice", start_twice, RuntimeError, "already started"),
    Case(
        "ActorSystem.start: after shutdown",
        lambda e: after_shutdown(ActorSystem.start),
        RuntimeError,
        "has shut down and cannot start again: create a new ActorSystem\\('closed'\\)",
    ),
    # strategies
    Case("OneForOne: max_restarts < 0", lambda e: OneForOne(max_restarts=-1), ValueError, ">= 0"),
    Case("OneForAll: within 0", lambda e: OneForAll(within=0), ValueError, "must be > 0 seconds"),
    Case(
        "RestForOne: within not a number",
        lambda e: RestForOne(within="5"),
        TypeError,
        "must be a number of seconds",
    ),
    Case(
        "OneForOne: decider not a mapping or callable",
        lambda e: OneForOne(decider=42),
        TypeError,
        "mapping \\{ExceptionType: directive\\} or a callable",
    ),
    Case(
        "OneForOne: decider key not an exception",
        lambda e: OneForOne(decider={"x": "resume"}),
        TypeError,
        "exception classes",
    ),
    Case(
        "OneForOne: decider directive unknown",
        lambda e: OneForOne(decider={ValueError: "retry"}),
        ValueError,
        "must be one of",
    ),
    Case(
        "OneForOne: backoff not a Backoff",
        lambda e: OneForOne(backoff=0.5),
        TypeError,
        "Backoff\\(min=..., max=...\\) or None",
    ),
    # Backoff
    Case("Backoff: min 0", lambda e: Backoff(min=0), ValueError, "min must be > 0 seconds"),
    Case("Backoff: max < min", lambda e: Backoff(min=2, max=1), ValueError, "must be >= min"),
    Case("Backoff: jitter < 0", lambda e: Backoff(jitter=-1), ValueError, "finite number >= 0"),
    # inf would never restart the child, nan would silently turn the backoff off
    Case("Backoff: jitter inf", lambda e: Backoff(jitter=math.inf), ValueError, "finite number"),
    Case("Backoff: jitter nan", lambda e: Backoff(jitter=math.nan), ValueError, "finite number"),
    Case("Backoff: min not a number", lambda e: Backoff(min="1"), TypeError, "number of seconds"),
    # Supervisor / ChildSpec
    Case(
        "Supervisor: child not a ChildSpec",
        lambda e: Supervisor([Plain]),
        TypeError,
        "must be ChildSpec objects",
    ),
    Case(
        "Supervisor: strategy not a strategy",
        lambda e: Supervisor([], strategy="one_for_one"),
        TypeError,
        "OneForOne/OneForAll/RestForOne",
    ),
    Case("ChildSpec: bad factory", lambda e: ChildSpec(42), TypeError, "Actor subclass"),
    Case("ChildSpec: bad name", lambda e: ChildSpec(Plain, name="a/b"), ValueError, "'/'"),
    # timers
    Case(
        "schedule_once: negative delay",
        lambda e: e.system.schedule_once(-1, e.ref, "x"),
        ValueError,
        "must be >= 0 seconds",
    ),
    Case(
        "schedule_every: interval 0",
        lambda e: e.system.schedule_every(0, e.ref, "x"),
        ValueError,
        "interval must be > 0 seconds and finite, got 0;",
    ),
    Case(
        "schedule_every: negative interval",
        lambda e: e.system.schedule_every(-1, e.ref, "x"),
        ValueError,
        "interval must be > 0 seconds and finite, got -1;",
    ),
    Case(
        "schedule_once: delay infinite",
        lambda e: e.system.schedule_once(math.inf, e.ref, "x"),
        ValueError,
        "delay must be >= 0 seconds and finite",
    ),
    Case(
        "schedule_once: delay not a number",
        lambda e: e.system.schedule_once("1", e.ref, "x"),
        TypeError,
        "must be a number of seconds",
    ),
    Case(
        "schedule_once: target not a ref",
        lambda e: e.system.schedule_once(1, "/path", "x"),
        TypeError,
        "needs an ActorRef",
    ),
    Case(
        "timers.start_once: negative delay",
        lambda e: inside(e, lambda actor: actor.timers.start_once("k", "x", -1)),
        ValueError,
        "delay must be >= 0 seconds",
    ),
    Case(
        "timers.start_every: interval 0",
        lambda e: inside(e, lambda actor: actor.timers.start_every("k", "x", 0)),
        ValueError,
        "interval must be > 0",
    ),
    # pub-sub
    Case(
        "publish: empty topic", lambda e: e.system.publish("", 1), ValueError, "must not be empty"
    ),
    Case("publish: empty token", lambda e: e.system.publish("a..b", 1), ValueError, "empty token"),
    Case("publish: wildcard", lambda e: e.system.publish("a.*", 1), ValueError, "wildcard"),
    Case("publish: whitespace", lambda e: e.system.publish("a b", 1), ValueError, "whitespace"),
    Case("publish: not a str", lambda e: e.system.publish(42, 1), TypeError, "must be a str"),
    Case("subscribe: empty pattern", lambda e: e.system.subscribe(e.ref, ""), ValueError, "empty"),
    Case(
        "subscribe: > not last",
        lambda e: e.system.subscribe(e.ref, "a.>.b"),
        ValueError,
        "must be the last token",
    ),
    Case(
        "subscribe: wildcard inside a token",
        lambda e: e.system.subscribe(e.ref, "a*"),
        ValueError,
        "whole token",
    ),
    Case(
        "subscribe: a stopped actor",
        lambda e: e.system.subscribe(e.stopped, "a"),
        ActorStopped,
        "is stopped and cannot subscribe",
    ),
    Case(
        "subscribe: not a ref",
        lambda e: e.system.subscribe("/live", "a"),
        TypeError,
        "expected an ActorRef",
    ),
    Case(
        "unsubscribe: bad pattern",
        lambda e: e.system.unsubscribe(e.ref, "a..b"),
        ValueError,
        "empty token",
    ),
    Case(
        "unsubscribe: not a ref",
        lambda e: e.system.unsubscribe(42),
        TypeError,
        "expected an ActorRef",
    ),
    # watch
    Case(
        "watch: itself",
        lambda e: inside(e, lambda actor: actor.watch(actor.ref)),
        ValueError,
        "cannot watch itself",
    ),
    Case(
        "watch: not a ref",
        lambda e: inside(e, lambda actor: actor.watch("/other")),
        TypeError,
        "watch needs the ActorRef of a local actor",
    ),
    Case(
        "watch: an actor instance, not its ref",
        lambda e: inside(e, lambda actor: actor.watch(actor)),
        TypeError,
        "watch needs the ActorRef of a local actor",
    ),
    Case(
        "unwatch: not a ref",
        lambda e: inside(e, lambda actor: actor.unwatch(42)),
        TypeError,
        "unwatch needs the ActorRef of a local actor",
    ),
    # pools
    Case("spawn_pool: size 0", lambda e: e.system.spawn_pool(Plain, size=0), ValueError, ">= 1"),
    Case(
        "spawn_pool: size not an int",
        lambda e: e.system.spawn_pool(Plain, size="3"),
        TypeError,
        "pool size must be an int >= 1, got str",
    ),
    Case(
        "spawn_pool: supervisor not a strategy",
        lambda e: e.system.spawn_pool(Plain, supervisor="one_for_one"),
        TypeError,
        "supervisor \\(the members' strategy\\) must be a strategy",
    ),
    Case(
        "spawn_pool: size past the bound",
        lambda e: e.system.spawn_pool(Plain, size=10**9),
        ValueError,
        "use several pools",
    ),
    Case(
        "spawn_pool: unknown routing",
        lambda e: e.system.spawn_pool(Plain, routing="fastest"),
        ValueError,
        "routing must be one of",
    ),
    Case(
        "spawn_pool: consistent_hash without hash_key",
        lambda e: e.system.spawn_pool(Plain, routing="consistent_hash"),
        ValueError,
        "hash_key=lambda msg: msg.user_id",
    ),
    Case(
        "spawn_pool: hash_key with another routing",
        lambda e: e.system.spawn_pool(Plain, hash_key=hash),
        ValueError,
        "only used with routing='consistent_hash'",
    ),
    Case(
        "spawn_pool: not an actor", lambda e: e.system.spawn_pool(42), TypeError, "Actor subclass"
    ),
    # submit
    Case(
        "submit: priority not an int",
        lambda e: e.system.submit("x", priority=1.5),
        TypeError,
        "priority must be an int",
    ),
    Case(
        "submit: retries a bool",
        lambda e: e.system.submit("x", retries=True),
        TypeError,
        "retries must be an int",
    ),
    Case(
        "submit: deadline not a number",
        lambda e: e.system.submit("x", deadline="soon"),
        TypeError,
        "deadline",
    ),
    Case("submit: retries < 0", lambda e: e.system.submit("x", retries=-1), ValueError, ">= 0"),
    Case(
        "submit: deadline 0",
        lambda e: e.system.submit("x", deadline=0),
        ValueError,
        "None for no deadline",
    ),
    Case(
        "submit: deadline infinite",
        lambda e: e.system.submit("x", deadline=math.inf),
        ValueError,
        "None for no deadline",
    ),
    Case(
        "submit: requires a bare str",
        lambda e: e.system.submit("x", requires="gpu"),
        TypeError,
        "iterable of strings such as",
    ),
    Case(
        "submit: requires holding a non-str",
        lambda e: e.system.submit("x", requires=["gpu", 3]),
        TypeError,
        "non-empty str",
    ),
    Case(
        "submit: before start",
        not_started(lambda s: s.submit("x")),
        RuntimeError,
        "submit inside `async with ActorSystem\\(\\)`",
    ),
    Case(
        "submit: once shutdown has begun",
        lambda e: after_shutdown(lambda s: s.submit("x")),
        ActorStopped,
        "can no longer be submitted",
    ),
    # other systems
    Case(
        "expose: without a transport",
        lambda e: e.system.expose(e.ref),
        RuntimeError,
        "needs a transport: ActorSystem\\(name, transport=",
    ),
    Case(
        "NatsTransport: send_timeout not a number",
        lambda e: NatsTransport("nats://127.0.0.1:4222", send_timeout="1"),
        TypeError,
        "send_timeout must be a number of seconds",
    ),
    Case(
        "NatsTransport: connect_timeout 0",
        lambda e: NatsTransport("nats://127.0.0.1:4222", connect_timeout=0),
        ValueError,
        "connect_timeout must be > 0 seconds",
    ),
    Case(
        "NatsTransport: a malformed server URL",
        lambda e: NatsTransport("nats://127.0.0.1:port"),
        ValueError,
        "servers: URL 'nats://127.0.0.1:port' is malformed",
    ),
    Case(
        "NatsTransport: an option nats.connect does not take",
        lambda e: NatsTransport("nats://127.0.0.1:4222", ping_intervall=5),
        TypeError,
        "ping_intervall=..., which is not an option of nats.connect: remove it",
    ),
    Case(
        "NatsTransport: an option actorkit sets itself",
        lambda e: NatsTransport("nats://127.0.0.1:4222", error_cb=print),
        TypeError,
        "error_cb=..., a nats.connect option that actorkit sets itself",
    ),
    Case(
        "remote: a system name no ActorSystem can have",
        lambda e: e.system.remote("s" * 256, "/a"),
        ValueError,
        "system name must be a non-empty str without '/' of at most 255 printable characters",
    ),
    Case(
        "remote: a path no actor can have",
        lambda e: e.system.remote("other", "/a//b"),
        ValueError,
        "path must be an actor path such as '/parent/child': names of 1 to 255 characters, "
        "each after one '/', got '/a//b'",
    ),
    Case(
        "remote: without a transport",
        lambda e: e.system.remote("other", "/a"),
        RuntimeError,
        "needs a transport",
    ),
    # testing helpers
    Case(
        "ManualClock.advance: negative",
        lambda e: ManualClock().advance(-1),
        ValueError,
        "advance\\(\\) must be >= 0 seconds",
    ),
    Case(
        "ManualClock.advance: NaN",
        lambda e: ManualClock().advance(math.nan),
        ValueError,
        "must be >= 0 seconds",
    ),
    Case(
        "ManualClock.advance: infinite",
        lambda e: ManualClock().advance(math.inf),
        ValueError,
        "and finite",
    ),
    Case(
        "ManualClock.advance: not a number",
        lambda e: ManualClock().advance("1"),
        TypeError,
        "must be a number of seconds",
    ),
    Case(
        "ManualClock: store_timeout 0",
        lambda e: ManualClock(store_timeout=0),
        ValueError,
        "store_timeout must be > 0 seconds",
    ),
    Case(
        "ManualClock: store_timeout not a number",
        lambda e: ManualClock(store_timeout="10"),
        TypeError,
        "store_timeout must be a number of seconds",
    ),
    Case(
        "Probe.receive: timeout 0",
        lambda e: Probe().receive(timeout=0),
        ValueError,
        "timeout must be > 0 seconds",
    ),
    Case(
        "Probe.expect: timeout not a number",
        lambda e: Probe().expect("x", timeout="1"),
        TypeError,
        "timeout must be a number of seconds",
    ),
    Case(
        "Probe.ref: before Probe.spawn",
        lambda e: Probe().ref,
        RuntimeError,
        "await Probe.spawn\\(system\\)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.row for case in CASES])
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    async with ActorSystem("bad-input") as system:
        ref = await system.spawn(Plain, name="live")
        stopped = await system.spawn(Plain)
        await stopped.stop()
        env = Env(system, ref, stopped)
        with pytest.raises(case.error, match=case.match):
            result = case.call(env)
            if asyncio.iscoroutine(result):
                await result
        # A refused call leaves the system as it was: it still answers.
        assert await ref.ask("still here") == "still here"


async def test_timer_handle_cancel_twice_or_after_firing_is_harmless_and_says_so() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Plain)
        fired = system.schedule_once(1.0, ref, "x")
        await clock.advance(1.0)
        assert fired.cancel() is False  # already fired: nothing to stop
        pending = system.schedule_once(5.0, ref, "x")
        assert pending.cancel() is True
        assert pending.cancel() is False
        assert not pending.active
        assert pending_timers(system) == 0


def test_every_row_of_the_readme_table_has_a_case() -> None:
    """The table and this file move together: each documented call has at least one case."""
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent / "README.md"
    table = readme.read_text().split("## Errors and bad input", 1)[1].split("\n## ", 1)[0]
    calls = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| `")]
    elsewhere = [  # rows whose cases need a store or a process: tests/persistence/
        "TimerHandle.cancel: (test above)",
        "persist: test_durable_bad_input.py, an unregistered event type",
        "save: test_durable_state.py, a state of an unregistered type",
        "reminders.start: test_durable_reminders.py, a message of an unregistered type",
        "reminders.cancel: test_durable_instances.py, from a stopped or replaced instance",
        "EventSourced: test_durable_bad_input.py, snapshot encoding and snapshot_every",
        "ActorSystem: test_durable_bad_input.py, a store that is not a store",
        "python -m actorkit journal: test_journal.py, malformed store URLs",
        "SQLiteStore: test_sqlite.py, a URL, :memory:, NUL, synchronous and timeout",
    ]
    rows = "\n".join([*(case.row for case in CASES), *elsewhere])
    missing = []
    for cell in calls:
        for name in (part.strip("`*… ") for part in cell.split(",")):
            # A case's row starts with the call: "spawn: ...", "timers.start_once: ...".
            if not re.search(rf"^{re.escape(name)}[\w.]*:", rows, re.MULTILINE):
                missing.append(name)
    assert not missing, f"README rows without a test case: {missing}"


class Typo(Actor):
    @property
    def balance(self) -> int:
        return self.acount  # type: ignore[attr-defined, no-any-return]

    async def receive(self, message: Any) -> Any:
        return self.balance


async def test_an_actor_s_own_attribute_error_keeps_its_message() -> None:
    """The message for an actor made without `spawn` must not hide a user's own mistake: the
    error raised inside a property is the one the user sees, spawned or not."""
    async with asyncio.timeout(10):
        async with ActorSystem() as system:
            ref = await system.spawn(Typo)
            with pytest.raises(AttributeError, match="'Typo' object has no attribute 'acount'"):
                await ref.ask("balance")
        with pytest.raises(AttributeError, match="'Typo' object has no attribute 'acount'"):
            Typo().balance  # noqa: B018
