"""Common mistakes, as a user new to actorkit makes them: the actor instance (`self`) where
its ref belongs, a `spawn(...)` not awaited, a probe for its ref, an instance for its class,
arguments passed up to `Actor.__init__`, and calls on a system not started or shut down.
Each error says what to write instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, ChildSpec, NotDelivered
from actorkit.testing import Probe, cancel_task, instance

from .bad_input_support import Case, Env, Plain, after_shutdown, each, inside, raises_as_documented

SELF_REF = r"an actor instance, not its ref: pass self\.ref inside the actor, or the ref spawn"
AWAIT = r"a coroutine of ActorSystem\.spawn, not a ref: await it \(ref = await system\.spawn"
PROBE = r"a Probe, not a ref: pass probe\.ref"
PATH = r"got ActorRef: a ref needs no path, use it directly \(await ref\.ask\(message\)"
LOCAL = "the ActorRef of a local actor (such as one returned by spawn)"
CLASS = r"an actor instance, not a factory: pass its class \(spawn\(Plain, \.\.\.\)\)"


def me(env: Env) -> Plain:
    """The live actor's instance, as `self` is inside it."""
    found = instance(env.ref)
    assert isinstance(found, Plain)
    return found


@contextmanager
def unawaited(env: Env) -> Iterator[Any]:
    """`system.spawn(Plain)` without its `await`; closed after, as the mistake's fix would."""
    coroutine = env.system.spawn(Plain)
    try:
        yield coroutine
    finally:
        coroutine.close()


def with_unawaited(call: Callable[[Env, Any], Any]) -> Callable[[Env], Awaitable[Any]]:
    async def run(env: Env) -> Any:
        with unawaited(env) as coroutine:
            result = call(env, coroutine)
            return await result if isinstance(result, Awaitable) else result

    return run


def with_probe(call: Callable[[Env, Probe], Any]) -> Callable[[Env], Awaitable[Any]]:
    async def run(env: Env) -> Any:
        return call(env, await Probe.spawn(env.system))

    return run


# Each place that takes a ref, given `self` (the actor instance).
SELF_CASES = [
    Case(
        "schedule_once: the actor instance for its ref",
        lambda e: e.system.schedule_once(1, me(e), "tick"),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "schedule_every: the actor instance for its ref",
        lambda e: e.system.schedule_every(1, me(e), "tick"),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "subscribe: the actor instance for its ref",
        lambda e: e.system.subscribe(me(e), "a.b"),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "unsubscribe: the actor instance for its ref",
        lambda e: e.system.unsubscribe(me(e)),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "watch: the actor's own instance",
        lambda e: inside(e, lambda actor: actor.watch(actor)),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "unwatch: another actor's instance",
        lambda e: inside(e, lambda actor: actor.unwatch(me(e))),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "expose: the actor instance for its ref",
        lambda e: e.system.expose(me(e)),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "instance: the actor instance for its ref",
        lambda e: instance(me(e)),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
    Case(
        "cancel_task: the actor instance for its ref",
        lambda e: cancel_task(me(e)),  # type: ignore[arg-type]
        TypeError,
        SELF_REF,
    ),
]

# The same places, given `system.spawn(...)` without its `await`, or a probe.
OTHER_CASES = [
    Case(
        "schedule_once: an unawaited spawn for a ref",
        with_unawaited(lambda e, c: e.system.schedule_once(1, c, "tick")),
        TypeError,
        AWAIT,
    ),
    Case(
        "subscribe: an unawaited spawn for a ref",
        with_unawaited(lambda e, c: e.system.subscribe(c, "a.b")),
        TypeError,
        AWAIT,
    ),
    Case(
        "watch: an unawaited spawn for a ref",
        with_unawaited(lambda e, c: inside(e, lambda actor: actor.watch(c))),
        TypeError,
        AWAIT,
    ),
    Case(
        "schedule_once: a probe for its ref",
        with_probe(lambda e, p: e.system.schedule_once(1, p, "tick")),  # type: ignore[arg-type]
        TypeError,
        PROBE,
    ),
    Case(
        "subscribe: a probe for its ref",
        with_probe(lambda e, p: e.system.subscribe(p, "a.b")),  # type: ignore[arg-type]
        TypeError,
        PROBE,
    ),
]

# Where a factory belongs, an instance: the runtime makes instances, a fresh one per restart.
FACTORY_CASES = [
    Case(
        "spawn: an actor instance for its class",
        lambda e: e.system.spawn(Plain()),  # type: ignore[arg-type]
        TypeError,
        CLASS,
    ),
    Case(
        "spawn_pool: an actor instance for its class",
        lambda e: e.system.spawn_pool(Plain(), size=2),  # type: ignore[arg-type]
        TypeError,
        CLASS,
    ),
    Case(
        "ChildSpec: an actor instance for its class",
        lambda e: ChildSpec(Plain()),  # type: ignore[arg-type]
        TypeError,
        CLASS,
    ),
]

# Where a path belongs, the ref itself: it needs no looking up.
PATH_CASES = [
    Case(
        "ask: a ref for its path (system.ask)",
        lambda e: e.system.ask(e.ref, "x"),  # type: ignore[arg-type]
        TypeError,
        PATH,
    ),
    Case(
        "lookup: a ref for its path",
        lambda e: e.system.lookup(e.ref),  # type: ignore[arg-type]
        TypeError,
        PATH,
    ),
]

# Spelled as other libraries spell them: a name as spawn's first argument, None for no timeout.
SPELLING_CASES = [
    Case(
        "spawn: a name passed as the factory's argument",
        lambda e: e.system.spawn(Plain, "counter"),
        TypeError,
        r"drop them from spawn \(to name the actor, pass name='counter'\)",
    ),
    Case(
        "ask: timeout None for no timeout",
        lambda e: e.ref.ask("x", timeout=None),  # type: ignore[arg-type]
        TypeError,
        r"got NoneType None: every wait in actorkit is bounded, so pass a number of seconds "
        r"\(a large one, such as 3600\.0, to wait long\)",
    ),
]

CASES = SELF_CASES + OTHER_CASES + FACTORY_CASES + PATH_CASES + SPELLING_CASES


@each(CASES)
async def test_a_common_mistake_gets_an_error_saying_what_to_write(case: Case) -> None:
    await raises_as_documented(case)


async def test_a_ref_refusal_is_worded_alike_by_every_call_that_takes_one() -> None:
    """One helper words every refusal of a non-ref: the call that needs a local actor's
    ref, then the value as given; `schedule_*` (which takes a remote ref too) the same tail."""
    async with ActorSystem("tails") as system:
        ref = await system.spawn(Plain, name="live")
        env = Env(system, ref, ref)
        said = {}
        for name, call in (
            ("subscribe", lambda: system.subscribe(42, "a")),  # type: ignore[arg-type]
            ("unsubscribe", lambda: system.unsubscribe(42)),  # type: ignore[arg-type]
            ("expose", lambda: system.expose(42)),  # type: ignore[arg-type]
            ("instance()", lambda: instance(42)),  # type: ignore[arg-type]
            ("schedule", lambda: system.schedule_once(1, 42, "x")),  # type: ignore[arg-type]
        ):
            with pytest.raises(TypeError) as raised:
                call()
            said[name] = str(raised.value)
        with pytest.raises(TypeError) as raised:
            await inside(env, lambda actor: actor.watch(42))  # type: ignore[arg-type]
        said["watch"] = str(raised.value)
        for name, text in said.items():
            needs = "an ActorRef to deliver to" if name == "schedule" else LOCAL
            assert text.startswith(f"{name} needs {needs}, got int 42"), text


async def test_arguments_passed_up_to_actor_init_are_refused_saying_to_drop_them() -> None:
    class Counter(Plain):
        def __init__(self, start: int) -> None:
            super().__init__(start)  # Actor.__init__ takes none
            self.count = start

    async with ActorSystem("init") as system:
        with pytest.raises(TypeError, match=r"call super\(\)\.__init__\(\) without arguments"):
            await system.spawn(Counter, 1)
        assert system.lookup("/$1") is None


CALLS: list[tuple[str, Callable[[ActorSystem], Any]]] = [
    ("spawn", lambda s: s.spawn(Plain)),
    ("spawn_pool", lambda s: s.spawn_pool(Plain, size=2)),
    ("ask", lambda s: s.ask("/live", "x")),
    ("submit", lambda s: s.submit("x")),
    ("serve_http", lambda s: s.serve_http(port=0)),
]


async def _refusal(call: Callable[[ActorSystem], Any], system: ActorSystem) -> BaseException:
    with pytest.raises(Exception) as raised:
        result = call(system)
        if isinstance(result, Awaitable):
            await result
    return raised.value


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
async def test_a_system_not_started_refuses_every_call_alike(
    name: str, call: Callable[[ActorSystem], Any]
) -> None:
    """README: before `start()` a call is a `RuntimeError` (the row of `spawn`, `submit`,
    `serve_http`); `system.ask` too, not a `NotDelivered` as if the actor had stopped."""
    error = await _refusal(call, ActorSystem("unstarted"))
    assert type(error) is RuntimeError, error
    expected = (
        f"actor system 'unstarted' is not started, so {name} cannot run yet: use "
        "`async with ActorSystem()` (or `await system.start()`) first"
    )
    assert str(error) == expected


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
async def test_a_shut_down_system_refuses_every_call_alike(
    name: str, call: Callable[[ActorSystem], Any]
) -> None:
    """README: once shutdown has begun, `ActorStopped`, in the words `spawn` and `submit`
    use; `system.ask` a `NotDelivered` (an `ActorStopped`) that says the system is shut down."""
    error = await after_shutdown(lambda system: _refusal(call, system))
    assert type(error) is (NotDelivered if name == "ask" else ActorStopped), error
    assert str(error) == (
        f"actor system 'closed' is shut down (or shutting down, or failed: `system.failure` "
        f"holds why), so {name} cannot run: create a new ActorSystem to go on"
    )
