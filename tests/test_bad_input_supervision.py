"""Bad input to the strategies, `Backoff`, `Supervisor` and `ChildSpec`."""

from __future__ import annotations

import asyncio
import math

from actorkit import Backoff, ChildSpec, OneForAll, OneForOne, RestForOne, Supervisor

from .bad_input_support import Case, Plain, each, raises_as_documented
from .hostile_values import RaisingCompare, RaisingFloat

CASES = [
    # strategies
    Case("OneForOne: max_restarts < 0", lambda e: OneForOne(max_restarts=-1), ValueError, ">= 0"),
    Case(
        "OneForAll: max_restarts not an int",
        lambda e: OneForAll(max_restarts=3.0),  # type: ignore[arg-type]
        TypeError,
        "max_restarts must be an int >= 0, got float 3.0",
    ),
    Case("OneForAll: within 0", lambda e: OneForAll(within=0), ValueError, "must be > 0 seconds"),
    Case(
        "RestForOne: within not a number",
        lambda e: RestForOne(within="5"),  # type: ignore[arg-type]
        TypeError,
        "must be a number of seconds",
    ),
    Case(
        "OneForOne: decider not a mapping or callable",
        lambda e: OneForOne(decider=42),  # type: ignore[arg-type]
        TypeError,
        "mapping \\{ExceptionType: directive\\} or a callable",
    ),
    Case(
        "OneForOne: decider key not an exception",
        lambda e: OneForOne(decider={"x": "resume"}),
        TypeError,
        "exception classes",
    ),
    Case(
        "OneForOne: decider directive unknown",
        lambda e: OneForOne(decider={ValueError: "retry"}),  # type: ignore[dict-item]
        ValueError,
        "must be one of",
    ),
    # keys no failure ever matches: the entry would be ignored without a word
    Case(
        "OneForOne: decider key CancelledError",
        lambda e: OneForOne(decider={asyncio.CancelledError: "resume"}),
        ValueError,
        "reaches its supervisor as a RuntimeError caused by it.*key RuntimeError",
    ),
    Case(
        "OneForAll: decider key KeyboardInterrupt",
        lambda e: OneForAll(decider={ValueError: "stop", KeyboardInterrupt: "resume"}),
        ValueError,
        "never decided on: .* goes to the program's owner",
    ),
    Case(
        "RestForOne: decider key a SystemExit subclass",
        lambda e: RestForOne(decider={type("Quit", (SystemExit,), {}): "stop"}),
        ValueError,
        "decider key Quit .*never decided on",
    ),
    Case(
        "OneForAll: decider key a StopIteration subclass",
        lambda e: OneForAll(decider={type("Done", (StopIteration,), {}): "stop"}),
        ValueError,
        "decider key Done is never matched",
    ),
    Case(
        "OneForOne: decider key StopIteration",
        lambda e: OneForOne(decider={StopIteration: "stop"}),
        ValueError,
        "reaches its supervisor as a RuntimeError caused by it",
    ),
    Case(
        "OneForOne: backoff not a Backoff",
        lambda e: OneForOne(backoff=0.5),  # type: ignore[arg-type]
        TypeError,
        "Backoff\\(min=..., max=...\\) or None",
    ),
    Case(
        "OneForOne: shutdown < 0",
        lambda e: OneForOne(shutdown=-1),
        ValueError,
        "shutdown must be >= 0 seconds and finite",
    ),
    Case(
        "OneForAll: shutdown nan",
        lambda e: OneForAll(shutdown=math.nan),
        ValueError,
        "shutdown must be >= 0 seconds and finite",
    ),
    Case(
        "RestForOne: shutdown a bool",
        lambda e: RestForOne(shutdown=True),
        TypeError,
        "shutdown must be a number of seconds",
    ),
    # Backoff
    Case("Backoff: min 0", lambda e: Backoff(min=0), ValueError, "min must be > 0 seconds"),
    Case("Backoff: max < min", lambda e: Backoff(min=2, max=1), ValueError, "must be >= min"),
    Case("Backoff: jitter < 0", lambda e: Backoff(jitter=-1), ValueError, "finite number >= 0"),
    # inf would never restart the child, nan would silently turn the backoff off
    Case("Backoff: jitter inf", lambda e: Backoff(jitter=math.inf), ValueError, "finite number"),
    Case("Backoff: jitter nan", lambda e: Backoff(jitter=math.nan), ValueError, "finite number"),
    Case("Backoff: min not a number", lambda e: Backoff(min="1"), TypeError, "number of seconds"),  # type: ignore[arg-type]
    # Supervisor / ChildSpec
    Case(
        "Supervisor: child not a ChildSpec",
        lambda e: Supervisor([Plain]),  # type: ignore[list-item]
        TypeError,
        "must be ChildSpec objects",
    ),
    Case(
        "Supervisor: strategy not a strategy",
        lambda e: Supervisor([], strategy="one_for_one"),  # type: ignore[arg-type]
        TypeError,
        "OneForOne/OneForAll/RestForOne",
    ),
    Case("ChildSpec: bad factory", lambda e: ChildSpec(42), TypeError, "Actor subclass"),  # type: ignore[arg-type]
    Case("ChildSpec: bad name", lambda e: ChildSpec(Plain, name="a/b"), ValueError, "'/'"),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)


def test_a_shutdown_time_given_as_a_subclass_is_kept_as_the_built_in_number() -> None:
    """Read at every stop a supervisor makes: a subclass's own comparisons (which may raise,
    or lie) would run there, far from the call that passed it."""
    as_float: object = OneForAll(shutdown=RaisingFloat(1.5)).shutdown
    assert type(as_float) is float and as_float == 1.5
    as_int: object = OneForOne(shutdown=RaisingCompare(2)).shutdown
    assert type(as_int) is int and as_int == 2
