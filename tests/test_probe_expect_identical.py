"""`Probe.expect` passes a message that is the very object expected: it equals it. A marker
class told as a message (an atom, Erlang-style: `ref.tell(Ping)`) is no instance of itself,
and a function told as a message (a callback handed on) is not to be called on itself as if
it were a predicate; both would fail as "probe expected X, got X"."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe


class Ping:
    """A marker message: the class itself is told, never an instance."""


async def test_a_class_told_as_a_message_is_expected_by_itself() -> None:
    async with asyncio.timeout(10.0), ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(Ping)
        probe.ref.tell(Ping())
        assert await probe.expect(Ping, timeout=1.0) is Ping
        assert isinstance(await probe.expect(Ping, timeout=1.0), Ping)  # an instance still
        probe.expect_empty()


async def test_a_function_told_as_a_message_is_expected_without_being_called() -> None:
    calls: list[object] = []

    def callback(value: object) -> bool:
        calls.append(value)
        return False

    async with asyncio.timeout(10.0), ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(callback)
        probe.ref.tell("other")
        assert await probe.expect(callback, timeout=1.0) is callback
        assert calls == []
        with pytest.raises(AssertionError, match=r"probe expected .*callback.*got 'other'"):
            await probe.expect(callback, timeout=1.0)  # a predicate still, on other messages
        assert calls == ["other"]
