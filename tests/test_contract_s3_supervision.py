"""API.md sections 3 and 9 (supervision): the strategies' and specs' parameters, the reason a
watcher of a child hears when its supervisor gives up, and the failure `async with` raises
after a body that finished normally."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
    Terminated,
)
from actorkit.testing import ManualClock, Probe

from .contract_support import assert_signature


@pytest.mark.parametrize("strategy", [OneForOne, OneForAll, RestForOne])
def test_each_strategy_takes_the_contract_s_parameters(strategy: type) -> None:
    assert_signature(strategy, "max_restarts=3, within=5.0, backoff=None, *, decider=None")


def test_backoff_supervisor_spec_and_terminated_take_the_contract_s_parameters() -> None:
    assert_signature(Backoff, "min=0.1, max=10.0, jitter=0.2")
    assert_signature(ChildSpec, "factory, *args, name=None, restart='permanent', **kwargs")
    assert_signature(Supervisor, "children=(), strategy=None")
    assert_signature(Terminated, "ref, reason=None")


class Doomed(Actor):
    async def receive(self, message: Any) -> None:
        raise FAILURE


FAILURE = RuntimeError("fails at every message")


class Watcher(Actor):
    def __init__(self, probe: ActorRef) -> None:
        self.probe = probe

    async def receive(self, message: Any) -> None:
        if isinstance(message, ActorRef):
            self.watch(message)
        else:
            self.probe.tell(message)


async def test_a_watcher_of_the_child_a_supervisor_gave_up_on_hears_the_child_s_exception(
    clock: ManualClock,
) -> None:
    """API 9: the supervisor "stops its children ... and fails with `SupervisorGaveUp`, whose
    `__cause__` is the child's exception. `Terminated.reason` for the child is its
    exception"."""
    root = OneForOne(decider={SupervisorGaveUp: "stop"})
    async with ActorSystem(clock=clock, supervisor=root) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        supervisor = await system.spawn(
            Supervisor, [ChildSpec(Doomed, name="d")], OneForOne(max_restarts=1), name="sup"
        )
        child = system.lookup("/sup/d")
        assert child is not None
        watcher.tell(child)
        watcher.tell(supervisor)
        for _ in range(2):  # the second failure is one past max_restarts=1
            child.tell("go")
            await clock.advance(0)
        of_child = await probe.expect(Terminated)
        of_supervisor = await probe.expect(Terminated)
        assert (of_child.ref, of_child.reason) == (child, FAILURE)
        assert of_supervisor.ref == supervisor
        assert isinstance(of_supervisor.reason, SupervisorGaveUp)
        assert of_supervisor.reason.__cause__ is FAILURE


async def test_async_with_raises_system_failed_from_the_system_s_failure(
    clock: ManualClock,
) -> None:
    """API 9: "`system.failure` is the error that escalated past the root, and `async with`
    raises `SystemFailed` from it on exit, even when the body finished normally"."""
    system = ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0))
    with pytest.raises(SystemFailed) as raised:
        async with system:
            (await system.spawn(Doomed, name="doomed")).tell("go")
            await clock.advance(0)
    assert isinstance(system.failure, SupervisorGaveUp)
    assert raised.value.__cause__ is system.failure
    assert system.failure.__cause__ is FAILURE


class RaisesIt(Actor):
    async def receive(self, message: Any) -> None:
        raise message


async def test_system_failure_stays_the_first_error_that_escalated_past_the_root(
    clock: ManualClock,
) -> None:
    """Two top-level actors escalate in one turn: the second failure past the root does not
    replace the first, which stopped the system."""
    first, second = ValueError("first"), ValueError("second")
    system = ActorSystem(clock=clock, supervisor=OneForOne(decider={ValueError: "escalate"}))
    with pytest.raises(SystemFailed) as raised:
        async with system:
            (await system.spawn(RaisesIt, name="a")).tell(first)
            (await system.spawn(RaisesIt, name="b")).tell(second)
            await clock.advance(0)
    assert system.failure is first
    assert raised.value.__cause__ is first
