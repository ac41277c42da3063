"""Shutdowns and stops that once hung return within their bound (issue 13)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorStopped, ActorSystem

from .hardening_support import BOUND


class Gate(Actor):
    """Blocks on "block" until the test opens the gate; counts what it handled."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "block":
            if self.entered is not None:
                self.entered.set()
            await self.gate.wait()
        self.seen.append(message)
        return message


async def test_a_dead_letter_subscriber_stopped_with_messages_queued_finishes_stopping() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    async with ActorSystem(metrics=False) as system:
        watcher = await system.spawn(Gate, gate, entered, name="watcher")
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        watcher.tell("block")
        await entered.wait()
        for i in range(5):
            watcher.tell(i)
        before = system.dead_letters.count
        stopping = asyncio.create_task(watcher.stop())
        await asyncio.sleep(0)  # the stop is posted behind the running handler
        gate.set()
        async with asyncio.timeout(BOUND):
            await stopping
        assert not watcher.is_alive
        assert system.dead_letters.count - before == 5  # each queued message, once
        assert system.accounting().balanced


async def test_a_forced_shutdown_of_a_stuck_catch_all_subscriber_returns_and_can_be_repeated() -> (
    None
):
    gate = asyncio.Event()
    system = ActorSystem(metrics=False)
    await system.start()
    stuck = await system.spawn(Gate, gate, name="stuck")
    system.subscribe(stuck, ">")
    stuck.tell("block")
    for i in range(5):
        stuck.tell(i)
    async with asyncio.timeout(BOUND):
        await system.shutdown(timeout=0.05)
        await system.shutdown(timeout=0.05)  # harmless, and returns
    assert system.accounting().balanced


class ShutsDown(Actor):
    async def receive(self, message: Any) -> Any:
        await self.system.shutdown(timeout=1.0)
        return "asked for it"


async def test_shutdown_from_inside_a_handler_starts_it_and_later_shutdowns_return() -> None:
    system = ActorSystem(metrics=False)
    await system.start()
    ref = await system.spawn(ShutsDown)
    async with asyncio.timeout(BOUND):
        assert await ref.ask("go") == "asked for it"
        await system.shutdown()
        await system.shutdown()
    assert not ref.is_alive and not system.healthy


class Child(Actor):
    async def receive(self, message: Any) -> Any:
        assert self.parent is not None
        await self.parent.stop()
        return "stopping my parent"


class Parent(Actor):
    async def on_start(self) -> None:
        await self.spawn(Child, name="child")

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_child_stopping_its_parent_does_not_deadlock_with_it() -> None:
    async with ActorSystem(metrics=False) as system:
        parent = await system.spawn(Parent, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        async with asyncio.timeout(BOUND):
            assert await child.ask("stop") == "stopping my parent"
            await parent.stop()
        assert not parent.is_alive and not child.is_alive


async def test_an_endpoint_bound_during_shutdown_does_not_outlive_the_system() -> None:
    system = ActorSystem()
    await system.start()
    serving = asyncio.create_task(system.serve_http(port=0))
    await asyncio.sleep(0)  # serve_http is on its way (importing, binding)
    async with asyncio.timeout(BOUND):
        await system.shutdown()
        try:
            server = await serving
        except ActorStopped:
            return  # refused: it finished binding after the shutdown had begun
    with pytest.raises(OSError):  # it was in time, and closed with the system
        _, writer = await asyncio.open_connection(server.host, server.port)
        writer.close()
