"""A system started on an event loop that is not running now, called from another loop in
the same thread: what a pytest-asyncio fixture of a wider `loop_scope` than its test's
(`@pytest_asyncio.fixture(scope="module", loop_scope="module")` beside function-scoped
tests) hands the test. Nothing of the system can run until its own loop runs again, so
every call says so at once, and what to change: not "another thread", nor a hand-over to
that loop with `run_coroutine_threadsafe(...).result()`, which would block the thread that
loop needs forever. A probe's `expect` says so too rather than wait out its timeout, and
the system's `ManualClock` refuses to move time its actors cannot follow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock, Probe

SAFETY = 10.0


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


@dataclass
class Idle:
    """A system, its actor, a probe and its clock, on a loop that is not running now."""

    loop: asyncio.AbstractEventLoop
    system: ActorSystem
    ref: ActorRef
    probe: Probe
    clock: ManualClock


@pytest.fixture
def idle() -> Iterator[Idle]:
    loop = asyncio.new_event_loop()
    clock = ManualClock()
    system = ActorSystem("fixture", clock=clock)

    async def start() -> Idle:
        await system.start()
        ref = await system.spawn(Echo, name="echo")
        probe = await Probe.spawn(system)
        system.schedule_once(1.0, probe.ref, "tick")
        return Idle(loop, system, ref, probe, clock)

    try:
        yield loop.run_until_complete(start())
    finally:
        loop.run_until_complete(system.shutdown())
        loop.close()


def _from_another_loop(call: Callable[[], Awaitable[object]]) -> RuntimeError:
    async def main() -> RuntimeError:
        async with asyncio.timeout(SAFETY):
            with pytest.raises(RuntimeError) as raised:
                await call()
            return raised.value

    return asyncio.run(main())


def _says_the_loop_is_idle(error: RuntimeError, call: str) -> None:
    said = str(error)
    assert f"{call}() of actor system 'fixture' was called on another event loop" in said
    assert "is not running" in said
    assert "loop_scope" in said  # the fixture's loop: the change a test makes
    assert "another thread" not in said
    assert "run_coroutine_threadsafe" not in said  # its `.result()` would block that loop


@pytest.mark.parametrize(
    ("call", "make"),
    [
        ("system.spawn", lambda idle: idle.system.spawn(Echo)),
        ("ref.ask", lambda idle: idle.ref.ask("hello", timeout=SAFETY)),
        ("system.shutdown", lambda idle: idle.system.shutdown()),
    ],
)
def test_a_call_from_another_loop_says_the_system_s_loop_is_not_running(
    idle: Idle, call: str, make: Callable[[Idle], Awaitable[object]]
) -> None:
    _says_the_loop_is_idle(_from_another_loop(lambda: make(idle)), call)


def test_a_probe_says_so_at_once_rather_than_wait_out_its_timeout(idle: Idle) -> None:
    async def expect() -> object:
        async with asyncio.timeout(1.0):  # far below its own timeout
            return await idle.probe.expect("tick", timeout=SAFETY)

    _says_the_loop_is_idle(_from_another_loop(expect), "probe.expect")


@pytest.mark.parametrize("call", ["advance", "settle"])
def test_its_clock_refuses_to_move_time_its_actors_cannot_follow(idle: Idle, call: str) -> None:
    clock = idle.clock

    def drive() -> Awaitable[None]:
        return clock.advance(1.0) if call == "advance" else clock.settle()

    said = str(_from_another_loop(drive))
    assert "ManualClock" in said
    assert "not running" in said
    assert "loop_scope" in said
    assert clock.now() == 0.0

    async def on_its_own_loop() -> object:
        await clock.advance(1.0)
        return await idle.probe.expect("tick")

    assert idle.loop.run_until_complete(on_its_own_loop()) == "tick"
