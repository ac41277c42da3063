"""Bad input to the testing helpers `ManualClock` and `Probe`."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

from actorkit import ActorStopped
from actorkit.testing import ManualClock, Probe, instance

from .bad_input_support import Case, Env, each, raises_as_documented


def probing(call: Callable[[Env, Probe], Any], *, stopped: bool = False) -> Callable[[Env], Any]:
    """`call` on a probe spawned in the case's system (stopped first, for `stopped`)."""

    async def run(env: Env) -> Any:
        probe = await Probe.spawn(env.system)
        if stopped:
            await probe.ref.stop()
        result = call(env, probe)
        return await result if asyncio.iscoroutine(result) else result

    return run


CASES = [
    # testing helpers
    Case(
        "ManualClock.advance: negative",
        lambda e: ManualClock().advance(-1),
        ValueError,
        "advance\\(\\) must be >= 0 seconds",
    ),
    Case(
        "ManualClock.advance: NaN",
        lambda e: ManualClock().advance(math.nan),
        ValueError,
        "must be >= 0 seconds",
    ),
    Case(
        "ManualClock.advance: infinite",
        lambda e: ManualClock().advance(math.inf),
        ValueError,
        "and finite",
    ),
    Case(
        "ManualClock.advance: not a number",
        lambda e: ManualClock().advance("1"),  # type: ignore[arg-type]
        TypeError,
        "must be a number of seconds",
    ),
    Case(
        "ManualClock: store_timeout 0",
        lambda e: ManualClock(store_timeout=0),
        ValueError,
        "store_timeout must be > 0 seconds",
    ),
    Case(
        "ManualClock: store_timeout not a number",
        lambda e: ManualClock(store_timeout="10"),  # type: ignore[arg-type]
        TypeError,
        "store_timeout must be a number of seconds",
    ),
    Case(
        "Probe.receive: timeout 0",
        lambda e: Probe().receive(timeout=0),
        ValueError,
        "timeout must be > 0 seconds",
    ),
    Case(
        "Probe.expect: timeout not a number",
        lambda e: Probe().expect("x", timeout="1"),  # type: ignore[arg-type]
        TypeError,
        "timeout must be a number of seconds",
    ),
    Case(
        "Probe.expect: a parameterized type",
        lambda e: Probe().expect(list[int]),
        TypeError,
        "does not take: pass its class \\(expect\\(list\\)\\) or a predicate",
    ),
    Case(
        "Probe.expect: a union with a parameterized member",
        lambda e: Probe().expect(int | list[int]),
        TypeError,
        "does not take: pass its classes \\(expect\\(int \\| list\\)\\) or a predicate",
    ),
    Case(
        "Probe.watch: a Probe where its ref belongs",
        probing(lambda e, probe: probe.watch(probe)),  # type: ignore[arg-type]
        TypeError,
        "Probe.watch needs the ActorRef of a local actor .*probe.ref",
    ),
    Case(
        "Probe.unwatch: an actor instance",
        probing(lambda e, probe: probe.unwatch(instance(e.ref))),  # type: ignore[arg-type]
        TypeError,
        "Probe.unwatch needs the ActorRef of a local actor .*self.ref",
    ),
    Case(
        "Probe.expect_terminated: a name where the ref belongs",
        probing(lambda e, probe: probe.expect_terminated("live")),  # type: ignore[arg-type]
        TypeError,
        "Probe.expect_terminated needs the ActorRef of a local actor",
    ),
    Case(
        "Probe.watch: the probe's own ref",
        probing(lambda e, probe: probe.watch(probe.ref)),
        ValueError,
        "a probe cannot watch its own ref.*pass the ref of the actor under test",
    ),
    Case(
        "Probe.watch: from a probe whose actor has stopped",
        probing(lambda e, probe: probe.watch(e.ref), stopped=True),
        ActorStopped,
        "is stopped and cannot watch",
    ),
    Case(
        "Probe.ref: before Probe.spawn",
        lambda e: Probe().ref,
        RuntimeError,
        "await Probe.spawn\\(system\\)",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)
