"""`await ref.stop()` of an idle leaf, and whoever drives that coroutine: the stop closes the
actor when the coroutine runs, not when `stop()` is called; a message arriving in the same
turn; the actor's own task cancelled meanwhile; `wait_for`, `shield`, `gather`, a task
cancelled before or while it runs (API 9, "Stopping")."""

from __future__ import annotations

import asyncio
import gc
import warnings
from contextlib import suppress
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered

from .outside_stop_support import FACTORIES, factory_of, parked, task_of

pytestmark = pytest.mark.timeout(10)


class Hooked(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    async def on_stop(self) -> None:
        self.seen.append("on_stop")

    async def receive(self, message: Any) -> Any:
        self.seen.append(f"got {message}")
        return message


@pytest.mark.parametrize("factory", FACTORIES)
async def test_a_stop_called_but_not_yet_awaited_closes_nothing(factory: Any) -> None:
    async with factory_of(factory), ActorSystem() as system:
        ref = await parked(system)
        stopping = ref.stop()
        # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
        alive = ref.is_alive
        assert alive  # the coroutine has not run
        assert await ref.ask("still") == "still"
        await stopping
        assert not ref.is_alive
        assert system.accounting().balanced


@pytest.mark.parametrize("factory", FACTORIES)
async def test_a_message_told_between_the_stop_call_and_its_await_is_a_dead_letter(
    factory: Any,
) -> None:
    seen: list[str] = []
    async with factory_of(factory), ActorSystem() as system:
        ref = await parked(system, Hooked, seen)
        stopping = ref.stop()
        ref.tell("late")
        await stopping
        assert seen[-2:] == ["got hi", "on_stop"]  # queued behind the stop: a dead letter
        assert not ref.is_alive
        assert system.accounting().dead_lettered == 1
        assert system.accounting().balanced


@pytest.mark.parametrize("factory", FACTORIES)
async def test_a_stop_task_and_a_tell_in_the_same_turn(factory: Any) -> None:
    async with factory_of(factory), ActorSystem() as system:
        before = system.accounting().processed
        ref = await parked(system)
        stopping = asyncio.create_task(ref.stop())
        ref.tell("same turn")
        await stopping
        assert not ref.is_alive
        assert task_of(ref) is None
        accounting = system.accounting()
        assert accounting.balanced
        # handled, dead-lettered, or refused (an eager task factory runs the stop first)
        assert accounting.processed + system.dead_letters.count >= before + 2


@pytest.mark.parametrize("factory", FACTORIES)
async def test_an_idle_leaf_whose_task_was_cancelled_meanwhile_stops(factory: Any) -> None:
    async with factory_of(factory), ActorSystem() as system:
        ref = await parked(system)
        task = task_of(ref)
        assert task is not None
        task.cancel()  # as the end of `asyncio.run` does, in the turn of the stop
        await asyncio.wait_for(ref.stop(), 5)
        assert not ref.is_alive
        assert task.done()
        with pytest.raises(NotDelivered):
            await ref.ask("gone")


async def test_stops_driven_by_wait_for_shield_gather_and_tasks() -> None:
    async with ActorSystem() as system:
        refs = [await parked(system) for _ in range(6)]
        await asyncio.wait_for(refs[0].stop(), 5)
        await asyncio.shield(refs[1].stop())
        await asyncio.gather(refs[2].stop(), refs[2].stop(), refs[3].stop())
        await asyncio.create_task(refs[4].stop())
        await asyncio.ensure_future(refs[5].stop())
        assert not any(ref.is_alive for ref in refs)
        assert all(task_of(ref) is None for ref in refs)
        assert system.actor_count == 0
        assert system.accounting().balanced


async def test_a_wait_for_with_no_time_still_closes_the_actor() -> None:
    async with ActorSystem() as system:
        ref = await parked(system)
        with suppress(TimeoutError):
            await asyncio.wait_for(ref.stop(), 0)
        assert not ref.is_alive or await ref.ask("x") == "x"
        await ref.stop()
        assert not ref.is_alive
        assert system.accounting().balanced


async def test_a_stop_cancelled_before_it_ran_leaves_the_actor_and_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with ActorSystem() as system:
            ref = await parked(system)
            stopping = asyncio.create_task(ref.stop())
            stopping.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stopping
            # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
            alive = ref.is_alive
            assert alive
            assert await ref.ask("after") == "after"
            unawaited = ref.stop()
            del unawaited  # called, never awaited: an `async def`'s usual warning only
            gc.collect()
            await ref.stop()
            assert not ref.is_alive
        never = [w for w in caught if "never awaited" in str(w.message)]
        assert all("ActorRef.stop" in str(w.message) for w in never), never


async def test_a_stop_cancelled_at_its_yield_has_closed_the_actor() -> None:
    async with ActorSystem() as system:
        ref = await parked(system)
        task = task_of(ref)
        stopping = asyncio.create_task(ref.stop())
        await asyncio.sleep(0)  # one turn: the stop ran up to its yield
        assert not ref.is_alive
        stopping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopping
        assert task is not None
        await asyncio.wait_for(asyncio.shield(task), 5)
        assert system.accounting().balanced
