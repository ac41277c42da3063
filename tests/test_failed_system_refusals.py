"""A system whose failure escalated past the root refuses calls in words that point at the
failure. It said only that it "is shut down (or shutting down)", which an operator reading a
web app's 503s took for a deploy, with nothing to say that a supervisor had given up."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered, OneForOne
from actorkit.testing import ManualClock

pytestmark = pytest.mark.timeout(30)


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        raise ValueError("failed on purpose")


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_calls_refused_after_a_root_failure_say_where_its_cause_is() -> None:
    clock = ManualClock()
    system = ActorSystem("failing", clock=clock, supervisor=OneForOne(max_restarts=0))
    await system.start()
    failing = await system.spawn(Failing, name="failing")
    await system.spawn(Echo, name="echo")
    with pytest.raises(ValueError):
        await failing.ask("go", timeout=1.0)
    await clock.settle()  # the root gives up and the system stops its actors
    assert system.failure is not None and not system.healthy
    refusals: list[BaseException] = []
    for call in (
        lambda: system.ask("/echo", "x", timeout=1.0),
        lambda: system.spawn(Echo),
        lambda: system.submit("job"),
    ):
        with pytest.raises(ActorStopped) as refused:
            await call()
        refusals.append(refused.value)
    assert type(refusals[0]) is NotDelivered
    for refusal in refusals:
        assert "actor system 'failing' is shut down" in str(refusal)
        assert "or failed: `system.failure` holds why" in str(refusal)
    await system.shutdown()
    assert isinstance(system.failure.__cause__, ValueError)
