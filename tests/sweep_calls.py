"""The bad input sweep's calls: how each public parameter is swept (`SWEPT`).

`public_parameters()` walks what `actorkit`, `actorkit.testing`, `actorkit.nats` and
`actorkit.persistence` export and lists each (callable, parameter) pair by
`inspect.signature`; every pair is either swept (`SWEPT`: how to call it, and which kind of
value it takes; the stores' and reminders' calls are in `sweep_persistence`) or exempt
(`EXEMPT`, each with the reason). A new parameter fails
`test_every_public_parameter_is_swept_or_exempt` until it is placed, so nothing is skipped
silently. Each kind lists its wrong values (`BAD`); each one must raise TypeError or
ValueError naming the parameter, promptly, and leave the system answering.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import actorkit
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
from actorkit.testing import ManualClock, Probe

from .sweep_param import Call, Env, Param
from .sweep_persistence import PERSISTENCE
from .sweep_values import Plain


async def inside(env: Env, call: Callable[[Actor], Any]) -> Any:
    """Run `call(actor)` in the actor's own task; an error comes back as if raised here."""
    outcome, value = await env.ref.ask(("call", call))
    if outcome == "raised":
        raise value
    return value


async def pool_call(env: Env, call: Callable[[Any], Any]) -> Any:
    return await call(await env.system.spawn_pool(Plain, size=1))


async def probe_call(env: Env, call: Callable[[Probe, ActorRef], Any]) -> Any:
    """`call` on a probe stopped after it (a refusal leaves the system as it was) that has
    the `Terminated` of `gone` in hand: a timeout that works takes it at once."""
    probe = await Probe.spawn(env.system)
    await (gone := await env.system.spawn(Plain)).stop()
    try:
        probe.watch(gone)
        result = call(probe, gone)
        return await result if asyncio.iscoroutine(result) else result
    finally:
        await probe.ref.stop()


def nats(name: str) -> Callable[[Env, dict[str, Any]], Any]:
    def build(env: Env, kw: dict[str, Any]) -> Any:
        return NatsTransport(**{"servers": "nats://127.0.0.1:4222", **kw})

    return build


def strategies(cls: type) -> dict[str, Param]:
    return {
        f"{cls.__name__}.__init__:max_restarts": Param("count", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:within": Param("seconds", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:backoff": Param("backoff", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:decider": Param("decider", lambda e, kw: cls(**kw)),
        f"{cls.__name__}.__init__:shutdown": Param("seconds0?", lambda e, kw: cls(**kw)),
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
        return await asyncio.to_thread(lambda: actorkit.run(coroutine, **kw))
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
    "Metrics.add_source:source": Param(
        "callable", lambda e, kw: e.system.metrics.add_source(**kw), "add_source"
    ),
    "Metrics.remove_source:source": Param(
        "callable", lambda e, kw: e.system.metrics.remove_source(**kw), "remove_source"
    ),
    "ActorSystem.ask:path": Param("path", lambda e, kw: e.system.ask(msg="x", **kw)),
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
    "ActorSystem.publish:topic": Param("topic", lambda e, kw: e.system.publish(msg=1, **kw)),
    "ActorSystem.expose:ref": Param("ref", lambda e, kw: e.system.expose(**kw), "ActorRef"),
    "ActorSystem.expose:group": Param("path", lambda e, kw: e.system.expose(e.ref, **kw)),
    "ActorSystem.remote:system_name": Param(
        "name", lambda e, kw: e.system.remote(path="/a", **kw), "system name"
    ),
    "ActorSystem.remote:path": Param("path", lambda e, kw: e.system.remote("other", **kw)),
    "ActorSystem.remote_group:group": Param("name", lambda e, kw: e.system.remote_group(**kw)),
    "ActorSystem.schedule_once:delay": Param(
        "seconds0", lambda e, kw: e.system.schedule_once(ref=e.ref, msg="x", **kw)
    ),
    "ActorSystem.schedule_once:ref": Param(
        "ref", lambda e, kw: e.system.schedule_once(1, msg="x", **kw), "ActorRef"
    ),
    "ActorSystem.schedule_every:interval": Param(
        "seconds", lambda e, kw: e.system.schedule_every(ref=e.ref, msg="x", **kw)
    ),
    "ActorSystem.schedule_every:ref": Param(
        "ref", lambda e, kw: e.system.schedule_every(1, msg="x", **kw), "ActorRef"
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
    "ActorRef.stop:timeout": Param("seconds0?", lambda e, kw: e.ref.stop(**kw)),
    "PoolRef.stop:timeout": Param("seconds0?", lambda e, kw: pool_call(e, lambda p: p.stop(**kw))),
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
    "ChildSpec.__init__:persistence_id": Param(
        "persistence_id", lambda e, kw: ChildSpec(Plain, **kw)
    ),
    # actorkit.run
    "run:main": Param("coroutine", lambda e, kw: started_run(kw)),
    "run:debug": Param("bool?", lambda e, kw: started_run(kw)),
    "run:uvloop": Param("bool", lambda e, kw: started_run(kw)),
    "to_thread:func": Param("callable", lambda e, kw: actorkit.to_thread(kw["func"])),
    # actorkit.testing
    "ManualClock.__init__:start": Param("instant", lambda e, kw: ManualClock(**kw)),
    "ManualClock.__init__:store_timeout": Param("seconds", lambda e, kw: ManualClock(**kw)),
    "ManualClock.advance:seconds": Param("seconds0", lambda e, kw: ManualClock().advance(**kw)),
    "Probe.receive:timeout": Param("seconds", lambda e, kw: Probe().receive(**kw)),
    "Probe.expect:timeout": Param("seconds", lambda e, kw: Probe().expect("x", **kw)),
    "Probe.spawn:name": Param("name", lambda e, kw: Probe.spawn(e.system, **kw)),
    "Probe.watch:ref": Param(
        "ref", lambda e, kw: probe_call(e, lambda p, _: p.watch(**kw)), "ActorRef"
    ),
    "Probe.unwatch:ref": Param(
        "ref", lambda e, kw: probe_call(e, lambda p, _: p.unwatch(**kw)), "ActorRef"
    ),
    "Probe.expect_terminated:ref": Param(
        "ref", lambda e, kw: probe_call(e, lambda p, _: p.expect_terminated(**kw)), "ActorRef"
    ),
    "Probe.expect_terminated:timeout": Param(
        "seconds", lambda e, kw: probe_call(e, lambda p, gone: p.expect_terminated(gone, **kw))
    ),
    # actorkit.nats: built without connecting, so every check runs before any I/O
    "NatsTransport.flush:timeout": Param(
        "seconds", lambda e, kw: NatsTransport("nats://127.0.0.1:4222").flush(**kw), "flush timeout"
    ),
    **{
        f"NatsTransport.__init__:{name}": Param(kind, nats(name))
        for name, kind in [
            ("servers", "servers"),
            ("prefix", "name"),
            ("max_buffered", "size"),
            ("buffer_timeout", "seconds"),
            ("send_timeout", "seconds"),
            ("connect_timeout", "seconds"),
            ("token", "credential"),
            ("user", "credential"),
            ("password", "credential"),
            ("tls_hostname", "credential"),
            ("creds", "creds"),
        ]
    },
}
SWEPT.update(PERSISTENCE)
SWEPT.update(
    {
        "BearerAuth.__init__:token": Param("credential", lambda e, kw: actorkit.BearerAuth(**kw)),
        "BasicAuth.__init__:username": Param(
            "credential", lambda e, kw: actorkit.BasicAuth(password="pw", **kw)
        ),
        "BasicAuth.__init__:password": Param(
            "credential", lambda e, kw: actorkit.BasicAuth(username="ops", **kw)
        ),
    }
)
