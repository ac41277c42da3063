"""The per-message histogram updates land each duration in the bucket Prometheus means by `le`.

The hot paths append durations and fold them into the buckets `FOLD_AT` at a time; these tests
pin that to `bisect_left`'s answer on and around every bound (through the runtime, with a clock
whose reading the handler sets, and against `observe` directly), and check that a read counts
the samples not yet folded without changing the histogram.
"""

from __future__ import annotations

import asyncio
import math
from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne
from actorkit._stats import DURATION_BUCKETS, FOLD_AT, ClassStats, Histogram


class Clock:
    """Stands in for `perf_counter`: reads 0.0 until a handler moves it to its duration."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Timed(Actor):
    """Takes exactly the duration it is asked with, as far as the runtime's clock can tell."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def receive(self, message: float) -> float:
        self.clock.now = message
        return message


def around_every_bound() -> list[float]:
    values = [0.0, 1e-9, 1e3, math.inf]
    for bound in DURATION_BUCKETS:
        values += [math.nextafter(bound, 0.0), bound, math.nextafter(bound, math.inf)]
    return values


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("actorkit._receive.perf_counter", fake)
    monkeypatch.setattr("actorkit._ref.perf_counter", fake)
    return fake


async def test_each_duration_lands_in_the_bucket_bisect_gives(clock: Clock) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Timed, clock)
        stats = system.metrics.stats_for(Timed)
        assert isinstance(stats, ClassStats)
        for seconds in around_every_bound():
            clock.now = 0.0
            before_processing = list(stats.processing.counts)
            before_asks = list(stats.ask_seconds.counts)
            assert await ref.ask(seconds) == seconds
            expected = bisect_left(DURATION_BUCKETS, seconds)
            for name, before, after in (
                ("processing", before_processing, stats.processing.counts),
                ("ask", before_asks, stats.ask_seconds.counts),
            ):
                moved = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
                assert moved == [expected], (name, seconds)
                assert after[expected] == before[expected] + 1


async def test_a_batch_is_observed_at_its_mean_in_le_buckets(clock: Clock) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Timed, clock)
        # Four messages queued behind each other make one batch; the last leaves the clock at
        # 4 * bound, so each is observed at exactly `bound` (`le` is inclusive).
        bound = DURATION_BUCKETS[3]
        clock.now = 0.0
        for _ in range(3):
            ref.tell(0.0)
        assert await ref.ask(4 * bound) == 4 * bound
        text = generate_latest(system.metrics.registry).decode()
    buckets = {
        sample.labels["le"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "actorkit_message_processing_seconds_bucket"
        and sample.labels.get("actor_type") == "Timed"
    }
    assert buckets[repr(DURATION_BUCKETS[2])] == 0
    assert buckets[repr(bound)] == 4
    assert buckets["+Inf"] == 4


async def test_an_ask_with_messages_behind_it_is_timed_at_its_own_reply(clock: Clock) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Timed, clock)
        stats = system.metrics.stats_for(Timed)
        assert isinstance(stats, ClassStats)
        first, last = DURATION_BUCKETS[2], DURATION_BUCKETS[9]
        clock.now = 0.0
        # Both queued before the actor runs: one batch, the first ask answered mid-batch.
        asks = [asyncio.ensure_future(ref.ask(value)) for value in (first, last)]
        await asyncio.sleep(0)
        assert await asyncio.gather(*asks) == [first, last]
        counts = stats.ask_seconds.counts
        assert counts[bisect_left(DURATION_BUCKETS, first)] == 1
        assert counts[bisect_left(DURATION_BUCKETS, last)] == 1


class FailsTimed(Timed):
    """`Timed`, but a `("fail", seconds)` message takes its seconds and then raises."""

    async def receive(self, message: float | tuple[str, float]) -> float:
        if isinstance(message, tuple):
            self.clock.now = message[1]
            raise ValueError("failed on purpose")
        return await super().receive(message)


async def test_a_failed_handlers_time_is_folded_into_its_batchs_mean(clock: Clock) -> None:
    """A failed message is no sample, but the batch it ends is timed whole: its time is shared
    among the messages handled before it in that batch, and lost when it was the first
    (observability.md, "Handling time is measured per drained batch")."""
    resume = OneForOne(decider={ValueError: "resume"})
    async with ActorSystem(supervisor=resume) as system:
        ref = await system.spawn(FailsTimed, clock)
        stats = system.metrics.stats_for(FailsTimed)
        assert isinstance(stats, ClassStats)
        bound = DURATION_BUCKETS[3]
        clock.now = 0.0
        ref.tell(0.0)  # one batch: this one, then the failure, which ends it at `2 * bound`
        ref.tell(("fail", 2 * bound))
        assert await ref.ask(2 * bound) == 2 * bound  # the next batch, at 0 seconds
        assert (stats.processing.count, stats.processing.sum) == (2, 2 * bound)
        ref.tell(("fail", 5 * bound))  # first of its batch: its time is in no sample
        assert await ref.ask(5 * bound) == 5 * bound
        assert (stats.processing.count, stats.processing.sum) == (3, 2 * bound)


class Canceller(Actor):
    """Cancels a task when told to, from inside a batch, after earlier replies were set."""

    async def receive(self, message: object) -> object:
        if isinstance(message, asyncio.Task):
            message.cancel()
        return message


async def test_an_answered_ask_whose_asker_is_cancelled_counts_once_as_ok() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Canceller)
        asker = asyncio.ensure_future(ref.ask("hello"))
        await asyncio.sleep(0)  # the ask is queued; the actor has not run yet
        ref.tell(asker)  # same batch, after the reply: the asker is cancelled before it resumes
        with pytest.raises(asyncio.CancelledError):
            await asker
        stats = system.metrics.stats_for(Canceller)
        assert isinstance(stats, ClassStats)
        outcomes = stats.asks_by_outcome()
        assert (outcomes["ok"], outcomes["cancelled"]) == (1, 0)
        assert stats.ask_seconds.count == 1


async def test_an_ask_to_a_stopped_actor_counts_as_stopped() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Canceller)
        await ref.stop()
        with pytest.raises(ActorStopped):
            await ref.ask("hello")
        stats = system.metrics.stats_for(Canceller)
        assert isinstance(stats, ClassStats)
        assert stats.asks_by_outcome()["stopped"] == 1


durations = st.one_of(
    st.sampled_from(around_every_bound()),
    st.floats(min_value=0.0, max_value=20.0, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(durations, max_size=3 * FOLD_AT + 7))
def test_folded_samples_land_where_observe_puts_them(values: list[float]) -> None:
    recorded, observed = Histogram(), Histogram()
    for value in values:
        recorded.record(value)
        observed.observe(value)
    assert len(recorded.pending) == len(values) % FOLD_AT  # the rest were folded
    assert recorded.counts == observed.counts
    assert recorded.count == observed.count == len(values)
    assert recorded.sum == pytest.approx(observed.sum)
    assert recorded.cumulative() == observed.cumulative()


paired_durations = st.one_of(
    durations,
    st.floats(min_value=-1e-9, max_value=0.0),  # a clock stepping back by a hair
    st.just(math.inf),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(paired_durations, paired_durations), max_size=2 * FOLD_AT + 7))
def test_paired_samples_land_where_observe_puts_them(pairs: list[tuple[float, float]]) -> None:
    """A lone ask's two samples, kept together in `ClassStats.pairs` and folded by
    `fold_pairs` every `FOLD_AT` of them (as `_receive.run` does), count as `observe`
    counts each in its own histogram, before the fold (the reads) and after it."""
    stats, processing, asked = ClassStats("Paired"), Histogram(), Histogram()
    for handling, ask in pairs:
        stats.pairs += (handling, ask)
        if len(stats.pairs) >= 2 * FOLD_AT:
            stats.fold_pairs()
        processing.observe(handling)
        asked.observe(ask)
    assert len(stats.pairs) == 2 * (len(pairs) % FOLD_AT)
    for kept, observed in ((stats.processing, processing), (stats.ask_seconds, asked)):
        assert kept.pending == []
        assert kept.counts == observed.counts
        assert kept.count == observed.count == len(pairs)
        assert kept.sum == pytest.approx(observed.sum)
        assert kept.cumulative() == observed.cumulative()
    stats.fold_pairs()
    assert stats.pairs == []
    assert stats.processing.counts == processing.counts
    assert stats.ask_seconds.counts == asked.counts


def test_a_read_counts_pending_samples_without_folding_them() -> None:
    histogram = Histogram()
    for _ in range(FOLD_AT - 1):
        histogram.record(DURATION_BUCKETS[1])
    histogram.record(math.inf)
    assert histogram.pending == []  # the FOLD_AT-th sample folded them all
    histogram.record(DURATION_BUCKETS[0])
    assert histogram.counts[0] == 1 and histogram.counts[1] == FOLD_AT - 1
    assert histogram.counts[-1] == 1
    assert histogram.pending == [DURATION_BUCKETS[0]]  # still pending after the reads
