"""Threads get the GIL from a busy loop: `actorkit.to_thread` and `actorkit.thread_turns()`.

A loop busy with short yields lets go of the GIL for microseconds at a time, and CPython then
never asks it to hand the GIL over to a waiting thread (its convoy effect): an
`asyncio.to_thread` round trip took 40 to 200 ms beside one busy sender, against 0.04 ms on an
idle loop. While a thread's call is out (or inside `thread_turns()`), the loop lets go of the
GIL for `SLICE` every `PERIOD`."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import gc
import threading
import time
from collections.abc import Generator
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, _thread_turns

from .busy_loop_support import SENDS_BOUND, busy

ROUND_TRIPS = 20
request = contextvars.ContextVar("request", default="none")


def echo(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
    return (*args, kwargs, request.get())


async def test_to_thread_runs_the_call_in_a_thread_with_the_caller_s_context() -> None:
    request.set("r-1")
    async with asyncio.timeout(10):
        assert await actorkit.to_thread(echo, 1, 2, key="k") == (1, 2, {"key": "k"}, "r-1")
        assert await actorkit.to_thread(threading.get_ident) != threading.get_ident()
        with pytest.raises(ValueError, match="from the thread"):
            await actorkit.to_thread(int, "from the thread")
    assert asyncio.get_running_loop() not in _thread_turns.LOOPS


async def test_to_thread_round_trips_come_back_while_the_loop_is_busy() -> None:
    async with asyncio.timeout(60), ActorSystem(metrics=False) as system, busy(system) as sends:
        for n in range(ROUND_TRIPS):
            assert await actorkit.to_thread(abs, -n) == n
    assert sends[0] < SENDS_BOUND, "the round trips waited for the GIL while the loop was busy"


class Acknowledger(Actor):
    """Sets `acked` for the thread at each message; resolves `done` at the `count`th."""

    def __init__(self, acked: threading.Event, done: asyncio.Future[None], count: int) -> None:
        self.acked, self.done, self.left = acked, done, count

    async def receive(self, message: int) -> None:
        self.acked.set()
        self.left -= 1
        if not self.left:
            self.done.set_result(None)


async def test_a_thread_feeding_a_busy_system_gets_turns_inside_thread_turns() -> None:
    """A thread that tells an actor through `call_soon_threadsafe` and waits for each to be
    handled: without turns, 20 such tells a second got through beside a busy sender."""
    loop = asyncio.get_running_loop()
    acked = threading.Event()
    done: asyncio.Future[None] = loop.create_future()
    async with asyncio.timeout(60), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Acknowledger, acked, done, ROUND_TRIPS)

        def feed() -> None:
            for n in range(ROUND_TRIPS):
                loop.call_soon_threadsafe(ref.tell, n)
                if not acked.wait(30):
                    return
                acked.clear()

        async with busy(system) as sends:
            with actorkit.thread_turns():
                feeder = threading.Thread(target=feed)
                feeder.start()
                try:
                    await done
                finally:
                    acked.set()
                    feeder.join(30)
    assert sends[0] < SENDS_BOUND, "the thread waited for the GIL while the loop was busy"


async def test_a_cancelled_to_thread_keeps_its_turns_until_the_thread_s_call_returns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller is answered at once, as by `asyncio.to_thread`; the thread, which runs on,
    keeps the turns it needs until its call returns, and its failure is nobody's."""
    loop = asyncio.get_running_loop()
    entered: asyncio.Future[None] = loop.create_future()
    released: asyncio.Future[None] = loop.create_future()
    gate = threading.Event()
    let_go = _thread_turns.let_go

    def watched(on: asyncio.AbstractEventLoop) -> None:
        let_go(on)
        released.set_result(None)

    monkeypatch.setattr(_thread_turns, "let_go", watched)

    def call() -> None:
        loop.call_soon_threadsafe(entered.set_result, None)
        gate.wait(30)
        raise ValueError("after its caller left")

    async with asyncio.timeout(30):
        caller = asyncio.ensure_future(actorkit.to_thread(call))
        try:
            await entered
            caller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await caller
            assert loop in _thread_turns.LOOPS
        finally:
            gate.set()
        await released
    assert loop not in _thread_turns.LOOPS
    gc.collect()
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_thread_turns_outside_a_running_loop_says_where_to_enter_it() -> None:
    with (
        pytest.raises(RuntimeError, match="call it in a coroutine running on that loop"),
        actorkit.thread_turns(),
    ):
        pass


async def test_turns_are_taken_while_a_call_is_out_and_stop_when_it_is_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loop lets go of the GIL every `PERIOD` while a call is outstanding, and not once
    after: an idle system does not wake for turns nobody needs."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # the turn's own call
    loop = asyncio.get_running_loop()

    async def periods(count: int) -> None:
        later = loop.create_future()
        loop.call_later(count * _thread_turns.PERIOD, later.set_result, None)
        await later

    async with asyncio.timeout(10):
        with actorkit.thread_turns(), actorkit.thread_turns():
            await periods(5)
        assert slept and set(slept) == {_thread_turns.SLICE}
        taken = len(slept)
        await periods(5)
    assert len(slept) == taken


@pytest.mark.parametrize(("held", "next_in"), [(0.000125, _thread_turns.PERIOD), (0.005, 0.005)])
async def test_after_a_turn_a_thread_held_the_loop_keeps_the_gil_as_long(
    monkeypatch: pytest.MonkeyPatch, held: float, next_in: float
) -> None:
    """A thread that runs Python keeps the GIL it is given until CPython's switch interval:
    the loop then keeps it as long before the next turn, so the two share it half and half."""
    loop = asyncio.get_running_loop()
    clock = [100.0]

    def thread_holds(seconds: float) -> None:
        clock[0] += held

    turns = _thread_turns.LoopTurns(loop)
    try:
        before = loop.time()
        with monkeypatch.context() as patched:
            patched.setattr(time, "perf_counter", lambda: clock[0])
            patched.setattr(time, "sleep", thread_holds)
            turns.turn()
        after = loop.time()
        # uvloop keeps its time, and rounds a delay, in whole milliseconds: the next turn is
        # due `next_in` after the loop's time at the turn, give or take one of them.
        assert before + next_in - 0.001 <= turns.handle.when() <= after + next_in + 0.001
    finally:
        turns.cancel()


async def test_a_call_cancelled_before_its_thread_began_it_lets_go_of_the_turns() -> None:
    """A call queued behind another in the executor, cancelled there, is never run (as by
    `asyncio.to_thread`), so no thread will ever hand its turns back: its caller does, or
    the loop would let go of the GIL every `PERIOD` for as long as it runs."""
    loop = asyncio.get_running_loop()
    gate = threading.Event()
    ran: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        loop.set_default_executor(executor)
        async with asyncio.timeout(30):
            front = asyncio.ensure_future(actorkit.to_thread(gate.wait, 30))
            queued = asyncio.ensure_future(actorkit.to_thread(ran.append, "queued"))
            await asyncio.sleep(0)
            queued.cancel()
            with pytest.raises(asyncio.CancelledError):
                await queued
            gate.set()
            assert await front
            await actorkit.to_thread(ran.append, "after")
    assert ran == ["after"]
    assert loop not in _thread_turns.LOOPS


def test_a_loop_closed_while_a_cancelled_caller_s_call_runs_is_not_kept() -> None:
    """The thread's call returns after its loop closed: nothing will take turns there again,
    and the closed loop is not kept for them, nor asked for them by who else held them."""
    loop = asyncio.new_event_loop()
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(executor)
    gate = threading.Event()

    async def leave_the_call() -> None:
        entered = loop.create_future()

        def call() -> None:
            loop.call_soon_threadsafe(entered.set_result, None)
            gate.wait(30)

        caller = asyncio.ensure_future(actorkit.to_thread(call))
        async with asyncio.timeout(30):
            await entered
            caller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await caller

    def turns_held() -> Generator[None, None, None]:
        with actorkit.thread_turns():
            yield

    held = turns_held()
    try:
        loop.call_soon(next, held)  # enters thread_turns() on the running loop
        loop.run_until_complete(leave_the_call())
        assert loop in _thread_turns.LOOPS
    finally:
        loop.close()  # shuts the executor down without waiting for the call
        gate.set()
        executor.shutdown(wait=True)
    assert loop not in _thread_turns.LOOPS
    held.close()  # its holder lets go after the turns went with the loop


class Unstoppable(concurrent.futures.ThreadPoolExecutor):
    """Marks each call taken as it is submitted, so that no cancel stops it, and begins it
    once `release` is set: the moment between a worker taking a call and beginning it, when
    its caller may have left, held open."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.release = threading.Event()
        self.workers: list[threading.Thread] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()

        def work() -> None:
            self.release.wait(30)
            future.set_result(fn(*args, **kwargs))

        self.workers.append(threading.Thread(target=work))
        self.workers[-1].start()
        return future


async def test_a_call_its_caller_left_before_a_thread_began_it_never_runs() -> None:
    loop = asyncio.get_running_loop()
    executor = Unstoppable()
    loop.set_default_executor(executor)
    ran: list[str] = []
    async with asyncio.timeout(10):
        caller = asyncio.ensure_future(actorkit.to_thread(ran.append, "late"))
        await asyncio.sleep(0)  # submitted, taken
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert loop not in _thread_turns.LOOPS  # its caller let go of the turns
        executor.release.set()
        for worker in executor.workers:
            worker.join(10)
    assert ran == []
    assert loop not in _thread_turns.LOOPS
