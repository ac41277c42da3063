"""Starting and stopping actors, and a system that leaves nothing behind (API 1)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import Probe

from .actors_support import Counter, Gate
from .conftest import leftover_tasks


async def test_tell_to_stopped_actor_is_a_dead_letter_not_an_error() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Counter)
        await ref.stop()
        ref.tell(1)
        await ref.send(2)
        assert system.dead_letters.count == 2
        assert system.dead_letters.by_reason == {"stopped": 2}
        letter = system.dead_letters.recent[-1]
        assert (letter.message, letter.recipient, letter.reason) == (2, ref.path, "stopped")


async def test_stop_lets_current_message_finish_and_dead_letters_the_rest() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()
    stopped: list[str] = []

    class Tracked(Gate):
        async def on_stop(self) -> None:
            stopped.append("on_stop")

    async with ActorSystem() as system:
        ref = await system.spawn(Tracked, gate, entered)
        ref.tell("wait")
        await entered.wait()
        ref.tell("queued-1")
        ref.tell("queued-2")
        stopping = asyncio.ensure_future(ref.stop())
        await asyncio.sleep(0)
        assert not stopping.done()
        gate.set()
        await stopping
        assert not ref.is_alive
        assert stopped == ["on_stop"]
        assert [d.message for d in system.dead_letters.recent] == ["queued-1", "queued-2"]
        await ref.stop()  # stopping a stopped actor is a no-op
        assert stopped == ["on_stop"]


async def test_self_stop_inside_receive() -> None:
    class Quitter(Actor):
        async def receive(self, message: Any) -> Any:
            self.stop()
            return "bye"

    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Quitter, restart="transient")

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(ref)

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Watcher)
        assert await ref.ask("quit") == "bye"
        terminated = await probe.expect(actorkit.Terminated)
        assert terminated.ref == ref and terminated.reason is None
        assert not ref.is_alive


async def test_awaiting_own_stop_from_inside_does_not_deadlock() -> None:
    class Stopper(Actor):
        async def receive(self, message: Any) -> Any:
            await self.ref.stop()
            return "ok"

    async with ActorSystem() as system:
        ref = await system.spawn(Stopper)
        assert await ref.ask("stop yourself") == "ok"
        with pytest.raises(ActorStopped):
            await ref.ask("again")


async def test_on_start_runs_before_first_message_and_spawn_waits_for_it() -> None:
    order: list[str] = []

    class Starter(Actor):
        async def on_start(self) -> None:
            await asyncio.sleep(0)
            order.append("start")

        async def receive(self, message: Any) -> None:
            order.append(message)

    async with ActorSystem() as system:
        ref = await system.spawn(Starter)
        assert order == ["start"]
        await ref.ask("m")
        assert order == ["start", "m"]


async def test_on_start_failure_makes_spawn_raise_and_starts_nothing() -> None:
    class Broken(Actor):
        async def on_start(self) -> None:
            raise RuntimeError("cannot start")

    async with ActorSystem() as system:
        with pytest.raises(RuntimeError, match="cannot start"):
            await system.spawn(Broken, name="broken")
        assert system.lookup("/broken") is None
        ok = await system.spawn(Counter, name="broken")  # the name is free again
        assert ok.is_alive


async def test_system_leaves_no_tasks_behind() -> None:
    before = leftover_tasks()
    async with ActorSystem() as system:
        refs = [await system.spawn(Counter) for _ in range(50)]
        for ref in refs:
            ref.tell(1)
    await asyncio.sleep(0)
    assert leftover_tasks() == before


async def test_run_uses_uvloop() -> None:
    # actorkit.run itself is exercised in test_runner; here only the selection logic.
    from actorkit._runner import loop_factory

    factory = loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


def test_run_where_uvloop_is_not_installed_runs_on_asyncio_s_own_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows, or an install without it: `actorkit.run` works on the stock loop."""
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError

    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert actorkit.run(loop_module()).startswith("asyncio.")
