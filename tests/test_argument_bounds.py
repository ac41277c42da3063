"""The edges of argument checks: the largest value accepted next to the smallest refused, a
clock missing any one of its methods, and what an accepted value comes back as."""

from __future__ import annotations

import asyncio
import enum
from decimal import Decimal
from fractions import Fraction

import pytest

from actorkit import Actor, ActorSystem
from actorkit._seconds import FOREVER, check_seconds
from actorkit.testing import ManualClock, snapshot

pytestmark = pytest.mark.timeout(10)

CLOCK_METHODS = ("now", "call_at", "attach", "detach")


class Seconds(enum.IntEnum):
    TWO = 2


class Plain(Actor):
    pass


def clock_without(missing: str, replacement: object) -> object:
    """A clock whose `missing` method is absent (`replacement` None) or not callable."""
    clock = type("Clock", (), {m: lambda *a: 0.0 for m in CLOCK_METHODS if m != missing})()
    if replacement is not None:
        setattr(clock, missing, replacement)
    return clock


@pytest.mark.parametrize("missing", CLOCK_METHODS)
@pytest.mark.parametrize("replacement", [None, 0.0], ids=["absent", "not callable"])
def test_a_clock_missing_any_one_method_is_refused_naming_them_all(
    missing: str, replacement: object
) -> None:
    with pytest.raises(TypeError, match=r"with now\(\), call_at\(\), attach\(\) and detach\(\)"):
        ActorSystem(clock=clock_without(missing, replacement))  # type: ignore[arg-type]


def test_a_system_name_of_255_characters_is_accepted_and_256_refused() -> None:
    assert ActorSystem("s" * 255).name == "s" * 255
    with pytest.raises(ValueError, match="at most 255 printable characters"):
        ActorSystem("s" * 256)


async def test_a_path_of_4096_characters_is_looked_up_and_4097_refused() -> None:
    async with ActorSystem("paths") as system:
        longest = "/" + "/".join(["a" * 255] * 16)  # names as long as spawn allows
        assert len(longest) == 4096
        assert system.lookup(longest) is None
        with pytest.raises(ValueError, match="at most 4096 printable characters"):
            system.lookup(longest + "a")


async def test_a_remote_path_whose_name_has_255_characters_passes_the_path_check() -> None:
    """Without a transport, what passes every check of `remote` meets the transport's error."""
    async with ActorSystem("remote-paths") as system:
        with pytest.raises(RuntimeError, match="needs a transport"):
            system.remote("other", "/" + "a" * 255 + "/b")
        with pytest.raises(ValueError, match="names of 1 to 255 characters"):
            system.remote("other", "/" + "a" * 256 + "/b")


async def test_capabilities_given_as_a_generator_are_all_kept() -> None:
    async with ActorSystem("generator") as system:
        ref = await system.spawn(Plain, capabilities=(c for c in ("gpu", "ssd")))
        assert snapshot(ref).capabilities == {"gpu", "ssd"}


def test_a_manual_clock_starts_anywhere_within_forever_as_a_float() -> None:
    with pytest.raises(ValueError, match="must be finite"):
        ManualClock(start=-FOREVER)
    with pytest.raises(ValueError, match="must be finite"):
        ManualClock(start=FOREVER)
    for start in (-FOREVER + 1, Seconds.TWO, 3):
        now = ManualClock(start=start).now()
        assert type(now) is float and now == float(start)


@pytest.mark.parametrize("value", [2, Seconds.TWO, type("Sub", (float,), {})(2.0)])
def test_a_duration_comes_back_a_plain_float(value: object) -> None:
    """An int or a subclass of int or float (an IntEnum, numpy's float64) is taken as its
    float value, so no caller does arithmetic with the subclass's own operators."""
    seconds = check_seconds(value, "timeout")
    assert type(seconds) is float and seconds == 2.0


async def test_shutdown_of_a_system_never_started_returns_at_once() -> None:
    system = ActorSystem("never-started")
    await asyncio.wait_for(system.shutdown(), 5)
    with pytest.raises(RuntimeError, match="cannot start again"):
        await system.start()


@pytest.mark.parametrize("value", [Fraction(1, 3), Decimal("0.5")])
async def test_an_exact_number_of_seconds_is_refused_saying_to_pass_a_float(value: object) -> None:
    """A `Fraction` or a `Decimal` is a number, so "must be a number of seconds" alone would
    puzzle: the clock counts in floats, and the message says so."""
    with pytest.raises(TypeError, match=r"counts in floats, so pass float\(value\)"):
        check_seconds(value, "timeout")
    async with asyncio.timeout(5), ActorSystem("exact") as system:
        ref = await system.spawn(Plain)
        with pytest.raises(TypeError, match=r"timeout must be a number of seconds.*float\(value\)"):
            await ref.ask("x", timeout=value)  # type: ignore[arg-type]
