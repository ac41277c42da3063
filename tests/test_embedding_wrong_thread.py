"""A system belongs to its event loop's thread (docs/api.md §1). `tell` does not check, to
stay fast; the calls that change the runtime's own tables and are not on a message's path do:
`spawn` (and so `spawn_pool`), `submit`, a ref's `stop` and a pool's `resize` run on an event
loop in another thread, and `subscribe`, `unsubscribe` and `schedule_*` from another thread, are
refused with `RuntimeError` saying how to hand the call to the loop, before anything changes; an
`ask` too, at a full mailbox before anything changes, else once its message was put. Before, a
spawn on another loop registered the actor from that thread (one with `on_start` started too, its
spawner told only that a future was attached to a different loop), and the plain calls changed
the router's and the timers' tables behind the loop's back."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.persistence import DurableState, MemoryStore

HANDED = "run_coroutine_threadsafe"


class Dormant(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Starting(Dormant):
    async def on_start(self) -> None:
        pass


async def on_another_loop(call: Callable[[], Awaitable[Any]]) -> BaseException | None:
    """What `call()` raises run by `asyncio.run` in a thread of its own."""

    async def run() -> None:
        await call()

    def in_the_thread() -> BaseException | None:
        try:
            asyncio.run(asyncio.wait_for(run(), 5))
        except BaseException as error:  # handed back to the test's loop
            return error
        return None

    return await asyncio.to_thread(in_the_thread)


async def in_another_thread(call: Callable[[], Any]) -> BaseException | None:
    def in_the_thread() -> BaseException | None:
        try:
            call()
        except BaseException as error:
            return error
        return None

    return await asyncio.to_thread(in_the_thread)


@pytest.mark.parametrize("kind", [Dormant, Starting])
async def test_a_spawn_run_on_another_event_loop_is_refused_and_registers_nothing(
    kind: type[Actor],
) -> None:
    async with asyncio.timeout(10), ActorSystem("app") as system:
        error = await on_another_loop(lambda: system.spawn(kind, name="elsewhere"))
        assert isinstance(error, RuntimeError)
        assert "another event loop" in str(error) and HANDED in str(error)
        assert system.lookup("/elsewhere") is None
        assert system.actor_count == 0
        assert await (await system.spawn(kind, name="elsewhere")).ask(1) == 1


class Kept(DurableState):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_durable_spawn_run_on_another_event_loop_is_refused_and_registers_nothing() -> None:
    async with asyncio.timeout(10), ActorSystem("app", store=MemoryStore()) as system:
        error = await on_another_loop(lambda: system.spawn(Kept, name="kept", persistence_id="k"))
        assert isinstance(error, RuntimeError) and HANDED in str(error)
        assert system.lookup("/kept") is None and system.actor_count == 0
        assert await (await system.spawn(Kept, name="kept", persistence_id="k")).ask(1) == 1


async def test_a_pool_or_a_task_submitted_on_another_event_loop_is_refused() -> None:
    async with asyncio.timeout(10), ActorSystem("app") as system:
        for call in (lambda: system.spawn_pool(Dormant, size=2), lambda: system.submit("job")):
            error = await on_another_loop(call)
            assert isinstance(error, RuntimeError) and HANDED in str(error)
        assert system.actor_count == 0
        assert system.tasks.pending == 0


async def test_subscriptions_and_schedules_from_another_thread_are_refused() -> None:
    async with asyncio.timeout(10), ActorSystem("app") as system:
        ref = await system.spawn(Dormant)
        system.subscribe(ref, "kept")
        calls: list[Callable[[], Any]] = [
            lambda: system.subscribe(ref, "orders.*"),
            lambda: system.unsubscribe(ref),
            lambda: system.schedule_once(0.0, ref, "tick"),
            lambda: system.schedule_every(1.0, ref, "tick"),
        ]
        names = ["subscribe", "unsubscribe", "schedule_once", "schedule_every"]
        for call, name in zip(calls, names, strict=True):
            error = await in_another_thread(call)
            assert isinstance(error, RuntimeError), call
            said = str(error)
            assert f"system.{name}() of actor system 'app' was called from another thread" in said
            assert f"loop.call_soon_threadsafe(system.{name}, ...)" in said
            assert HANDED not in said  # a plain call, not a coroutine to hand over
        assert system.publish("orders.new", "order") == 0
        assert system.publish("kept", "message") == 1


@pytest.mark.loses_futures("the test closes a loop with the system's tasks pending, on purpose")
def test_a_shutdown_of_a_system_whose_loop_was_closed_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    systems = [ActorSystem("app")]
    before = set(threading.enumerate())
    loop = asyncio.new_event_loop()
    loop.run_until_complete(systems[0].start())
    loop.close()

    async def later() -> None:
        with pytest.raises(RuntimeError, match=r"after its event loop .* is closed"):
            await systems[0].shutdown()

    asyncio.run(asyncio.wait_for(later(), 5))
    # Its actors' coroutines, left on the closed loop, fail to end there when collected:
    # here, not in whichever test the collector would next run in.
    systems.clear()
    for watchdog in [thread for thread in threading.enumerate() if thread not in before]:
        watchdog.join(10.0)  # it holds the system until it sees the loop closed
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    gc.collect()


class SubscribesThroughTheSystem(Actor):
    async def receive(self, message: Any) -> Any:
        self.system.subscribe(self.ref, "moved")
        self.system.schedule_once(0.0, self.ref, "scheduled")
        return "subscribed"


def test_plain_calls_pass_between_runs_and_on_a_loop_run_in_a_thread_of_its_own() -> None:
    loop = asyncio.new_event_loop()
    system = ActorSystem("app")
    loop.run_until_complete(system.start())
    ref = loop.run_until_complete(system.spawn(SubscribesThroughTheSystem))
    system.subscribe(ref, "between")  # on the loop's thread, the loop not running
    system.unsubscribe(ref, "between")
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        asked = asyncio.run_coroutine_threadsafe(ref.ask("go", timeout=5.0), loop)
        assert asked.result(timeout=5.0) == "subscribed"
        published = asyncio.run_coroutine_threadsafe(_publish(system), loop)
        assert published.result(timeout=5.0) == 1
        asyncio.run_coroutine_threadsafe(system.shutdown(), loop).result(timeout=10.0)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10.0)
        loop.close()


async def _publish(system: ActorSystem) -> int:
    return system.publish("moved", "message")


def test_a_spawn_on_a_later_loop_of_the_same_thread_is_refused_and_registers_nothing() -> None:
    """A system kept across loops in one thread (a fixture of a wider loop scope than its
    test's): the thread its loop last ran in is no proof that loop runs the call."""
    loop = asyncio.new_event_loop()
    system = ActorSystem("app")
    try:
        loop.run_until_complete(system.start())
        loop.run_until_complete(system.spawn(Starting, name="first"))  # on its own loop

        async def later() -> None:
            for call in (lambda: system.spawn(Starting, name="later"), lambda: system.submit(1)):
                with pytest.raises(RuntimeError, match="another event loop"):
                    await call()

        asyncio.run(asyncio.wait_for(later(), 5))
        assert system.lookup("/later") is None
        assert system.actor_count == 1 and system.tasks.pending == 0
        loop.run_until_complete(asyncio.wait_for(system.shutdown(), 10))
    finally:
        loop.close()


class Held(Actor):
    """Busy in its first message until the test releases it: never parked, so nothing from
    another thread has to wake it."""

    release: asyncio.Event

    async def receive(self, message: Any) -> Any:
        await self.release.wait()
        return message


def refused(error: BaseException | None, call: str) -> None:
    assert isinstance(error, RuntimeError), call
    said = str(error)
    assert f"{call}() of actor system 'app' was called on another event loop" in said
    assert f"asyncio.run_coroutine_threadsafe({call}(), loop)" in said


async def test_a_stop_or_a_resize_run_on_another_event_loop_is_refused() -> None:
    """As `spawn` is, before anything changes: the actor is not stopped, nor the pool
    resized, and each says how to hand the call to the system's loop."""
    async with asyncio.timeout(10), ActorSystem("app") as system:
        ref = await system.spawn(Dormant, name="dormant")
        pool = await system.spawn_pool(Dormant, size=1, name="pool")
        refused(await on_another_loop(lambda: ref.stop()), "ref.stop")
        refused(await on_another_loop(lambda: pool.stop(timeout=1.0)), "ref.stop")
        refused(await on_another_loop(lambda: pool.resize(2, timeout=1.0)), "pool.resize")
        assert ref.is_alive and pool.is_alive and len(pool.members) == 1
        assert await ref.ask("still") == "still" and await pool.ask("still") == "still"


async def test_an_ask_run_on_another_event_loop_is_refused_at_a_full_mailbox() -> None:
    """Where its check costs an ask nothing: before it waits in line for room."""
    Held.release = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem("app") as system:
        ref = await system.spawn(Held, mailbox_size=1)
        ref.tell("held")
        await asyncio.sleep(0)  # its handler holds it
        ref.tell("queued")
        refused(await on_another_loop(lambda: ref.ask("hello", timeout=1.0)), "ref.ask")
        assert system.accounting().accepted == 2
        Held.release.set()
        assert await ref.ask("still") == "still"


@pytest.mark.parametrize("target", ["pool", "actor"])
async def test_an_ask_run_on_another_event_loop_with_room_says_so_once_its_message_is_put(
    target: str,
) -> None:
    """With room, the ask is not checked before its message is put (on every ask the check
    would cost 1.7% of its instructions): its await fails on the other loop, and says so."""
    Held.release = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem("app") as system:
        ref: ActorRef = await (
            system.spawn_pool(Held, size=1) if target == "pool" else system.spawn(Held)
        )
        ref.tell("held")
        await asyncio.sleep(0)
        refused(await on_another_loop(lambda: ref.ask("hello", timeout=1.0)), "ref.ask")
        Held.release.set()
        assert await ref.ask("still") == "still"
