"""User objects that misbehave where the runtime only meant to describe them, and user code
that raises what is not an `Exception`: an error whose `__repr__` raises still gets its crash
report, its supervisor's give-up and its `SystemFailed`; a pool's `hash_key` that raises a
`BaseException` under a timer costs that one tick, not the timers due with it; a
`CancelledError` raised by an actor's `__init__` reaches its spawner as the failure it is, not
as the spawner's own cancellation."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any, NoReturn

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily

import actorkit
from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    NotDelivered,
    OneForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
    Task,
    Terminated,
)
from actorkit._wire import BadPayload, Codec
from actorkit.persistence import DurableState, MemoryStore, PersistenceError
from actorkit.testing import ManualClock, Probe

from .hardening_support import BOUND


class Unprintable(Exception):
    """An error that cannot describe itself, as one holding a half-built object may."""

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of Unprintable")

    def __str__(self) -> str:
        raise RuntimeError("__str__ of Unprintable")


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, BaseException):
            raise message
        return message


async def test_the_crash_report_of_an_error_whose_repr_raises_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Fails, name="f")
        async with asyncio.timeout(BOUND):
            with pytest.raises(Unprintable):
                await ref.ask(Unprintable())
            assert await ref.ask("after") == "after"
    reports = [r for r in caplog.records if getattr(r, "actor_path", None) == "/f"]
    assert len(reports) == 1
    text = reports[0].getMessage()
    assert text.startswith("actor /f (Fails) failed handling Unprintable: <Unprintable")
    assert "supervisor decided: restart" in text


class Watcher(Actor):
    def __init__(self, watched: Any, probe: Probe) -> None:
        self.watched = watched
        self.probe = probe

    async def on_start(self) -> None:
        self.watch(self.watched)

    async def receive(self, message: Any) -> Any:
        self.probe.ref.tell(message)


async def test_a_supervisor_giving_up_on_an_error_whose_repr_raises_fails_with_gave_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        strategy = OneForOne(max_restarts=0)
        sup = await system.spawn(
            Supervisor, [ChildSpec(Fails, name="c")], strategy, name="s", restart="temporary"
        )
        await system.spawn(Watcher, sup, probe)
        child = system.lookup("/s/c")
        assert child is not None
        error = Unprintable()
        async with asyncio.timeout(BOUND):
            with pytest.raises(Unprintable):
                await child.ask(error)
            ended = await probe.receive()
        assert isinstance(ended, Terminated)
        assert isinstance(ended.reason, SupervisorGaveUp)
        assert ended.reason.__cause__ is error
        assert "/s/c failed with <Unprintable" in str(ended.reason)
    assert system.failure is None


async def test_async_with_raises_system_failed_from_a_root_failure_whose_repr_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    error = Unprintable()
    with pytest.raises(SystemFailed) as failed:
        async with ActorSystem(
            "escalating", metrics=False, supervisor=OneForOne(decider={Unprintable: "escalate"})
        ) as system:
            ref = await system.spawn(Fails)
            async with asyncio.timeout(BOUND):
                with pytest.raises(Unprintable):
                    await ref.ask(error)
    assert failed.value.__cause__ is error
    assert str(failed.value) == "actor system 'escalating' failed: <Unprintable instance>"


class Recorder(Actor):
    def __init__(self, got: list[object]) -> None:
        self.got = got

    async def receive(self, message: Any) -> Any:
        self.got.append(message)


def key_or_raise(message: object) -> object:
    if isinstance(message, BaseException):
        raise message
    return message


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


@pytest.mark.parametrize("every", [False, True], ids=["once", "every"])
@pytest.mark.parametrize("error", [asyncio.CancelledError(), GeneratorExit(), Abort()], ids=repr)
async def test_a_hash_key_raising_a_base_exception_under_a_timer_costs_only_that_tick(
    clock: ManualClock, caplog: pytest.LogCaptureFixture, error: BaseException, every: bool
) -> None:
    got: list[object] = []
    async with ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(
            Recorder, got, size=2, routing="consistent_hash", hash_key=key_or_raise
        )
        other = await system.spawn(Recorder, got)
        if every:
            ticking = system.schedule_every(1.0, pool, error)
        else:
            system.schedule_once(1.0, pool, error)
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
        if isinstance(error, asyncio.CancelledError):  # as a hash_key's under a publish
            assert isinstance(logged, RuntimeError) and logged.__cause__ is error
        else:
            assert logged is error


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


class Stops(Actor):
    def __init__(self, stopped: list[str]) -> None:
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopped.append(self.path)


class ExitsInInit(Actor):
    def __init__(self, error: BaseException) -> None:
        raise error


async def exit_in_init(error: BaseException, stopped: list[str], seen: list[object]) -> None:
    async with ActorSystem("exiting", metrics=False) as system:
        await system.spawn(Stops, stopped, name="other")
        try:
            await system.spawn(ExitsInInit, error, name="exits")
        except BaseException as refused:
            seen.append(refused)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


async def exit_in_hash_key_under_a_timer(
    error: BaseException, stopped: list[str], seen: list[object]
) -> None:
    async with ActorSystem("exiting", metrics=False) as system:
        await system.spawn(Stops, stopped, name="other")
        pool = await system.spawn_pool(
            Stops, stopped, size=1, routing="consistent_hash", hash_key=key_or_raise, name="p"
        )
        system.schedule_once(0.0, pool, error)
        seen.append(system.dead_letters)
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()


@pytest.mark.parametrize("where", [exit_in_init, exit_in_hash_key_under_a_timer])
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_from_init_or_a_timers_hash_key_reaches_the_owner_after_an_orderly_shutdown(
    where: Any, error: BaseException, uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    stopped: list[str] = []
    seen: list[Any] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(where(error, stopped, seen), uvloop=uvloop)
    assert exited.value is error
    (outcome,) = seen
    if where is exit_in_init:
        assert type(outcome) is ActorStopped and outcome.__cause__ is error
        assert stopped == ["/other"]
    else:
        assert outcome.by_reason == {"undeliverable": 1}  # the tick, kept
        assert stopped == ["/p/0", "/other"]  # drained in order, not cancelled by the loop's end


async def test_a_cancelled_error_from_hash_key_reaches_a_sender_as_the_failure_it_is() -> None:
    """Raised bare, it would read as the sender's own cancellation: a `TaskGroup` would take
    the sending task for cancelled and the error would vanish."""
    async with ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            Recorder, [], size=2, routing="consistent_hash", hash_key=key_or_raise, name="p"
        )
        error = asyncio.CancelledError()
        async with asyncio.timeout(BOUND):
            for call in (pool.tell, pool.send, pool.ask):
                with pytest.raises(RuntimeError, match="hash_key of pool /p") as failed:
                    outcome = call(error)
                    if outcome is not None:
                        await outcome
                assert failed.value.__cause__ is error
            current = asyncio.current_task()
            assert current is not None and current.cancelling() == 0
            with pytest.raises(ExceptionGroup) as grouped:
                async with asyncio.TaskGroup() as group:
                    group.create_task(pool.ask(error))
            assert grouped.value.exceptions[0].__cause__ is error


class Proxy:
    """Stands for another object, as `werkzeug.local.LocalProxy` does, whose `__class__`
    raises outside its context (`isinstance` asks for it)."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise RuntimeError("working outside of the proxy's context")


class FailsOnProxies(Actor):
    async def receive(self, message: Any) -> Any:
        if type(message) is Proxy:
            raise ValueError("cannot handle a proxy")
        return message


async def test_a_failure_handling_a_message_whose_class_attribute_raises_is_reported_as_any(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(FailsOnProxies, name="f")
        async with asyncio.timeout(BOUND):
            with pytest.raises(ValueError, match="cannot handle a proxy"):
                await ref.ask(Proxy())
            assert await ref.ask("after") == "after"
        assert system.healthy
    reports = [r.getMessage() for r in caplog.records if getattr(r, "actor_path", None) == "/f"]
    assert reports == [
        "actor /f (FailsOnProxies) failed handling Proxy: ValueError('cannot handle a proxy'); "
        "supervisor decided: restart"
    ]
    assert system.failure is None


async def test_a_probe_names_an_unprintable_message_it_did_not_expect() -> None:
    async with ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(Unprintable())
        with pytest.raises(AssertionError, match="probe expected 'x', got <Unprintable instance>"):
            await probe.expect("x")
        probe.ref.tell(Unprintable())  # queued: expect_empty sees it there too
        with pytest.raises(AssertionError, match="next: <Unprintable instance>"):
            probe.expect_empty()


class Becomes(Actor):
    """Assigns `self.receive` what the runtime cannot await (a plain function, a lambda)."""

    def __init__(self, handler: Any = None) -> None:
        if handler is not None:
            self.receive = handler  # type: ignore[method-assign]

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            self.receive = message[1]  # type: ignore[method-assign]
            return "became"
        if isinstance(message, BaseException):
            raise message
        return message


def plain(message: object) -> object:
    return message


@pytest.mark.parametrize("when", ["in __init__", "in a handler"])
async def test_a_receive_assigned_that_cannot_be_awaited_fails_saying_what_to_assign(
    caplog: pytest.LogCaptureFixture, when: str
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            if when == "in __init__":
                ref = await system.spawn(Becomes, plain)
            else:
                ref = await system.spawn(Becomes)
                assert await ref.ask(("become", plain)) == "became"
            with pytest.raises(TypeError, match=r"assign `self\.receive` an async") as failed:
                await ref.ask("x")
            assert "can't be used in 'await' expression" in str(failed.value.__cause__)
            if when == "in a handler":  # a restart goes back to the class's receive
                assert await ref.ask("after") == "after"


async def test_a_type_error_raised_inside_a_handler_reaches_its_asker_as_it_is() -> None:
    async with ActorSystem(metrics=False) as system:
        error = TypeError("the handler's own")
        async with asyncio.timeout(BOUND):
            for handler in (None, key_or_raise):  # the class's async receive, a plain function
                ref = await system.spawn(Becomes, handler)
                with pytest.raises(TypeError) as failed:
                    await ref.ask(error)
                assert failed.value is error


class Parent(Actor):
    def __init__(self, decided: object) -> None:
        self.supervisor_strategy = OneForOne(decider=lambda error: decided)  # type: ignore[arg-type, return-value]

    async def on_start(self) -> None:
        await self.spawn(Fails, name="c")

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("decided", [["restart"], Unprintable()], ids=["list", "unprintable"])
async def test_a_decider_returning_no_directive_is_refused_saying_what_it_returned(
    caplog: pytest.LogCaptureFixture, decided: object
) -> None:
    async with ActorSystem(metrics=False) as system:
        await system.spawn(Parent, decided, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        async with asyncio.timeout(BOUND):
            with pytest.raises(ValueError, match="crash"):
                await child.ask(ValueError("crash"))
            await system.lookup("/p").ask("settled")  # type: ignore[union-attr]
    (record,) = [r for r in caplog.records if r.getMessage().startswith("decider of /p failed")]
    assert record.exc_info is not None
    refused = record.exc_info[1]
    assert type(refused) is ValueError
    assert str(refused).startswith("decider returned ")
    assert "not one of ['escalate', 'restart', 'resume', 'stop']" in str(refused)


class Counts(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: Any) -> Any:
        self.count += 1
        return self.path, self.count


async def test_a_factory_returning_an_instance_another_actor_has_is_refused() -> None:
    """Taken as it was, that instance answered for both actors (its `self.path` the last
    one's) and shared its state between them: a pool's members all became its last one."""
    async with ActorSystem(metrics=False) as system:
        shared = Counts()
        async with asyncio.timeout(BOUND):
            first = await system.spawn(lambda: shared, name="first")
            assert await first.ask("x") == ("/first", 1)
            with pytest.raises(TypeError, match="return a new instance") as refused:
                await system.spawn(lambda: shared, name="second")
            assert "/first" in str(refused.value)
            assert system.lookup("/second") is None
            with pytest.raises(TypeError, match="return a new instance"):
                await system.spawn_pool(lambda: shared, size=2, name="pool")
            assert await first.ask("x") == ("/first", 2)
            assert system.actor_count == 1
            made = Counts()  # made by calling the class: no actor has it yet, so it is taken
            taken = await system.spawn(lambda: made, name="taken")
            assert await taken.ask("x") == ("/taken", 1)


def exits(error: BaseException) -> NoReturn:
    raise SystemExit(5)


async def exit_in_a_decider(stopped: list[str], seen: list[object]) -> None:
    system = ActorSystem("exiting", metrics=False, supervisor=OneForOne(decider=exits))
    seen.append(system)
    async with system:
        await system.spawn(Stops, stopped, name="other")
        ref = await system.spawn(Fails, name="fails")
        with pytest.raises(ValueError):
            await ref.ask(ValueError("decided on by a decider that exits"))
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_raised_by_a_decider_stops_the_child_and_fails_nothing(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Taken as the decider's failure, it escalated: past the root, the system failed as
    well, and the owner's `async with` raised `SystemFailed` against the exit, which asyncio
    reported as an unhandled exception."""
    stopped: list[str] = []
    seen: list[Any] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(exit_in_a_decider(stopped, seen), uvloop=uvloop)
    assert exited.value.code == 5
    (system,) = seen
    assert system.failure is None
    assert stopped == ["/other"]
    assert "unhandled exception" not in caplog.text
    assert "supervisor decided: stop (shutting down)" in caplog.text


class TakesNoMessage(Actor):
    async def receive(self) -> Any:  # type: ignore[override]
        return None


async def test_a_class_receive_taking_no_message_fails_with_pythons_own_words() -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(TakesNoMessage)
        async with asyncio.timeout(BOUND):
            with pytest.raises(TypeError, match="takes 1 positional argument but 2") as failed:
                await ref.ask("x")
            assert "self.receive" not in str(failed.value)  # no assignment to advise on


class Remembers(DurableState):
    async def receive(self, message: Any) -> Any:
        return self.state


class UnprintableStore(MemoryStore):
    """A store of the user's own whose driver fails with an error that cannot be printed."""

    async def load_state(self, persistence_id: str) -> Any:
        raise Unprintable


async def test_a_store_failing_with_an_unprintable_error_is_a_persistence_error() -> None:
    async with ActorSystem(metrics=False, store=UnprintableStore()) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(PersistenceError) as failed:
                await system.spawn(Remembers, name="r")
        assert str(failed.value).endswith("failed: <Unprintable instance>")
        assert type(failed.value.__cause__) is Unprintable


class StopsBadly(Actor):
    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        raise Unprintable


async def test_an_on_stop_failing_with_an_unprintable_error_is_logged_and_the_stop_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(StopsBadly, name="s")
        async with asyncio.timeout(BOUND):
            await ref.stop()
        assert not ref.is_alive
    (record,) = [r for r in caplog.records if r.getMessage().startswith("on_stop of /s")]
    assert record.getMessage() == "on_stop of /s (StopsBadly) failed: <Unprintable instance>"


class Forwards(Actor):
    """Handles each request, then asks `to` about it: a stopped actor by now."""

    def __init__(self, to: Any, handled: list[object]) -> None:
        self.to = to
        self.handled = handled

    async def receive(self, message: Any) -> Any:
        self.handled.append(message)
        return await self.to.ask(message)


async def test_a_not_delivered_a_handler_lets_out_of_its_own_ask_is_no_promise_to_its_asker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`NotDelivered` promises the asker that its request was not handled, so a retry cannot
    run it twice: this one was handled."""
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    handled: list[object] = []
    async with ActorSystem(metrics=False) as system:
        gone = await system.spawn(Recorder, [])
        await gone.stop()
        ref = await system.spawn(Forwards, gone, handled, capabilities=("forwarding",))
        async with asyncio.timeout(BOUND):
            with pytest.raises(ActorStopped) as failed:
                await ref.ask("pay 10")
            assert not isinstance(failed.value, NotDelivered)
            assert type(failed.value.__cause__) is NotDelivered
            assert "was handled" in str(failed.value)
            # A task fails with its agent's error as it is (tests/test_tasks_retries.py): its
            # submitter is promised nothing by a NotDelivered.
            task = await system.submit("pay 20", requires=("forwarding",))
            with pytest.raises(NotDelivered):
                await task
        assert handled == ["pay 10", Task(task.id, "pay 20", 0, None, frozenset({"forwarding"}), 1)]


def source_raising(error: BaseException) -> Any:
    def source() -> Any:
        raise error

    return source


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


async def exit_in_a_metrics_source(stopped: list[str], seen: list[object]) -> None:
    async with ActorSystem("exiting") as system:
        await system.spawn(Stops, stopped, name="other")
        system.metrics.add_source(source_raising(SystemExit(7)))
        seen.append(generate_latest(system.metrics.registry))  # the scrape is served
        async with asyncio.timeout(BOUND):
            await asyncio.Event().wait()  # only the exit ends the owner's wait


@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_raised_by_a_metrics_source_reaches_the_owner_after_an_orderly_shutdown(
    uvloop: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")
    stopped: list[str] = []
    seen: list[object] = []
    with pytest.raises(SystemExit) as exited:
        actorkit.run(exit_in_a_metrics_source(stopped, seen), uvloop=uvloop)
    assert exited.value.code == 7
    assert len(seen) == 1
    assert stopped == ["/other"]


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


@pytest.mark.parametrize(
    "error",
    [Abort(), asyncio.CancelledError(), GeneratorExit(), UnprintableError()],
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


class NamesItself(Actor):
    """Keeps its own `name`, as so many classes do: the actor's is the runtime's."""

    def __init__(self, attribute: str) -> None:
        setattr(self, attribute, "mine")

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize(
    "attribute", ["ref", "name", "path", "system", "parent", "children", "timers"]
)
async def test_setting_an_attribute_the_runtime_provides_says_what_to_do_instead(
    attribute: str,
) -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(AttributeError) as refused:
                await system.spawn(NamesItself, attribute)
        text = str(refused.value)
        assert text.startswith(f"self.{attribute} is the actor's ")
        assert "keep yours under another attribute name" in text
        assert system.actor_count == 0


class DurableNamesItself(DurableState):
    def __init__(self, attribute: str) -> None:
        setattr(self, attribute, "mine")


@pytest.mark.parametrize("attribute", ["persistence_id", "reminders"])
async def test_setting_a_durable_attribute_the_runtime_provides_says_what_to_do_instead(
    attribute: str,
) -> None:
    async with ActorSystem(metrics=False, store=MemoryStore()) as system:
        async with asyncio.timeout(BOUND):
            with pytest.raises(AttributeError) as refused:
                await system.spawn(DurableNamesItself, attribute)
        assert str(refused.value).startswith(f"self.{attribute} is the actor's ")
        assert "keep yours under another attribute name" in str(refused.value)
