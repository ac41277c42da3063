"""A probe whose actor has stopped (stopped by the test, or its system shut down, as a test
that expects after its `async with` block has) still hands over what it took in, in order (a
shutdown drains its mailbox; `ref.stop()` dead-letters what was still queued). Once that is
all received nothing more can come, so `receive` and `expect` say so at once, naming the
probe and why, where they waited out their whole timeout to say only that nothing came."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe

SAFETY = 10.0
LONG = 60.0  # the probe's timeout: far past SAFETY, so only an answer at once passes


async def _stopped_after(
    told: list[str], stop: Callable[[ActorSystem, Probe], Awaitable[None]]
) -> Probe:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system, name="watcher")
        for message in told:
            probe.ref.tell(message)
        await stop(system, probe)
    return probe


async def _shut_down(system: ActorSystem, _: Probe) -> None:
    await system.shutdown()


async def _probe_stopped(_: ActorSystem, probe: Probe) -> None:
    await probe.ref.stop()


async def test_what_it_took_in_comes_then_an_expect_says_at_once_that_nothing_more_can() -> None:
    async with asyncio.timeout(SAFETY):
        probe = await _stopped_after(["a", "b"], _shut_down)  # a shutdown drains the two
        assert await probe.expect("a", timeout=LONG) == "a"
        assert await probe.receive(timeout=LONG) == "b"
        with pytest.raises(TimeoutError) as raised:
            await probe.expect("c", timeout=LONG)
    said = str(raised.value)
    assert "/watcher" in said
    assert "stopped" in said
    assert "'c'" in said  # what it expected


@pytest.mark.parametrize("stop", [_shut_down, _probe_stopped])
async def test_a_receive_says_so_too(stop: Callable[[ActorSystem, Probe], Awaitable[None]]) -> None:
    async with asyncio.timeout(SAFETY):
        probe = await _stopped_after([], stop)
        with pytest.raises(TimeoutError, match=r"/watcher.*stopped"):
            await probe.receive(timeout=LONG)
        probe.expect_empty()


def test_a_probe_kept_past_its_system_s_event_loop_says_it_has_stopped() -> None:
    """Kept by a test past its `asyncio.run` (a module-level probe): its loop is closed, yet
    what matters is that its actor stopped, which the next loop's test can do nothing about."""
    probe = asyncio.run(_stopped_after(["a"], _shut_down))

    async def later() -> None:
        async with asyncio.timeout(SAFETY):
            assert await probe.receive(timeout=LONG) == "a"
            with pytest.raises(TimeoutError, match=r"/watcher has stopped"):
                await probe.expect("b", timeout=LONG)

    asyncio.run(later())
