"""Mistakes refused where they are made: a hook written without `async` fails at spawn, not
at the first message; a pool resize that runs out of time says so with `AskTimeout`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, ChildSpec, Supervisor, Task
from actorkit.persistence import DurableState, MemoryStore


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class SyncReceive(Actor):
    def receive(self, message: Any) -> Any:
        return message


class SyncOnStart(Actor):
    def on_start(self) -> None:  # type: ignore[override]
        pass


class SyncOnStop(Actor):
    def on_stop(self) -> None:  # type: ignore[override]
        pass


class GeneratorReceive(Actor):
    async def receive(self, message: Any) -> Any:
        yield message


class NoneReceive(Actor):
    receive = None  # type: ignore[assignment]


def logged(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any) -> Any:
        return method(*args)

    return wrapper


class Decorated(Actor):
    """A wrapper that keeps `__wrapped__` still passes: it returns the coroutine."""

    @logged
    async def receive(self, message: Any) -> Any:
        return message


BAD = [
    (SyncReceive, "receive"),
    (SyncOnStart, "on_start"),
    (SyncOnStop, "on_stop"),
    (GeneratorReceive, "receive"),
    (NoneReceive, "receive"),
]


@pytest.mark.parametrize(("cls", "hook"), BAD, ids=[hook for _, hook in BAD])
async def test_a_hook_that_is_not_async_def_is_refused_at_spawn(
    cls: type[Actor], hook: str
) -> None:
    expected = f"{cls.__qualname__}.{hook} must be a coroutine function.*`async def {hook}"
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=expected):
            await system.spawn(cls)
        with pytest.raises(TypeError, match=expected):
            await system.spawn(lambda: cls())  # a plain factory: checked on its instance
        with pytest.raises(TypeError, match=expected):
            await system.spawn_pool(cls, size=2)
        with pytest.raises(TypeError, match=expected):
            ChildSpec(cls)
        with pytest.raises(TypeError, match=expected):
            await system.spawn(Supervisor, [ChildSpec(lambda: cls())])
        assert system.actor_count == 0


async def test_an_async_hook_behind_a_wrapping_decorator_is_accepted() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Decorated)
        assert await ref.ask("x") == "x"


class Misspelt(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def recieve(self, message: Any) -> Any:
        self.count += 1
        return self.count


class OtherLibrary(Actor):
    def on_receive(self, message: Any) -> Any:
        return message


class MisspeltState(DurableState):
    async def handle(self, message: Any) -> Any:
        await self.save(message)


class MisspeltAgent(Actor):
    capabilities = ("translate",)

    async def run(self, task: Task) -> Any:
        return task.payload


NO_RECEIVE = [(Misspelt, "recieve"), (OtherLibrary, "on_receive"), (MisspeltAgent, "run")]


@pytest.mark.parametrize(("cls", "method"), NO_RECEIVE, ids=[m for _, m in NO_RECEIVE])
async def test_a_class_with_methods_but_no_receive_is_refused_at_spawn_saying_what_to_define(
    cls: type[Actor], method: str
) -> None:
    expected = (
        rf"^{cls.__qualname__} defines no receive \(it defines {method}\), so every message to "
        r"it would be answered None: define `async def receive\(self, message\)`, or assign "
        r"`self.receive` in __init__$"
    )
    async with asyncio.timeout(10), ActorSystem() as system:
        with pytest.raises(TypeError, match=expected):
            await system.spawn(cls, name="a")
        with pytest.raises(TypeError, match=expected):
            await system.spawn(lambda: cls(), name="a")  # a plain factory: its instance's class
        with pytest.raises(TypeError, match=expected):
            await system.spawn_pool(cls, size=2, name="a")
        with pytest.raises(TypeError, match=expected):
            await system.spawn(Supervisor, [ChildSpec(cls)], name="a")
        assert system.actor_count == 0  # nothing left, the name free
        assert system.agents() == [] and system.dead_letters.count == 0
        assert await (await system.spawn(Plain, name="a")).ask("x") == "x"


async def test_a_durable_class_with_no_receive_is_refused_before_anything_is_written() -> None:
    store = MemoryStore()
    async with asyncio.timeout(10), ActorSystem(store=store) as system:
        with pytest.raises(
            TypeError, match=r"^MisspeltState defines no receive \(it defines handle"
        ):
            await system.spawn(MisspeltState, name="a")
        assert system.actor_count == 0
        assert await store.load_state("/a") is None


class HooksOnly(Actor):
    """Its work is in its hooks, as a `Supervisor`'s: nothing to mistake for a handler."""

    async def on_start(self) -> None:
        await self.spawn(Plain, name="child")


class Nothing(Actor):
    pass


class Becomes(Actor):
    """No `receive` of its own: it takes one in `__init__`, the way to change behaviour."""

    def __init__(self) -> None:
        self.receive = self.greeting  # type: ignore[method-assign]

    async def greeting(self, message: Any) -> Any:
        return f"hello {message}"


class Inherits(Plain):
    def shout(self, message: str) -> str:
        return message.upper()


async def test_classes_that_get_a_receive_otherwise_or_need_none_are_spawned() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        await system.spawn(HooksOnly, name="hooks")
        assert system.lookup("/hooks/child") is not None
        assert await (await system.spawn(Nothing)).ask("x") is None
        assert await (await system.spawn(Becomes)).ask("ada") == "hello ada"
        pool = await system.spawn_pool(Becomes, size=2)
        assert await pool.ask("pool") == "hello pool"
        assert await (await system.spawn(Inherits)).ask("x") == "x"
        await system.spawn(Supervisor, [ChildSpec(Becomes, name="b")], name="sup")
        assert await system.ask("/sup/b", "sup") == "hello sup"


class SlowStart(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_start(self) -> None:
        if self.name != "0":
            await self.gate.wait()


async def test_resize_past_its_timeout_raises_ask_timeout_saying_what_timed_out() -> None:
    gate = asyncio.Event()
    async with ActorSystem() as system:
        pool = await system.spawn_pool(SlowStart, gate, size=1, name="pool")
        with pytest.raises(AskTimeout, match=r"resizing pool /pool to 3 did not finish within"):
            await pool.resize(3, timeout=0.05)
        gate.set()
