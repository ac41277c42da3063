"""The edges of a write's turn (test_durable_concurrent_writes) that the actor-level tests
cannot reach at will: a turn handed over and then cancelled or retired before the write that
waited for it runs, and writes still waiting when their instance is retired."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from actorkit import ActorStopped, PersistenceError
from actorkit.persistence._binding import Binding

pytestmark = pytest.mark.timeout(30)


class Service:
    """What a binding asks of its `Persistence`."""

    store = None
    metrics = None

    def written(self, binding: Binding) -> None:
        pass


async def writing(binding: Binding) -> tuple[asyncio.Task[None], asyncio.Task[None]]:
    """A persist in flight (`busy`), and two more called after it, waiting their turns."""
    binding.recovered_now()
    binding.busy = True
    queued = asyncio.Event()

    async def wait_turn(last: bool) -> None:
        if last:
            queued.set()  # turn() queues its waiter before it first waits
        await binding.turn("persist")

    second = asyncio.ensure_future(wait_turn(False))
    third = asyncio.ensure_future(wait_turn(True))
    await queued.wait()
    assert len(binding.waiting) == 2
    return second, third


def a_binding() -> Binding:
    cell: Any = SimpleNamespace(
        display_path="/a", runtime=SimpleNamespace(loop=asyncio.get_running_loop())
    )
    return Binding(Service(), cell, "a", "Ledger")  # type: ignore[arg-type]


async def test_a_turn_handed_to_a_write_cancelled_before_it_ran_refuses_the_next() -> None:
    """It writes nothing: the one called after it must not commit without it, as after a
    failed write; the instance is free for a write called after that was said."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        binding.end_write()  # the first ends: the second's turn
        second.cancel()  # before it ran
        with pytest.raises(asyncio.CancelledError):
            await second
        with pytest.raises(PersistenceError, match="called before it was cancelled; nothing"):
            await third
        assert binding.busy is False and not binding.waiting


async def test_a_turn_handed_to_a_write_of_an_instance_retired_before_it_ran_ends_it() -> None:
    """The handed turn counts as the write in flight that the next instance's recovery
    waits for: refused, it lets that recovery go on."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        binding.end_write()  # the first ends: the second's turn
        in_flight = binding.retire(replaced=True)
        assert in_flight is not None and not in_flight.done()
        for waiting in (second, third):
            with pytest.raises(ActorStopped, match="nothing was written"):
                await waiting
        await in_flight


async def test_writes_waiting_when_the_instance_is_retired_are_refused_at_once() -> None:
    """Not after the write in flight ends: the next instance's recovery waits for that one
    alone."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        in_flight = binding.retire(replaced=False)
        assert in_flight is not None
        for waiting in (second, third):
            with pytest.raises(ActorStopped, match="is stopped"):
                await waiting
        assert not in_flight.done()
        binding.end_write()  # the write in flight ends
        await in_flight


async def test_a_write_called_after_a_cancelled_one_s_refusals_has_the_next_turn() -> None:
    """The writes refused behind one cancelled while it waited leave the queue with it: one
    called afterwards, when that was said, is the next to write, not refused in turn."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        with pytest.raises(PersistenceError, match="called before it was cancelled"):
            await third
        queued = asyncio.Event()

        async def fourth_write() -> None:
            queued.set()  # turn() queues its waiter before it first waits
            await binding.turn("persist")

        fourth = asyncio.ensure_future(fourth_write())
        await queued.wait()
        assert len(binding.waiting) == 1
        binding.end_write()  # the first ends: the fourth's turn
        await fourth
        assert binding.busy is True and not binding.waiting


async def test_a_write_cancelled_as_the_turn_came_to_it_refuses_the_next_as_the_write() -> None:
    """Found cancelled by the end of the one before it, before its task ran: whether it was
    a persist or a save is its task's to know, so the refusal names it 'the write'."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        second.cancel()  # its waiter is cancelled at once, its task has not run
        binding.end_write()
        with pytest.raises(PersistenceError, match="the write of this actor called before it"):
            await third
        with pytest.raises(asyncio.CancelledError):
            await second
        assert binding.busy is False and not binding.waiting


async def test_writes_waiting_cancelled_together_each_end_cancelled() -> None:
    """The first to run refuses those after it, among them the other cancelled one, whose
    waiter is already done: it is left as it is, and each caller sees its cancellation."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        second.cancel()
        third.cancel()
        for cancelled in (second, third):
            with pytest.raises(asyncio.CancelledError):
                await cancelled
        assert not binding.waiting
        binding.end_write()
        assert binding.busy is False


async def test_a_write_cancelled_as_it_is_refused_ends_cancelled() -> None:
    """Refused behind a failed write and cancelled before its task ran: the cancellation is
    what its caller sees, not swallowed for the refusal."""
    async with asyncio.timeout(5):
        binding = a_binding()
        second, third = await writing(binding)
        binding.failed("persist", PersistenceError("the store is unreachable"))
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        with pytest.raises(PersistenceError, match="called before it failed"):
            await third
