"""Bad input to `submit`: its options, and a submit before start or after shutdown."""

from __future__ import annotations

import math
from datetime import timedelta

from actorkit import ActorStopped

from .bad_input_support import Case, after_shutdown, each, not_started, raises_as_documented

CASES = [
    # submit
    Case(
        "submit: priority not an int",
        lambda e: e.system.submit("x", priority=1.5),  # type: ignore[arg-type]
        TypeError,
        "priority must be an int",
    ),
    Case(
        "submit: retries a bool",
        lambda e: e.system.submit("x", retries=True),
        TypeError,
        "retries must be an int",
    ),
    Case(
        "submit: deadline not a number",
        lambda e: e.system.submit("x", deadline="soon"),  # type: ignore[arg-type]
        TypeError,
        "deadline",
    ),
    Case(
        "submit: deadline a timedelta (as Celery's expires takes)",
        lambda e: e.system.submit("x", deadline=timedelta(seconds=5)),  # type: ignore[arg-type]
        TypeError,
        r"got timedelta datetime.timedelta\(seconds=5\): pass its total_seconds\(\)",
    ),
    Case("submit: retries < 0", lambda e: e.system.submit("x", retries=-1), ValueError, ">= 0"),
    Case(
        "submit: deadline 0",
        lambda e: e.system.submit("x", deadline=0),
        ValueError,
        "None for no deadline",
    ),
    Case(
        "submit: deadline infinite",
        lambda e: e.system.submit("x", deadline=math.inf),
        ValueError,
        "None for no deadline",
    ),
    Case(
        "submit: requires a bare str",
        lambda e: e.system.submit("x", requires="gpu"),
        TypeError,
        "iterable of strings such as",
    ),
    Case(
        "submit: requires holding a non-str",
        lambda e: e.system.submit("x", requires=["gpu", 3]),  # type: ignore[list-item]
        TypeError,
        "non-empty str",
    ),
    Case(
        "submit: requires holding an empty str",
        lambda e: e.system.submit("x", requires=[""]),
        ValueError,
        "each required capability in requires must be a non-empty str, got ''",
    ),
    Case(
        "submit: before start",
        not_started(lambda s: s.submit("x")),
        RuntimeError,
        "so submit cannot run yet: use `async with ActorSystem\\(\\)`",
    ),
    Case(
        "submit: once shutdown has begun",
        lambda e: after_shutdown(lambda s: s.submit("x")),
        ActorStopped,
        "so submit cannot run: create a new ActorSystem",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)
