"""`AskTimeout`'s account of its target at the edges the first tests leave: a target still in
its `on_start`, a chain longer than the links followed, a pool (which hands the ask, and its
deadline, to a member), a chain of asks that runs into a cycle further down, a handler
awaiting an object that refuses to be looked at, and a deadline that fires in the very task
of the handler it is about."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout
from actorkit._handler_failures import LINKS, _said
from actorkit.testing import ManualClock

from .test_ask_timeout_hints import Gated, Relay, timed_out
from .test_pool_resize_stopped import HeldStart


async def test_a_target_in_its_on_start_is_said_to_be_starting(clock: ManualClock) -> None:
    gate, starting = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        spawned = asyncio.ensure_future(system.spawn(HeldStart, gate, starting, name="s"))
        await starting.wait()
        ref = system.lookup("/s")
        assert ref is not None
        try:
            text = await timed_out(ref, clock, "x", 1.0)
        finally:
            gate.set()
        assert text == (
            "no reply from /s within 1.0s; /s was starting, handling no messages until its "
            "on_start returns"
        )
        await spawned
        assert await ref.ask("x") == "x"


async def test_an_ask_of_a_pool_names_the_member_it_was_handed_to(clock: ManualClock) -> None:
    """The pool hands the ask on and handles nothing itself: the member is the one said."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Gated, gate, size=1, name="pool")
        try:
            text = await timed_out(pool, clock, "slow", 1.0)
        finally:
            gate.set()
        assert text == (
            "no reply from /pool/0 within 1.0s; /pool/0 was still handling it: raise the ask's "
            "timeout or make its handler faster"
        )
        assert await pool.ask("x") == "x"


async def test_a_chain_running_into_a_cycle_further_down_is_said_to_be_one(
    clock: ManualClock,
) -> None:
    """/a asks /b, /b asks /c, /c asks /b back: the cycle is /b and /c's, not /a's."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        a = await system.spawn(Relay, "/b", name="a", restart="temporary")
        await system.spawn(Relay, "/c", name="b", restart="temporary")
        await system.spawn(Relay, "/b", name="c", restart="temporary")
        text = await timed_out(a, clock, "go", 1.0)
        assert text == (
            "no reply from /a within 1.0s; /a was still handling it, awaiting its own ask of "
            "/b; /b was still handling it, awaiting its own ask of /c; /c was still handling "
            "it, awaiting its own ask of /b: a cycle of asks, each waiting for the next, which "
            "ends only when one of them times out"
        )
        await clock.advance(10.0)  # the cycle's own asks time out, and fail /b and /c


async def test_a_chain_longer_than_the_links_followed_says_no_more_past_them(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        for n in range(LINKS + 2):
            await system.spawn(Relay, f"/r{n + 1}", name=f"r{n}")
        await system.spawn(Gated, gate, name=f"r{LINKS + 2}")
        first = system.lookup("/r0")
        assert first is not None
        try:
            text = await timed_out(first, clock, "slow", 1.0)
        finally:
            gate.set()
        links = [
            f"/r{n} was still handling it, awaiting its own ask of /r{n + 1}" for n in range(LINKS)
        ]
        assert text == "no reply from /r0 within 1.0s; " + "; ".join(links)
        assert await first.ask("x") == "x"


class Refusing:
    """An awaitable's iterator that raises for any attribute it lacks (as some proxies do),
    not `AttributeError`: looking for a coroutine's attributes on it fails."""

    def __init__(self, gate: asyncio.Event) -> None:
        self._inner: Generator[Any, None, Any] = gate.wait().__await__()

    def __iter__(self) -> Refusing:
        return self

    def __next__(self) -> Any:
        return self._inner.send(None)

    def send(self, value: None) -> Any:
        return self._inner.send(value)

    def throw(self, error: BaseException) -> Any:
        return self._inner.throw(error)

    def close(self) -> None:
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        raise LookupError(f"no {name} here")


class AwaitsRefusing(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await LooksAway(self.gate)
        return message


class LooksAway:
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    def __await__(self) -> Generator[Any, None, Any]:
        return Refusing(self.gate)  # type: ignore[return-value]  # an iterator is enough


async def test_a_handler_awaiting_what_refuses_to_be_looked_at_still_times_out(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(AwaitsRefusing, gate, name="odd")
        try:
            first = asyncio.ensure_future(ref.ask("x", timeout=1.0))
            second = asyncio.ensure_future(ref.ask("y", timeout=1.0))
            await clock.advance(1.0)
            for asked in (first, second):  # each in the expiry fails, the hint unsaid
                with pytest.raises(AskTimeout) as raised:
                    await asked
                assert str(raised.value) == (
                    "no reply from /odd within 1.0s; raise the ask's timeout if its answer may "
                    "take longer"
                )
        finally:
            gate.set()
        assert await ref.ask("z") == "z"


class Advancing(Actor):
    """Its handler moves the manual clock itself: the deadline of the ask it is handling
    fires in its own task, whose coroutines are running, not suspended."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    async def receive(self, message: Any) -> Any:
        await self.clock.advance(1.0)
        return message


async def test_a_deadline_firing_in_its_target_s_own_task_blames_that_handler(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref: ActorRef = await system.spawn(Advancing, clock, name="adv")
        with pytest.raises(AskTimeout) as raised:
            await ref.ask("x", timeout=1.0)
        assert str(raised.value) == (
            "no reply from /adv within 1.0s; /adv was still handling it: raise the ask's "
            "timeout or make its handler faster"
        )


async def test_many_asks_timing_out_behind_one_target_are_said_once(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asks that time out together behind one busy target all read the same: the target's
    account is worked out once for them, not once each (a chain's walk is microseconds)."""
    worked_out: list[str] = []

    def counted(ask: Any, live: Any) -> str:
        worked_out.append(ask.target)
        return _said(ask, live)

    monkeypatch.setattr("actorkit._handler_failures._said", counted)
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gated, gate, name="g")
        asks = [asyncio.ensure_future(ref.ask(i, timeout=1.0)) for i in ("slow", *range(200))]
        await clock.advance(1.0)
        try:
            texts = [str(error) for error in await asyncio.gather(*asks, return_exceptions=True)]
        finally:
            gate.set()
    assert texts[0].endswith(
        "/g was still handling it: raise the ask's timeout or make its handler faster"
    )
    assert set(texts[1:]) == {
        "no reply from /g within 1.0s; /g was handling another message: raise the ask's "
        "timeout or make its handlers faster"
    }
    assert worked_out == ["/g", "/g"]  # the ask it handles, then once for all the others
