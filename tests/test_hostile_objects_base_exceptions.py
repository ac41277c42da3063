"""User code that raises a `BaseException` that is not an exit: a pool's `hash_key`, or the tell
of a `Ref` of the user's own, raising one under a timer costs that one tick, not the timers due
with it; a `CancelledError` raised by an
actor's factory or a `hash_key` reaches its spawner or sender as the failure it is, not as its
own cancellation; a metrics source's is logged and the scrape served; a message's
`__post_init__` raising anything while decoding is a `BadPayload`."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily

import actorkit
from actorkit import Actor, ActorSystem
from actorkit._wire import BadPayload, Codec
from actorkit.testing import ManualClock

from .hardening_support import BOUND
from .hostile_objects_support import Recorder, key_or_raise, source_raising


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


class Raises:
    """A `Ref` of the user's own (an adapter, a fake), whose tell raises what it is given."""

    name = "elsewhere"
    path = "/elsewhere"
    is_alive = True

    def tell(self, message: Any) -> None:
        raise message

    async def send(self, message: Any) -> None:
        raise message

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        raise message


@pytest.mark.parametrize("own_ref", [False, True], ids=["hash_key", "own_ref"])
@pytest.mark.parametrize("every", [False, True], ids=["once", "every"])
@pytest.mark.parametrize("error", [asyncio.CancelledError(), GeneratorExit(), Abort()], ids=repr)
async def test_a_base_exception_raised_delivering_a_timer_s_tick_costs_only_that_tick(
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    error: BaseException,
    every: bool,
    own_ref: bool,
) -> None:
    got: list[object] = []
    async with ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(
            Recorder, got, size=2, routing="consistent_hash", hash_key=key_or_raise
        )
        other = await system.spawn(Recorder, got)
        target = Raises() if own_ref else pool
        if every:
            ticking = system.schedule_every(1.0, target, error)
        else:
            system.schedule_once(1.0, target, error)
        system.schedule_once(1.0, other, "due with it")
        system.schedule_once(2.0, other, "due after it")
        await clock.advance(2.0)
        assert got == ["due with it", "due after it"]
        ticks = 2 if every else 1
        assert system.dead_letters.by_reason == {"undeliverable": ticks}
        assert all(dead.message is error for dead in system.dead_letters.recent)
        if every:
            assert ticking.active  # its schedule goes on, as for an `Exception`
            ticking.cancel()
    records = [r for r in caplog.records if "timer could not deliver" in r.getMessage()]
    assert len(records) == ticks
    for record in records:
        assert record.exc_info is not None
        logged = record.exc_info[1]
        if isinstance(error, asyncio.CancelledError) and not own_ref:  # as under a publish
            assert isinstance(logged, RuntimeError) and logged.__cause__ is error
        else:
            assert logged is error


async def test_an_exit_from_the_tell_of_a_ref_of_the_user_s_own_under_a_timer_goes_on(
    clock: ManualClock,
) -> None:
    """Contained, it would never reach the program's owner: it comes out of the firing (of
    the `advance` here, of the event loop's run otherwise)."""
    async with ActorSystem(metrics=False, clock=clock) as system:
        system.schedule_once(1.0, Raises(), SystemExit(3))
        with pytest.raises(SystemExit):
            await clock.advance(1.0)
        assert system.dead_letters.count == 0


async def test_a_stop_iteration_from_a_pool_s_hash_key_under_a_timer_is_its_failure(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Taken as from a publish to the pool (`key_failure`): a `StopIteration` out of a plain
    call is logged as the `RuntimeError` it is, caused by it, as a sender would get it."""
    error = StopIteration("no key")
    async with ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(
            Recorder, [], size=2, routing="consistent_hash", hash_key=key_or_raise
        )
        system.schedule_once(1.0, pool, error)
        await clock.advance(1.0)
        assert system.dead_letters.by_reason == {"undeliverable": 1}
    records = [r for r in caplog.records if "timer could not deliver" in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is not None
    logged = records[0].exc_info[1]
    assert isinstance(logged, RuntimeError) and logged.__cause__ is error
    assert "hash_key of pool" in str(logged)


class CancelsInInit(Actor):
    def __init__(self) -> None:
        raise asyncio.CancelledError  # something it awaited elsewhere was cancelled, say

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_cancelled_error_raised_by_init_is_a_failure_of_the_spawn_not_a_cancellation() -> (
    None
):
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(RuntimeError, match="CancelledError escape") as failed:
                await system.spawn(CancelsInInit, name="c")
        assert type(failed.value.__cause__) is asyncio.CancelledError
        current = asyncio.current_task()
        assert current is not None and current.cancelling() == 0
        assert system.lookup("/c") is None
        assert system.actor_count == 0


async def test_a_cancelled_error_from_hash_key_reaches_a_sender_as_the_failure_it_is() -> None:
    """Raised bare, it would read as the sender's own cancellation: a `TaskGroup` would take
    the sending task for cancelled and the error would vanish."""
    async with ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            Recorder, [], size=2, routing="consistent_hash", hash_key=key_or_raise, name="p"
        )
        error = asyncio.CancelledError()

        async def fails_with_it(call: Any) -> None:
            with pytest.raises(RuntimeError, match="hash_key of pool /p") as failed:
                outcome = call(error)
                if outcome is not None:
                    await outcome
            assert failed.value.__cause__ is error

        async with asyncio.timeout(BOUND):
            for call in (pool.tell, pool.send, pool.ask):
                await fails_with_it(call)
            pool.tell("warm")  # builds the hash ring: a tell takes its fast path from now on
            await fails_with_it(pool.tell)
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
            with pytest.raises(ExceptionGroup) as grouped:
                async with asyncio.TaskGroup() as group:
                    group.create_task(pool.ask(error))
            assert grouped.value.exceptions[0].__cause__ is error


def good_source() -> Any:
    return [GaugeMetricFamily("user_family", "a source after the broken one", value=1)]


@pytest.mark.parametrize("error", [Abort(), asyncio.CancelledError()], ids=repr)
async def test_a_metrics_source_raising_a_base_exception_is_logged_and_the_scrape_served(
    caplog: pytest.LogCaptureFixture, error: BaseException
) -> None:
    """Let out, it ended the scrape's connection (the client saw "Server disconnected") and
    asyncio reported its task's exception as never retrieved."""
    async with ActorSystem() as system:
        system.metrics.add_source(source_raising(error))
        system.metrics.add_source(good_source)
        text = generate_latest(system.metrics.registry).decode()
        assert "user_family 1.0" in text
        assert "actorkit_actors" in text
    (record,) = [r for r in caplog.records if "metrics source" in r.getMessage()]
    assert record.exc_info is not None
    logged = record.exc_info[1]
    if isinstance(error, asyncio.CancelledError):
        assert isinstance(logged, RuntimeError) and logged.__cause__ is error
    else:
        assert logged is error


REBUILDING: dict[str, BaseException | None] = {"error": None}


@actorkit.message("tests.hostile.Checked")
@dataclasses.dataclass
class Checked:
    """A message class whose `__post_init__` (run as a receiver rebuilds it) raises."""

    amount: int

    def __post_init__(self) -> None:
        error = REBUILDING["error"]
        if error is not None:
            raise error


class UnprintableError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ of UnprintableError")


class AbortingStrError(Exception):
    """An error whose `__str__` raises a `BaseException` that is no exit (`_shown.said`
    decides as `_shown.shown` does)."""

    def __str__(self) -> str:
        raise Abort


@pytest.mark.parametrize(
    "error",
    [Abort(), asyncio.CancelledError(), GeneratorExit(), UnprintableError(), AbortingStrError()],
    ids=repr,
)
def test_a_post_init_raising_anything_while_decoding_is_a_bad_payload(error: BaseException) -> None:
    """The decoder runs in nats-py's read loop: what it lets out ends that loop, and the
    system then answers no request."""
    codec = Codec()
    payload = codec.encode([codec.wire(Checked(5))])
    REBUILDING["error"] = error
    try:
        with pytest.raises(BadPayload, match=type(error).__name__):
            codec.decode(payload)
    finally:
        REBUILDING["error"] = None


class CancelsInItsSecondInit(Actor):
    made = 0

    def __init__(self) -> None:
        type(self).made += 1
        if type(self).made == 2:
            raise asyncio.CancelledError  # from something cancelled elsewhere, say

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("fails")
        return message


async def test_a_factory_failing_in_a_restart_is_reported_as_the_factorys_not_on_starts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    CancelsInItsSecondInit.made = 0
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(CancelsInItsSecondInit, name="c")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ValueError):
                await ref.ask("fail")  # restarted: its second __init__ raises, its third runs
            assert await ref.ask("after") == "after"
    reports = [r for r in caplog.records if getattr(r, "actor_path", None) == "/c"]
    errors = [r.exc_info[1] for r in reports if r.exc_info is not None]
    assert [type(error) for error in errors] == [ValueError, RuntimeError]
    assert str(errors[1]).startswith("the factory of /c let a CancelledError escape")
