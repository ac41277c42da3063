"""The shutdown that a start begins for callers who gave up waiting (cancelled while the start
ran) keeps what they asked: the shortest of their timeouts bounds the stop of the actors
spawned meanwhile, and it counts as begun for the loop's end. Each test fails on a
one-token change to how `ActorSystem` keeps that timeout (the default's, the longest, or
the last one asked instead) or to the order in which the start begins that shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .test_mutants_sys import HangingTransport

BOUND = 5.0  # under the default shutdown timeout (10 s) and the longer one asked here
SHORT, LONG = 0.05, 60.0


class GatedTransport(HangingTransport):
    """Connects once the test lets it: a start held while actors are spawned."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.closed = asyncio.Event()

    async def start(self, host: object) -> None:
        self.starting.set()
        await self.gate.wait()

    async def stop(self) -> None:
        await super().stop()
        self.closed.set()


class StuckOnStop(Actor):
    """An `on_stop` that never returns: only the forced stop at the deadline ends it."""

    async def on_stop(self) -> None:
        await asyncio.Event().wait()

    async def receive(self, message: Any) -> Any:
        return message


async def test_the_shortest_timeout_asked_by_callers_gone_during_start_forces_the_stop() -> None:
    transport = GatedTransport()
    system = ActorSystem("asked", metrics=False, transport=transport)
    async with asyncio.timeout(BOUND):
        starting = asyncio.ensure_future(system.start())
        await transport.starting.wait()
        stuck = await system.spawn(StuckOnStop)
        callers = [asyncio.ensure_future(system.shutdown(timeout)) for timeout in (SHORT, LONG)]
        await asyncio.sleep(0)  # one turn: both wait for the start, not for time
        for caller in callers:
            caller.cancel()
        await asyncio.wait(callers)
        transport.gate.set()
        assert await starting is system
        await system.shutdown()  # the default timeout does not put the deadline back
    assert not stuck.is_alive
    assert transport.stopped


def test_a_shutdown_begun_by_the_start_is_no_system_left_to_the_loops_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Begun once the start has made what watches the loop's end: else that watch went on
    past the shutdown, and the loop's end warned of a system never shut down."""

    async def started_and_shut_down() -> None:
        transport = GatedTransport()
        system = ActorSystem("watched", metrics=False, transport=transport)
        async with asyncio.timeout(BOUND):
            starting = asyncio.ensure_future(system.start())
            await transport.starting.wait()
            caller = asyncio.ensure_future(system.shutdown())
            await asyncio.sleep(0)  # one turn: it waits for the start, not for time
            caller.cancel()
            await asyncio.wait([caller])
            transport.gate.set()
            await starting
            await transport.closed.wait()  # the shutdown the start began, no call of ours

    asyncio.run(started_and_shut_down())
    assert "was never shut down" not in caplog.text
