"""Bad input to `tell`, `ask`, `shutdown`, `PoolRef.resize` and `watch`."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor, ActorStopped, MailboxFull

from .bad_input_support import Case, Env, Plain, each, inside, raises_as_documented


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


async def stopped_then_ask(pool: Any) -> None:
    await pool.stop()
    await pool.ask("x", timeout=-1)


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


async def watch_once_stopped(env: Env) -> None:
    """The instance of an actor that stopped (a task it left running, say) watches `/live`."""
    ref = await env.system.spawn(Plain)
    actor = await ref.ask(("call", lambda actor: actor))
    await ref.stop()
    actor.watch(env.ref)


async def shutdown_on_another_loop(env: Env) -> None:
    await asyncio.to_thread(asyncio.run, env.system.shutdown())


CASES = [
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
        lambda e: e.ref.ask("x", timeout="1"),  # type: ignore[arg-type]
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
        lambda e: e.system.shutdown(timeout="1"),  # type: ignore[arg-type]
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
        "ask: timeout 0 to a stopped actor (the timeout is checked first)",
        lambda e: e.stopped.ask("x", timeout=0),
        ValueError,
        "ask timeout must be > 0",
    ),
    Case(
        "system.ask: timeout NaN to a path with no actor",
        lambda e: e.system.ask("/nobody", "x", timeout=math.nan),
        ValueError,
        "ask timeout must be > 0",
    ),
    Case(
        "PoolRef.ask: timeout negative to a stopped pool",
        lambda e: pool_of(e, stopped_then_ask),
        ValueError,
        "ask timeout must be > 0",
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
    # watch
    Case(
        "watch: itself",
        lambda e: inside(e, lambda actor: actor.watch(actor.ref)),
        ValueError,
        "cannot watch itself: it would never handle its own Terminated; do the cleanup in "
        "on_stop, or watch it from another actor",
    ),
    Case(
        "watch: not a ref",
        lambda e: inside(e, lambda actor: actor.watch("/other")),  # type: ignore[arg-type]
        TypeError,
        "watch needs the ActorRef of a local actor",
    ),
    Case(
        "watch: an actor instance, not its ref",
        lambda e: inside(e, lambda actor: actor.watch(actor)),  # type: ignore[arg-type]
        TypeError,
        "watch needs the ActorRef of a local actor",
    ),
    Case(
        "watch: from an actor that has stopped",
        watch_once_stopped,
        ActorStopped,
        r"is stopped and cannot watch /live: watch from a running actor",
    ),
    Case(
        "unwatch: not a ref",
        lambda e: inside(e, lambda actor: actor.unwatch(42)),  # type: ignore[arg-type]
        TypeError,
        "unwatch needs the ActorRef of a local actor",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)
