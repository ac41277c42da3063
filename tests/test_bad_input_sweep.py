"""Every public parameter, every kind of wrong value: a table generated from the signatures.

`public_parameters()` walks what `actorkit`, `actorkit.testing` and `actorkit.nats` export
and lists each (callable, parameter) pair by `inspect.signature`; every pair is either swept
(`SWEPT`: how to call it, and which kind of value it takes) or exempt (`EXEMPT`, each with
the reason). A new parameter fails `test_every_public_parameter_is_swept_or_exempt` until
it is placed, so nothing is skipped silently. Each kind lists its wrong values (`BAD`); each
one must raise TypeError or ValueError naming the parameter, promptly, and leave the
system answering.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import reprlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import ModuleType
from typing import Any

import pytest

import actorkit
import actorkit.nats
import actorkit.testing
from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
)
from actorkit.nats import NatsTransport
from actorkit.persistence import MemoryStore
from actorkit.testing import ManualClock, Probe


def nested(depth: int) -> list[Any]:
    value: list[Any] = ["gpu"]
    for _ in range(depth):
        value = [value]
    return value


HUGE = 10**400
LONG = "x" * 100_000
NUMBERS = [Decimal("1"), Fraction(1, 2), True, math.nan, math.inf, -math.inf, -1, "1", b"1"]
INTS = [Decimal("1"), Fraction(1, 2), True, 1.5, math.nan, math.inf, "1", None]

BAD: dict[str, list[Any]] = {
    # a duration in seconds, > 0
    "seconds": [*NUMBERS, 0, -0.0, HUGE, 1e300, None, [1]],
    # a duration in seconds, >= 0
    "seconds0": [*NUMBERS, HUGE, 1e300, None, [1]],
    # a duration, or None for "none"
    "seconds?": [*NUMBERS, 0, HUGE, 1e300, [1]],
    "seconds0?": [*NUMBERS, HUGE, 1e300, [1]],
    # an int >= 0 (a count)
    "count": [*INTS, -1],
    # an int of any sign (a priority)
    "int": INTS,
    # an int >= 1 with a bound (a pool size)
    "size": [*INTS, -1, 0, HUGE],
    # an int >= 1, or None for unbounded
    "capacity": [*INTS[:-1], -1, 0],
    "port": [*INTS, -1, 65536, HUGE],
    # an actor name: a non-empty str without '/' or control characters, not too long
    "name": ["", 42, b"x", LONG, "a\nb", "a\x00b", "a/b", ["x"]],
    # an actor path
    "path": ["", 42, b"/x", LONG, "/a\x00b", ["/x"]],
    "host": ["", 42, b"127.0.0.1", LONG, "127.0.0.1\n", ["127.0.0.1"]],
    "topic": ["", 42, b"a", "a\x00b", "a\nb", "a..b", ["a"]],
    "pattern": ["", 42, b"a", "a\x00b", "a\nb", "a..b", "a.>.b", ["a"]],
    "restart": ["", 42, "Permanent", None, ["permanent"]],
    "routing": ["", 42, "Round_Robin", None, ["round_robin"]],
    # a collection of non-empty strs
    "names": ["gpu", 42, [""], [42], [b"gpu"], [["gpu"]], nested(10_000), [None]],
    "ref": [42, "/live", None, object()],
    "bool": ["yes", 1, 0, None, "False", 1.0],
    "bool?": ["yes", 1, 0, "False", 1.0],
    # a point on a clock: any finite number of seconds
    "instant": [Decimal("1"), Fraction(1, 2), True, math.nan, math.inf, -math.inf, "1", HUGE, None],
    # a factor >= 0
    "factor": [Decimal("1"), Fraction(1, 2), True, math.nan, math.inf, -1, "1", HUGE, None],
    "strategy": [42, "one_for_one", OneForOne, Backoff()],
    "backoff": [0.5, "fast", Backoff, OneForOne()],
    "decider": [42, "restart", {"x": "resume"}, {ValueError: "retry"}, {ValueError: 1}],
    "children": [42, "abc", [42], [[ChildSpec]], None],
    "clock": [42, "manual", object(), ManualClock],
    "transport": [42, "nats://x", object()],
    "auth": [42, "", ("", ""), ("user",), ("a", "b", "c"), (1, 2), ["u", "p"], b"token"],
    "callable": [42, "hash", None],
    "coroutine": [42, None, "main", asyncio.sleep],
    "servers": [
        *("", 42, [], [42], [""], ["nats://a\nb"]),
        *("nats://[::1", "nats://h:port", "nats://h:65536", "http://h:4222", "nats://"),
        ["nats://a:4222", "ws://b:8080"],
    ],
    "registry": [42, "default", object()],
    "store": [42, "sqlite:///x.db", object(), MemoryStore],
    "persistence_id": ["", 42, b"x", "x" * 1025, ["x"]],
}


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message and message[0] == "call":
            try:
                result = message[1](self)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as error:
                return ("raised", error)
            return ("returned", result)
        return message


BAD["factory"] = [42, "Plain", None, str, Plain()]


@dataclass
class Env:
    system: ActorSystem
    ref: ActorRef


async def inside(env: Env, call: Callable[[Actor], Any]) -> Any:
    """Run `call(actor)` in the actor's own task; an error comes back as if raised here."""
    outcome, value = await env.ref.ask(("call", call))
    if outcome == "raised":
        raise value
    return value


async def pool_call(env: Env, call: Callable[[Any], Any]) -> Any:
    return await call(await env.system.spawn_pool(Plain, size=1))


def nats(name: str) -> Callable[[Env, dict[str, Any]], Any]:
    def build(env: Env, kw: dict[str, Any]) -> Any:
        return NatsTransport(**{"servers": "nats://127.0.0.1:4222", **kw})

    return build


Call = Callable[[Env, dict[str, Any]], Any]


@dataclass(frozen=True)
class Param:
    kind: str
    call: Call
    says: str = ""
    """What the message must contain to name the parameter (the parameter's name if empty)."""


def strategies(cls: type) -> dict[str, Param]:
    return {
        f"{cls.__name__}.__init__:max_restarts": Param("count", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:within": Param("seconds", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:backoff": Param("backoff", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:decider": Param("decider", lambda e, kw: cls(**kw)),
    }


def spawns(key: str, call: Call) -> dict[str, Param]:
    return {
        f"{key}:factory": Param("factory", lambda e, kw: call(e, kw), "Actor"),
        f"{key}:name": Param("name", lambda e, kw: call(e, {"factory": Plain, **kw})),
        f"{key}:mailbox_size": Param("capacity", lambda e, kw: call(e, {"factory": Plain, **kw})),
        f"{key}:restart": Param("restart", lambda e, kw: call(e, {"factory": Plain, **kw})),
        f"{key}:capabilities": Param(
            "names", lambda e, kw: call(e, {"factory": Plain, **kw}), "capabilit"
        ),
    }


def system(**kw: Any) -> ActorSystem:
    return ActorSystem(**kw)


async def started_run(kw: dict[str, Any]) -> Any:
    """`actorkit.run` from a thread: it refuses to nest inside the test's running loop."""
    coroutine = kw.pop("main") if "main" in kw else asyncio.sleep(0)
    try:
        return await asyncio.to_thread(actorkit.run, coroutine, **kw)
    finally:
        if inspect.iscoroutine(coroutine):
            coroutine.close()


SWEPT: dict[str, Param] = {
    # ActorSystem
    "ActorSystem.__init__:name": Param("name", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:supervisor": Param("strategy", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:metrics": Param("bool", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:clock": Param("clock", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:transport": Param("transport", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:blocked_threshold": Param("seconds", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:registry": Param("registry", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:store": Param("store", lambda e, kw: system(**kw)),
    "ActorSystem.__init__:agent_history": Param("bool", lambda e, kw: system(**kw)),
    "ActorSystem.agent_history:path": Param("path", lambda e, kw: e.system.agent_history(**kw)),
    "ActorSystem.spawn:persistence_id": Param(
        "persistence_id", lambda e, kw: e.system.spawn(Plain, **kw)
    ),
    "ActorSystem.shutdown:timeout": Param(
        "seconds0", lambda e, kw: ActorSystem("other").shutdown(**kw)
    ),
    **spawns("ActorSystem.spawn", lambda e, kw: e.system.spawn(**kw)),
    **{
        key.replace("spawn", "spawn_pool"): param
        for key, param in spawns(
            "ActorSystem.spawn", lambda e, kw: e.system.spawn_pool(**kw)
        ).items()
    },
    "ActorSystem.spawn_pool:size": Param("size", lambda e, kw: e.system.spawn_pool(Plain, **kw)),
    "ActorSystem.spawn_pool:routing": Param(
        "routing", lambda e, kw: e.system.spawn_pool(Plain, **kw)
    ),
    "ActorSystem.spawn_pool:supervisor": Param(
        "strategy", lambda e, kw: e.system.spawn_pool(Plain, **kw)
    ),
    "ActorSystem.spawn_pool:hash_key": Param(
        "callable",
        lambda e, kw: e.system.spawn_pool(Plain, routing="consistent_hash", **kw),
    ),
    "ActorSystem.lookup:path": Param("path", lambda e, kw: e.system.lookup(**kw)),
    "ActorSystem.ask:path": Param("path", lambda e, kw: e.system.ask(message="x", **kw)),
    "ActorSystem.ask:timeout": Param("seconds", lambda e, kw: e.system.ask("/live", "x", **kw)),
    "ActorSystem.serve_http:host": Param("host", lambda e, kw: e.system.serve_http(port=0, **kw)),
    "ActorSystem.serve_http:port": Param("port", lambda e, kw: e.system.serve_http(**kw)),
    "ActorSystem.serve_http:auth": Param("auth", lambda e, kw: e.system.serve_http(port=0, **kw)),
    "ActorSystem.subscribe:ref": Param(
        "ref", lambda e, kw: e.system.subscribe(pattern="a", **kw), "ActorRef"
    ),
    "ActorSystem.subscribe:pattern": Param(
        "pattern", lambda e, kw: e.system.subscribe(e.ref, **kw)
    ),
    "ActorSystem.unsubscribe:ref": Param(
        "ref", lambda e, kw: e.system.unsubscribe(**kw), "ActorRef"
    ),
    "ActorSystem.unsubscribe:pattern": Param(
        "pattern", lambda e, kw: e.system.unsubscribe(e.ref, **kw)
    ),
    "ActorSystem.publish:topic": Param("topic", lambda e, kw: e.system.publish(message=1, **kw)),
    "ActorSystem.expose:ref": Param("ref", lambda e, kw: e.system.expose(**kw), "ActorRef"),
    "ActorSystem.expose:group": Param("path", lambda e, kw: e.system.expose(e.ref, **kw)),
    "ActorSystem.remote:system": Param("name", lambda e, kw: e.system.remote(path="/a", **kw)),
    "ActorSystem.remote:path": Param("path", lambda e, kw: e.system.remote("other", **kw)),
    "ActorSystem.remote_group:group": Param("name", lambda e, kw: e.system.remote_group(**kw)),
    "ActorSystem.schedule_once:delay": Param(
        "seconds0", lambda e, kw: e.system.schedule_once(ref=e.ref, message="x", **kw)
    ),
    "ActorSystem.schedule_once:ref": Param(
        "ref", lambda e, kw: e.system.schedule_once(1, message="x", **kw), "ActorRef"
    ),
    "ActorSystem.schedule_every:interval": Param(
        "seconds", lambda e, kw: e.system.schedule_every(ref=e.ref, message="x", **kw)
    ),
    "ActorSystem.schedule_every:ref": Param(
        "ref", lambda e, kw: e.system.schedule_every(1, message="x", **kw), "ActorRef"
    ),
    "ActorSystem.schedule_every:initial_delay": Param(
        "seconds0?", lambda e, kw: e.system.schedule_every(1, e.ref, "x", **kw)
    ),
    "ActorSystem.submit:priority": Param("int", lambda e, kw: e.system.submit("x", **kw)),
    "ActorSystem.submit:deadline": Param("seconds?", lambda e, kw: e.system.submit("x", **kw)),
    "ActorSystem.submit:requires": Param("names", lambda e, kw: e.system.submit("x", **kw)),
    "ActorSystem.submit:retries": Param("count", lambda e, kw: e.system.submit("x", **kw)),
    # refs
    "ActorRef.ask:timeout": Param("seconds", lambda e, kw: e.ref.ask("x", **kw)),
    "PoolRef.ask:timeout": Param(
        "seconds",
        lambda e, kw: pool_call(e, lambda p: p.ask("x", **kw)),
    ),
    "PoolRef.resize:size": Param("size", lambda e, kw: pool_call(e, lambda p: p.resize(**kw))),
    "PoolRef.resize:timeout": Param(
        "seconds", lambda e, kw: pool_call(e, lambda p: p.resize(1, **kw))
    ),
    # inside an actor
    **spawns("Actor.spawn", lambda e, kw: inside(e, lambda a: a.spawn(**kw))),
    "Actor.spawn:persistence_id": Param(
        "persistence_id", lambda e, kw: inside(e, lambda a: a.spawn(Plain, **kw))
    ),
    "Actor.watch:ref": Param("ref", lambda e, kw: inside(e, lambda a: a.watch(**kw)), "ActorRef"),
    "Actor.unwatch:ref": Param(
        "ref", lambda e, kw: inside(e, lambda a: a.unwatch(**kw)), "ActorRef"
    ),
    "Actor.subscribe:pattern": Param(
        "pattern", lambda e, kw: inside(e, lambda a: a.subscribe(**kw))
    ),
    "Actor.unsubscribe:pattern": Param(
        "pattern", lambda e, kw: inside(e, lambda a: a.unsubscribe(**kw))
    ),
    "Timers.start_once:delay": Param(
        "seconds0", lambda e, kw: inside(e, lambda a: a.timers.start_once("k", "x", **kw))
    ),
    "Timers.start_every:interval": Param(
        "seconds", lambda e, kw: inside(e, lambda a: a.timers.start_every("k", "x", **kw))
    ),
    "Timers.start_every:initial_delay": Param(
        "seconds0?", lambda e, kw: inside(e, lambda a: a.timers.start_every("k", "x", 1, **kw))
    ),
    # supervision
    "Backoff.__init__:min": Param("seconds", lambda e, kw: Backoff(**kw)),
    "Backoff.__init__:max": Param("seconds", lambda e, kw: Backoff(**kw)),
    "Backoff.__init__:jitter": Param("factor", lambda e, kw: Backoff(**kw)),
    **strategies(OneForOne),
    **strategies(OneForAll),
    **strategies(RestForOne),
    "Supervisor.__init__:children": Param("children", lambda e, kw: Supervisor(**kw), "ChildSpec"),
    "Supervisor.__init__:strategy": Param("strategy", lambda e, kw: Supervisor(**kw)),
    **spawns("ChildSpec.__init__", lambda e, kw: ChildSpec(**kw)),
    # actorkit.run
    "run:main": Param("coroutine", lambda e, kw: started_run(kw)),
    "run:debug": Param("bool?", lambda e, kw: started_run(kw)),
    "run:uvloop": Param("bool", lambda e, kw: started_run(kw)),
    # actorkit.testing
    "ManualClock.__init__:start": Param("instant", lambda e, kw: ManualClock(**kw)),
    "ManualClock.__init__:store_timeout": Param("seconds", lambda e, kw: ManualClock(**kw)),
    "ManualClock.advance:seconds": Param("seconds0", lambda e, kw: ManualClock().advance(**kw)),
    "Probe.receive:timeout": Param("seconds", lambda e, kw: Probe().receive(**kw)),
    "Probe.expect:timeout": Param("seconds", lambda e, kw: Probe().expect("x", **kw)),
    "Probe.spawn:name": Param("name", lambda e, kw: Probe.spawn(e.system, **kw)),
    # actorkit.nats: built without connecting, so every check runs before any I/O
    **{
        f"NatsTransport.__init__:{name}": Param(kind, nats(name))
        for name, kind in [
            ("servers", "servers"),
            ("prefix", "name"),
            ("max_buffered", "size"),
            ("buffer_timeout", "seconds"),
            ("send_timeout", "seconds"),
            ("connect_timeout", "seconds"),
        ]
    },
}

EXEMPT: dict[str, str] = {
    # Payloads: any object is a message.
    **dict.fromkeys(
        [
            "ActorRef.tell:message",
            "ActorRef.send:message",
            "ActorRef.ask:message",
            "PoolRef.tell:message",
            "PoolRef.send:message",
            "PoolRef.ask:message",
            "Ref.tell:message",
            "Ref.send:message",
            "Ref.ask:message",
            "RemoteRef.tell:message",
            "RemoteRef.send:message",
            "RemoteRef.ask:message",
            "ActorSystem.ask:message",
            "ActorSystem.publish:message",
            "ActorSystem.schedule_once:message",
            "ActorSystem.schedule_every:message",
            "ActorSystem.submit:payload",
            "Timers.start_once:message",
            "Timers.start_every:message",
            "Probe.expect:expected",
            "NatsTransport.publish:message",
        ],
        "any object is a message",
    ),
    # Timer keys: any hashable names a timer.
    **dict.fromkeys(
        [
            "Timers.start_once:key",
            "Timers.start_every:key",
            "Timers.cancel:key",
            "Timers.is_active:key",
        ],
        "any hashable object names a timer",
    ),
    # Hooks and runtime-facing methods: the runtime calls them with what it built.
    **dict.fromkeys(
        [
            "Actor.receive:message",
            "Supervisor.receive:message",
            "Backoff.delay:attempt",
            *(
                f"{s}.{m}:{p}"
                for s in ("OneForOne", "OneForAll", "RestForOne")
                for m, p in (
                    ("affected", "children"),
                    ("affected", "failed"),
                    ("directive", "error"),
                )
            ),
            "DeadLetters.__init__:now",
            "DeadLetters.__init__:limit",
            "DeadLetters.add:message",
            "DeadLetters.add:recipient",
            "DeadLetters.add:reason",
            "DeadLetters.listen:listener",
            "Timers.__init__:cell",
            "ManualClock.call_at:when",
            "ManualClock.call_at:callback",
            "ManualClock.attach:loop",
            "ManualClock.attach:idle",
            "ManualClock.detach:idle",
            "NatsTransport.start:system",
            "NatsTransport.flush:timeout",
            "NatsTransport.expose:ref",
            "NatsTransport.expose:group",
            "NatsTransport.publish:topic",
            "NatsTransport.remote:system",
            "NatsTransport.remote:path",
            "NatsTransport.remote_group:group",
        ],
        "called by the runtime (or ActorSystem, which checks first), not by users",
    ),
    # Supervisor's inherited Actor methods are swept as Actor's.
    **dict.fromkeys(
        [f"Supervisor.{key.split('.', 1)[1]}" for key in SWEPT if key.startswith("Actor.")],
        "the same method as Actor's, swept there",
    ),
    # Records the runtime builds and hands out: users read them, never construct them.
    **{
        f"{cls}.__init__:{p}": "a record built by the runtime"
        for cls, params in [
            ("AgentInfo", inspect.signature(actorkit.AgentInfo).parameters),
            ("DeadLetter", inspect.signature(actorkit.DeadLetter).parameters),
            ("Terminated", inspect.signature(actorkit.Terminated).parameters),
            ("Task", inspect.signature(actorkit.Task).parameters),
            ("TaskHandle", inspect.signature(actorkit.TaskHandle).parameters),
            ("TimerHandle", inspect.signature(actorkit.TimerHandle).parameters),
            ("ActorSnapshot", inspect.signature(actorkit.testing.ActorSnapshot).parameters),
            ("RemoteRef", inspect.signature(actorkit.nats.RemoteRef).parameters),
            ("RemoteError", inspect.signature(actorkit.nats.RemoteError).parameters),
        ]
        for p in params
    },
    # Test-only introspection: they take the system or ref under test.
    **{
        f"{name}:{p}": "a test helper reading the system or ref under test"
        for name in (
            "accepting",
            "actor_tree",
            "cancel_task",
            "instance",
            "pending_asks",
            "pending_timers",
            "snapshot",
            "snapshots",
            "subscription_count",
            "transport",
        )
        for p in inspect.signature(getattr(actorkit.testing, name)).parameters
    },
    "Probe.spawn:system": "a test helper reading the system under test",
    # The decorator registers a class under a wire name; its checks live with the codec.
    "message:target": "the class being decorated",
    "message:name": "checked by the wire codec's registry",
    "Ref.ask:timeout": "a Protocol: ActorRef's and PoolRef's implementations are swept",
    "RemoteRef.ask:timeout": "a RemoteRef needs a connected NATS transport; not swept here",
    # Credentials go to nats-py as given; it checks them when it connects.
    **dict.fromkeys(
        [
            f"NatsTransport.__init__:{p}"
            for p in ("token", "user", "password", "creds", "tls", "tls_hostname")
        ],
        "passed to nats-py's connect as given",
    ),
}


OPEN: dict[str, str] = {}
"""Holes the sweep found and that are not fixed yet: each test here is expected to fail,
and fails once it passes, so this list only shrinks. Empty: every hole it found is fixed."""


def _parameters(owner: str, fn: Callable[..., Any]) -> Iterator[str]:
    for param in inspect.signature(fn).parameters.values():
        if param.name in ("self", "cls") or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        yield f"{owner}:{param.name}"


def public_parameters() -> set[str]:
    """Every (callable, parameter) pair of the public API, as "Class.method:param"."""
    modules: list[ModuleType] = [actorkit, actorkit.testing, actorkit.nats]
    pairs: set[str] = set()
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if not isinstance(obj, type):
                if callable(obj):
                    pairs.update(_parameters(name, obj))
                continue
            for attr in ("__init__", *dir(obj)):
                if attr.startswith("_") and attr != "__init__":
                    continue
                static = inspect.getattr_static(obj, attr)
                owner = next(k for k in obj.__mro__ if attr in vars(k))
                if (
                    owner is object
                    or owner.__module__ == "builtins"
                    or isinstance(static, property)
                ):
                    continue  # inherited from Python itself (a StrEnum's str methods)
                fn = getattr(obj, attr)
                if callable(fn) and not isinstance(fn, type):
                    pairs.update(_parameters(f"{name}.{attr}", fn))
    return pairs


def test_every_public_parameter_is_swept_or_exempt() -> None:
    public = public_parameters()
    assert public - SWEPT.keys() - EXEMPT.keys() == set(), "place these in SWEPT or EXEMPT"
    assert SWEPT.keys() - public == set(), "SWEPT names parameters that no longer exist"
    assert EXEMPT.keys() - public == set(), "EXEMPT names parameters that no longer exist"
    assert SWEPT.keys().isdisjoint(EXEMPT.keys())


def cases() -> Iterator[Any]:
    for key, param in sorted(SWEPT.items()):
        yield pytest.param(key, param, id=key)


async def refuses(env: Env, key: str, param: Param, value: Any) -> str | None:
    """None when `value` is refused as it should be, else what happened instead."""
    name = key.split(":")[1]
    try:
        async with asyncio.timeout(2.0):
            result = param.call(env, {name: value})
            if inspect.isawaitable(result):
                await result
    except TimeoutError:
        return "hung (no answer in 2 s)"
    except (TypeError, ValueError) as error:
        says = param.says or name
        if says.lower() not in str(error).lower():
            return f"{type(error).__name__} not naming {says!r}: {str(error)[:200]}"
        return None
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:200]}"
    return "accepted"


@pytest.mark.parametrize(("key", "param"), list(cases()))
async def test_each_wrong_value_is_refused_naming_the_parameter(key: str, param: Param) -> None:
    async with ActorSystem("sweep") as system:
        env = Env(system, await system.spawn(Plain, name="live"))
        holes = {}
        for value in BAD[param.kind]:
            outcome = await refuses(env, key, param, value)
            if outcome is not None:
                holes[reprlib.repr(value)] = outcome
        assert await env.ref.ask("still here") == "still here"
    if key in OPEN:
        assert holes, f"{key} is refused properly now: remove it from OPEN"
        pytest.xfail(f"{OPEN[key]} ({len(holes)} values)")
    assert holes == {}


def test_the_sweep_size() -> None:
    values = sum(len(BAD[param.kind]) for param in SWEPT.values())
    callables = {key.split(":")[0] for key in SWEPT}
    print(f"{len(callables)} callables, {len(SWEPT)} parameters, {values} calls")
    assert values > 500
