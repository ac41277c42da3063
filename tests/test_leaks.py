"""Memory: nothing in the runtime keeps a stopped actor alive. Each case uses an actor in one
way (watched, watching, subscribed, timers, asks, tasks, restarts, pool member), stops it, and
checks with a weak reference that its cell and instance were freed. benchmarks/soak.py checks
the same over minutes of traffic (RSS in benchmarks/RESULTS.md)."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit.testing import ManualClock, Probe, instance, pending_timers

from .http_support import fetch


class Subject(Actor):
    capabilities = ("work",)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        if isinstance(message, tuple) and message[0] == "watch":
            self.watch(message[1])
        if message == "timers":
            self.timers.start_every("tick", "tick", 100.0)
            self.timers.start_once("once", "once", 100.0)
        return message


class Watcher(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.watch(message)
        if isinstance(message, tuple) and message[0] == "unwatch":
            self.unwatch(message[1])
        return None if isinstance(message, Terminated) else message


Use = Callable[[ActorSystem, ActorRef], Awaitable[None]]


async def nothing(system: ActorSystem, ref: ActorRef) -> None:
    return None


async def watched(system: ActorSystem, ref: ActorRef) -> None:
    watcher = await system.spawn(Watcher)
    await watcher.ask(ref)


async def unwatched(system: ActorSystem, ref: ActorRef) -> None:
    watcher = await system.spawn(Watcher)  # it lives on, and keeps nothing of `ref`
    await watcher.ask(ref)
    await watcher.ask(("unwatch", ref))


async def watching(system: ActorSystem, ref: ActorRef) -> None:
    other = await system.spawn(Watcher)
    await ref.ask(("watch", other))


async def subscribed(system: ActorSystem, ref: ActorRef) -> None:
    system.subscribe(ref, "leak.*")
    system.subscribe(ref, "leak.>")
    assert system.publish("leak.x", "hello") == 1


async def unsubscribed(system: ActorSystem, ref: ActorRef) -> None:
    await subscribed(system, ref)
    system.unsubscribe(ref, "leak.*")
    system.unsubscribe(ref, "leak.>")  # its last pattern: the router lets go of it
    assert system.publish("leak.x", "hello") == 0


async def with_timers(system: ActorSystem, ref: ActorRef) -> None:
    await ref.ask("timers")  # its own timers end with it (their heap entries wait for due)


async def asked(system: ActorSystem, ref: ActorRef) -> None:
    for i in range(10):
        assert await ref.ask(i, timeout=30.0) == i


async def with_tasks(system: ActorSystem, ref: ActorRef) -> None:
    for i in range(5):
        assert await system.submit(i, requires=["work"]) is not None


async def restarted(system: ActorSystem, ref: ActorRef) -> None:
    probe = await Probe.spawn(system)
    with pytest.raises(RuntimeError):
        await ref.ask("crash")
    probe.ref.tell(await ref.ask("after"))
    await probe.expect("after")


USES: dict[str, Use] = {
    "plain": nothing,
    "watched by another actor": watched,
    "watched, then unwatched": unwatched,
    "watching another actor": watching,
    "subscribed": subscribed,
    "subscribed, then unsubscribed": unsubscribed,
    "with timers": with_timers,
    "asked": asked,
    "given tasks": with_tasks,
    "restarted": restarted,
}


@pytest.mark.parametrize("use", list(USES.values()), ids=list(USES))
async def test_a_stopped_actor_is_freed(use: Use, caplog: pytest.LogCaptureFixture) -> None:
    # Captured crash reports hold their traceback, whose frames hold the cell: not the
    # runtime's doing, so keep them out of the capture.
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem(metrics=True) as system:
        ref = await system.spawn(Subject)
        await use(system, ref)
        # The cell holds its ref, so the ref (weak-referenceable, unlike the slotted cell)
        # outlives the cell only if something still holds the cell.
        cell = weakref.ref(ref)
        held = weakref.ref(instance(ref))
        await ref.stop()
        del ref
        # A round trip through a fresh actor: the loop turns over, and a watcher has handled
        # the `Terminated` queued to it before (a dormant actor's stop needs no round trip).
        turner = await system.spawn(Watcher)
        assert await turner.ask("turn") == "turn"
        gc.collect()
        assert held() is None, gc.get_referrers(held())
        assert cell() is None, [type(r).__name__ for r in gc.get_referrers(cell())]


async def test_a_stopped_pool_member_and_a_stopped_pool_are_freed() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Subject, size=3, routing="consistent_hash", hash_key=str)
        for i in range(30):
            await pool.ask(i)
        member = weakref.ref(pool.members[0])
        await pool.members[0].stop()
        for i in range(30):
            await pool.ask(i)  # the pool routes around the lost member
        gc.collect()
        assert member() is None
        pool_cell = weakref.ref(pool)
        await pool.stop()
        del pool
        gc.collect()
        assert pool_cell() is None


async def test_a_periodic_system_timer_ends_when_its_target_stops() -> None:
    """`schedule_every` lets go of its target as it stops, not at the next tick (an hour
    later, for an hourly tick), and leaves no dead letter for ticks nobody sent."""
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Subject)
        handle = system.schedule_every(3600.0, ref, "tick")
        other = system.schedule_every(3600.0, await system.spawn(Subject), "tick")
        await clock.advance(3600.0)
        held = weakref.ref(ref)
        await ref.stop()
        del ref
        assert not handle.active
        assert other.active  # only the stopped target's timers end
        assert pending_timers(system) == 1
        gc.collect()
        assert held() is None
        await clock.advance(3600.0)
        assert system.dead_letters.count == 0


async def test_a_fired_one_shot_timer_lets_go_of_its_target() -> None:
    """A `schedule_once` handle kept after its tick (to cancel it, had it not fired) keeps
    no stopped actor alive."""
    clock = ManualClock()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Subject)
        handle = system.schedule_once(1.0, ref, "tick")
        await clock.advance(1.0)
        assert not handle.active
        held = weakref.ref(ref)
        await ref.stop()
        del ref
        gc.collect()
        assert held() is None
        assert handle.cancel() is False


def handler_class() -> type[Actor]:
    """A class made at run time, as a factory making one per plugin or request would."""

    class Handler(Actor):
        async def receive(self, message: Any) -> Any:
            return message

    return Handler


async def test_classes_made_at_run_time_are_freed_and_share_their_names_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = 16  # the caches' bound, made small so that a few hundred classes pass it
    monkeypatch.setattr("actorkit._runtime.KINDS_KEPT", kept)
    monkeypatch.setattr("actorkit._spawn.CHECKED_KEPT", kept)
    made = 300
    classes = []
    async with asyncio.timeout(30), ActorSystem() as system:
        for n in range(made):
            cls = handler_class()
            classes.append(weakref.ref(cls))
            ref = await system.spawn(cls)
            assert await ref.ask(n) == n
            await ref.stop()
        del cls, ref
        gc.collect()
        assert sum(alive() is not None for alive in classes) <= 2 * kept  # what the caches hold
        assert [stats.name for stats in system.metrics.classes()] == ["Handler"]
        exposition = generate_latest(system.metrics.registry).decode()
        spawned = [
            line
            for line in exposition.splitlines()
            if line.startswith("actorkit_actor_spawned_total{")
        ]
        assert spawned == [f'actorkit_actor_spawned_total{{actor_type="Handler"}} {made}.0']


@pytest.mark.parametrize("closed_by", ["its owner", "the shutdown"])
async def test_a_system_that_served_http_requests_is_freed(closed_by: str) -> None:
    """aiohttp keeps the middleware chain of up to 1024 route handlers, with their
    applications, for the life of the process: a process that starts systems and serves
    them must not keep every one it served."""
    system = ActorSystem("served")
    held = weakref.ref(system)
    async with system:
        server = await system.serve_http(port=0, auth="s3cret-token")
        bearer = {"Authorization": "Bearer s3cret-token"}
        for path in ("/metrics", "/healthz", "/actors"):
            assert (await fetch(f"{server.url}{path}", headers=bearer))[0] == 200
        assert (await fetch(f"{server.url}/healthz"))[0] == 401
        if closed_by == "its owner":
            await server.close()
    del system, server
    gc.collect()
    assert held() is None


async def test_a_stopped_watcher_is_freed_while_a_ref_to_what_it_watched_is_held() -> None:
    """A stopped actor's ref may be held for long (a dict of peers): its cell lets go of
    the watchers it told of its stop."""
    async with ActorSystem() as system:
        target = await system.spawn(Watcher)
        watcher = await system.spawn(Watcher)
        await watcher.ask(target)
        await target.stop()
        cell, held = weakref.ref(watcher), weakref.ref(instance(watcher))
        await watcher.stop()
        del watcher
        turner = await system.spawn(Watcher)
        assert await turner.ask("turn") == "turn"
        gc.collect()
        assert (held(), cell()) == (None, None)
        assert not target.is_alive
