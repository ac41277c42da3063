"""Bad input to the testing helpers `ManualClock` and `Probe`."""

from __future__ import annotations

import math

from actorkit.testing import ManualClock, Probe

from .bad_input_support import Case, each, raises_as_documented

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
        "Probe.ref: before Probe.spawn",
        lambda e: Probe().ref,
        RuntimeError,
        "await Probe.spawn\\(system\\)",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)
