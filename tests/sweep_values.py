"""The bad input sweep's wrong values (`BAD`), by kind of parameter, and its actor."""

from __future__ import annotations

import asyncio
import inspect
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from actorkit import Actor, Backoff, ChildSpec, OneForOne
from actorkit.persistence import MemoryStore
from actorkit.testing import ManualClock


def nested(depth: int) -> list[Any]:
    value: list[Any] = ["gpu"]
    for _ in range(depth):
        value = [value]
    return value


HUGE = 10**400
LONG = "x" * 100_000
NUMBERS = [Decimal("1"), Fraction(1, 2), True, math.nan, math.inf, -math.inf, -1, "1", b"1"]
INTS = [Decimal("1"), Fraction(1, 2), True, 1.5, math.nan, math.inf, "1", None]

BAD: dict[str, list[Any]] = {
    # a duration in seconds, > 0
    "seconds": [*NUMBERS, 0, -0.0, HUGE, 1e300, None, [1]],
    # a duration in seconds, >= 0
    "seconds0": [*NUMBERS, HUGE, 1e300, None, [1]],
    # a duration, or None for "none"
    "seconds?": [*NUMBERS, 0, HUGE, 1e300, [1]],
    "seconds0?": [*NUMBERS, HUGE, 1e300, [1]],
    # an int >= 0 (a count)
    "count": [*INTS, -1],
    # an int of any sign (a priority)
    "int": INTS,
    # an int >= 1 with a bound (a pool size)
    "size": [*INTS, -1, 0, HUGE],
    # an int >= 1, or None for unbounded
    "capacity": [*INTS[:-1], -1, 0],
    "port": [*INTS, -1, 65536, HUGE],
    # an actor name: a non-empty str without '/' or control characters, not too long
    "name": ["", 42, b"x", LONG, "a\nb", "a\x00b", "a/b", ["x"]],
    # an actor path
    "path": ["", 42, b"/x", LONG, "/a\x00b", ["/x"]],
    "host": ["", 42, b"127.0.0.1", LONG, "127.0.0.1\n", ["127.0.0.1"]],
    "topic": ["", 42, b"a", "a\x00b", "a\nb", "a..b", ["a"]],
    "pattern": ["", 42, b"a", "a\x00b", "a\nb", "a..b", "a.>.b", ["a"]],
    "restart": ["", 42, "Permanent", None, ["permanent"]],
    "routing": ["", 42, "Round_Robin", None, ["round_robin"]],
    # a collection of non-empty strs
    "names": ["gpu", 42, [""], [42], [b"gpu"], [["gpu"]], nested(10_000), [None]],
    "ref": [42, "/live", None, object()],
    "bool": ["yes", 1, 0, None, "False", 1.0],
    "bool?": ["yes", 1, 0, "False", 1.0],
    # a point on a clock: any finite number of seconds
    "instant": [Decimal("1"), Fraction(1, 2), True, math.nan, math.inf, -math.inf, "1", HUGE, None],
    # a factor >= 0
    "factor": [Decimal("1"), Fraction(1, 2), True, math.nan, math.inf, -1, "1", HUGE, None],
    "strategy": [42, "one_for_one", OneForOne, Backoff()],
    "backoff": [0.5, "fast", Backoff, OneForOne()],
    "decider": [42, "restart", {"x": "resume"}, {ValueError: "retry"}, {ValueError: 1}],
    "children": [42, "abc", [42], [[ChildSpec]], None],
    "clock": [42, "manual", object(), ManualClock],
    "transport": [42, "nats://x", object()],
    "auth": [
        42,
        "",
        ("", ""),
        ("user",),
        ("a", "b", "c"),
        (1, 2),
        ["u", "p"],
        b"token",
        "a\nb",
        ("u", "p\x00"),
    ],
    "callable": [42, "hash", None],
    "coroutine": [42, None, "main", asyncio.sleep],
    "servers": [
        *("", 42, [], [42], [""], ["nats://a\nb"]),
        *("nats://[::1", "nats://h:port", "nats://h:65536", "http://h:4222", "nats://"),
        ["nats://a:4222", "ws://b:8080"],
    ],
    "registry": [42, "default", object()],
    "store": [42, "sqlite:///x.db", object(), MemoryStore],
    "persistence_id": ["", 42, b"x", "x" * 1025, ["x"]],
    # a NATS credential: a non-empty str, or None
    "credential": ["", 42, b"x", "a\x00b", "a\udcff", ["x"]],
    # a .creds file: a path to one, or a pair of paths
    "creds": ["", 42, b"x", "/nonexistent/app.creds", ("/nonexistent/a.jwt",), ["x"]],
    # the stores': a persistence id or reminder key as the stores take it (exactly a str)
    "store_id": ["", 42, None, b"p", "a\x00b", "a\udcff", "x" * 1025, ["p"]],
    "key": ["", 42, None, b"k", "a\x00b", "a\udcff", "x" * 1025, ["k"]],
    # a reminder's key to end: an empty or long one is taken (another program may have stored it)
    "key_to_end": [42, None, b"k", "a\x00b", "a\udcff", ["k"]],
    # a sequence number or revision: an int from 0 to 2**63 - 1
    "seq": [*INTS, -1, 2**63, HUGE],
    "payload": [None, "x", 42, bytearray(b"x"), memoryview(b"x"), [b"x"]],
    "payloads": [None, b"x", "x", 42, [], [None], ["x"], [bytearray(b"x")], {b"x"}],
    "reminder": [None, 42, ("k", 1.0, None, b"x"), {"key": "k"}],
    # a reminder's period: > 0 and within what a timer takes (1e-9 to 1e9 seconds)
    "every": [*NUMBERS, 0, -0.0, 1e-12, 1e9, 1e300, HUGE, [1]],
    "file": ["", 42, None, b"s.db", "a\x00b", "a\ud800", ":memory:", "sqlite:///s.db", ["s.db"]],
    "synchronous": ["", "full", "OFF", None, 1, b"FULL", ["FULL"]],
    "dsn": [
        *("", 42, None, b"postgresql://h/db", "mysql://h/db", ["postgresql://h/db"]),
        *("postgresql://h/db\x00", "postgresql://u:p\x00w@h/db", "postgresql://h/d\udcff"),
        *("postgresql://h:99999/db", "postgresql://[::1/db"),
    ],
}


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message and message[0] == "call":
            try:
                result = message[1](self)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as error:
                return ("raised", error)
            return ("returned", result)
        return message


BAD["factory"] = [42, "Plain", None, str, Plain()]


class Unprintable:
    """A value that cannot describe itself: its refusal must still say what to change."""

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ of Unprintable")


class Sprawling:
    """A value whose repr runs to a megabyte (a big collection, a dump): the refusal names it
    in a line, not in a megabyte."""

    def __repr__(self) -> str:
        return "Sprawling(" + "x" * 1_000_000 + ")"


for _values in BAD.values():
    _values += [Unprintable(), Sprawling()]
