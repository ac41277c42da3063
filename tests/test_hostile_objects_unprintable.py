"""Errors whose `__repr__` and `__str__` raise, where the runtime only meant to describe them:
the crash report is still logged, a supervisor still gives up with `SupervisorGaveUp`, the
system still fails with `SystemFailed`, a probe, a store, an `on_stop` and a failing shutdown
step still say what went wrong."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from actorkit import (
    Actor,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
    Terminated,
)
from actorkit.persistence import DurableState, MemoryStore, PersistenceError
from actorkit.testing import Probe

from .hardening_support import BOUND
from .hostile_objects_support import Fails, Unprintable


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


async def test_a_probe_names_an_unprintable_message_it_did_not_expect() -> None:
    async with ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(Unprintable())
        with pytest.raises(AssertionError, match="probe expected 'x', got <Unprintable instance>"):
            await probe.expect("x")
        probe.ref.tell(Unprintable())  # queued: expect_empty sees it there too
        with pytest.raises(AssertionError, match="next: <Unprintable instance>"):
            probe.expect_empty()


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


class UnprintableRegistry(CollectorRegistry):
    """A registry of the user's own that fails to let the system's collector go."""

    def unregister(self, collector: Any) -> None:
        super().unregister(collector)
        raise Unprintable


async def test_a_shutdown_after_an_error_failing_unprintably_is_logged_and_the_error_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The shutdown's failure is logged, as the error leaving the block goes on: formatted
    with its own `__repr__`, the record raised in logging instead of being written."""
    with pytest.raises(ValueError, match="the block's own"):
        async with asyncio.timeout(BOUND), ActorSystem("s", registry=UnprintableRegistry()):
            raise ValueError("the block's own")
    (record,) = [r for r in caplog.records if r.msg.startswith("closing %s after")]
    assert record.getMessage() == "closing s after a failure also failed: <Unprintable instance>"
    assert record.exc_info is not None and type(record.exc_info[1]) is Unprintable


class FailsToClose(MemoryStore):
    async def close(self) -> None:
        await super().close()
        raise PersistenceError("the disk went away")


async def test_a_second_shutdown_step_failing_unprintably_is_logged_and_the_first_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first failure is raised, each later one logged, and every step still runs."""
    system = ActorSystem("s", registry=UnprintableRegistry(), store=FailsToClose())
    await system.start()
    async with asyncio.timeout(BOUND):
        with pytest.raises(PersistenceError, match="the disk went away"):
            await system.shutdown()
    (record,) = [r for r in caplog.records if r.msg.startswith("a shutdown step also")]
    assert record.getMessage() == "a shutdown step also failed: <Unprintable instance>"
    assert record.exc_info is not None and type(record.exc_info[1]) is Unprintable


def test_a_shutdown_at_the_loops_end_failing_unprintably_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A system never shut down is shut down as its loop ends, its closing cut short there,
    where nobody awaits it: a step's failure is logged, never raised in logging instead."""

    async def forgets() -> None:
        await ActorSystem("s", registry=UnprintableRegistry()).start()

    asyncio.run(forgets())
    (record,) = [r for r in caplog.records if r.msg.startswith("a shutdown step failed")]
    assert record.getMessage() == "a shutdown step failed: <Unprintable instance>"
    assert record.exc_info is not None and type(record.exc_info[1]) is Unprintable
