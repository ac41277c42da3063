"""Ask deadlines as a unit: shared buckets, rotations; never early, at most a resolution late."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actorkit import ActorStopped, AskTimeout
from actorkit._clock import SWEEP_MIN, AskDeadlines
from actorkit._envelope import Ask, ask_envelope
from actorkit.testing import ManualClock

from .timer_queue_support import setup


def _ask(future: asyncio.Future[Any]) -> Ask:
    return ask_envelope("question", future, "/t", 1.0)


async def test_an_unanswered_ask_times_out_at_its_bucket_never_early() -> None:
    clock, *_ = setup()
    deadlines = AskDeadlines(clock)
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    deadlines.bucket_for(1.0)[_ask(future)] = None
    await clock.advance(0.999)
    assert not future.done()
    await clock.advance(0.001)
    assert isinstance(future.exception(), AskTimeout)
    assert deadlines.pending() == 0


async def test_answered_asks_give_their_empty_buckets_back_in_sweeps() -> None:
    clock, *_ = setup()
    deadlines = AskDeadlines(clock)
    loop = asyncio.get_running_loop()
    for _ in range(10 * SWEEP_MIN):
        future: asyncio.Future[Any] = loop.create_future()
        ask = _ask(future)
        bucket = deadlines.bucket_for(1e6)
        bucket[ask] = None
        bucket.pop(ask, None)  # answered at once
        await clock.advance(0.01)  # each in a bucket of its own
    assert deadlines.pending() == 0
    assert clock.pending <= 2 * SWEEP_MIN  # not one clock timer per answered ask


class CoarseClock(ManualClock):
    """A manual clock with the system clock's kind of resolution: asks share buckets."""

    resolution = 0.01


async def test_asks_share_open_buckets_and_time_out_never_early_at_most_a_resolution_late() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    loop = asyncio.get_running_loop()
    early: asyncio.Future[Any] = loop.create_future()
    deadlines.bucket_for(1.0)[_ask(early)] = None
    await clock.advance(0.004)
    late: asyncio.Future[Any] = loop.create_future()
    bucket = deadlines.bucket_for(1.0)
    bucket[_ask(late)] = None
    assert len(bucket) == 2  # one set for both: no clock read, no timer per ask
    await clock.advance(0.996)  # t = 1.0: the later ask's deadline (1.004) has not come
    assert not late.done()
    assert not early.done()
    await clock.advance(0.01)  # t = 1.01: at most one resolution after the first deadline
    assert isinstance(early.exception(), AskTimeout)
    assert isinstance(late.exception(), AskTimeout)
    assert deadlines.pending() == 0


async def test_the_worst_placed_ask_times_out_within_one_resolution() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    # Made right after its bucket opened: filed half a resolution later, at 0.005 + 0.996,
    # a deadline that rounds up a long way were it rounded to a whole resolution.
    deadlines.bucket_for(0.996)[_ask(future)] = None
    await clock.advance(0.995)
    assert not future.done()
    await clock.advance(0.011)  # t = 1.006: one resolution after its deadline of 0.996
    assert isinstance(future.exception(), AskTimeout)


async def test_a_rotation_files_only_buckets_with_asks_left_and_opens_new_ones() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    answered = _ask(future)
    first = deadlines.bucket_for(2.0)
    first[answered] = None
    first.pop(answered, None)
    await clock.advance(0.005)  # the rotation: nothing left to file, no deadline timer
    assert clock.pending == 0  # and no next rotation until the next ask
    assert deadlines.bucket_for(2.0) is not first


async def test_a_rotation_that_files_an_ask_opens_the_next_bucket_and_rotation() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    pending = _ask(asyncio.get_running_loop().create_future())
    first = deadlines.bucket_for(2.0)
    first[pending] = None
    await clock.advance(0.005)  # files `first`, opens a new bucket for 2.0 in its place
    assert deadlines.open[2.0] is not first and not deadlines.open[2.0]
    assert clock.pending == 2  # the deadline and the next rotation, both set by the rotation


async def test_rotations_stop_after_a_quiet_half_resolution_and_restart_with_an_ask() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    loop = asyncio.get_running_loop()
    first = loop.create_future()
    deadlines.bucket_for(2.0)[_ask(first)] = None
    await clock.advance(0.005)  # rotation 1 files the ask and sets rotation 2
    await clock.advance(0.005)  # rotation 2: no ask since rotation 1, so no rotation 3
    assert clock.pending == 1  # the deadline of the unanswered ask, nothing else
    late = loop.create_future()
    deadlines.bucket_for(2.0)[_ask(late)] = None
    assert clock.pending == 2  # an ask sets the rotation again
    await clock.advance(2.02)  # its deadline 2.01 plus one resolution, and a little more
    assert isinstance(first.exception(), AskTimeout)
    assert isinstance(late.exception(), AskTimeout)
    assert deadlines.pending() == 0


async def test_one_timer_serves_every_deadline_and_answered_asks_leave_none() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    loop = asyncio.get_running_loop()
    for _ in range(50):  # asks filed in a group each, answered after their rotation
        ask = _ask(loop.create_future())
        bucket = deadlines.bucket_for(1.0)
        bucket[ask] = None
        await clock.advance(0.005)
        bucket.pop(ask, None)  # the bucket is the set its group holds
    assert clock.pending <= 2  # the rotation and one deadline timer, not one per group
    await clock.advance(1.01)  # the earliest deadline: every group is empty, all dropped
    await clock.advance(0.005)  # and the rotation, with no ask since, stops
    assert clock.pending == 0
    assert deadlines.pending() == 0


async def test_an_earlier_deadline_filed_after_later_ones_fires_on_time() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    loop = asyncio.get_running_loop()
    slow, quick = loop.create_future(), loop.create_future()
    deadlines.bucket_for(5.0)[_ask(slow)] = None
    await clock.advance(0.005)  # filed for about 5.005
    deadlines.bucket_for(1.0)[_ask(quick)] = None
    await clock.advance(1.01)  # 1.015: the short ask's deadline (about 1.01) has passed
    assert isinstance(quick.exception(), AskTimeout)
    assert not slow.done()
    await clock.advance(4.0)
    assert isinstance(slow.exception(), AskTimeout)
    assert deadlines.pending() == 0


async def test_closing_fails_waiting_asks_as_stopped_not_timed_out_and_leaves_no_timer() -> None:
    clock = CoarseClock()
    deadlines = AskDeadlines(clock)
    loop = asyncio.get_running_loop()
    filed, still_open = loop.create_future(), loop.create_future()
    deadlines.bucket_for(5.0)[_ask(filed)] = None
    await clock.advance(0.005)  # the rotation files it in a group with its deadline
    deadlines.bucket_for(5.0)[_ask(still_open)] = None
    deadlines.close("the transport stopped")
    for future in (filed, still_open):
        error = future.exception()
        assert isinstance(error, ActorStopped) and not isinstance(error, AskTimeout)
        assert "the transport stopped" in str(error)
    assert clock.pending == 0 and deadlines.pending() == 0


TIMEOUTS = (0.05, 0.2, 1.0)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("ask"), st.sampled_from(TIMEOUTS)),
        st.tuples(st.just("answer"), st.integers(0, 40)),
        st.tuples(st.just("advance"), st.integers(1, 40).map(lambda ms: ms / 1000)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_asks_time_out_never_early_and_at_most_a_resolution_late(ops: list[Any]) -> None:
    """Against a model of each ask's deadline, under any mix of asks, answers and time: an
    unanswered ask times out no earlier than its deadline and no later than one resolution
    after it; an answered one never does; at the end nothing is pending and no timer is left."""

    async def run() -> None:
        clock = CoarseClock()
        deadlines = AskDeadlines(clock)
        loop = asyncio.get_running_loop()
        asks: list[tuple[float, Ask, dict[Ask, None]]] = []  # (deadline, envelope, its bucket)
        ended: dict[int, float] = {}
        for op, value in ops:
            if op == "ask":
                future: asyncio.Future[Any] = loop.create_future()
                ask = ask_envelope("question", future, "/t", value)
                bucket = deadlines.bucket_for(value)
                bucket[ask] = None

                def ended_at(_: asyncio.Future[Any], i: int = len(asks)) -> None:
                    ended.setdefault(i, clock.now())

                future.add_done_callback(ended_at)
                asks.append((clock.now() + value, ask, bucket))
            elif op == "answer" and asks:
                _, ask, bucket = asks[value % len(asks)]
                if not ask.future.done():
                    ask.future.set_result("answer")
                bucket.pop(ask, None)  # as `ActorRef.ask` does once it has the reply
            elif op == "advance":
                await clock.advance(value)
            for i, (deadline, ask, _) in enumerate(asks):
                timed_out = ask.future.done() and ask.future.exception() is not None
                if timed_out:
                    assert ended[i] >= deadline - 1e-9, (i, ended[i], deadline)
                elif not ask.future.done():
                    assert clock.now() < deadline + clock.resolution + 1e-9, (i, deadline)
        for _, ask, bucket in asks:
            if not ask.future.done():
                ask.future.set_result("answer")
            bucket.pop(ask, None)
        await clock.advance(2 * max(TIMEOUTS))
        assert deadlines.pending() == 0
        assert clock.pending == 0

    asyncio.run(run())
