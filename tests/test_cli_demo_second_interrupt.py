"""`python -m actorkit demo`: a second Ctrl-C while the first one's shutdown waits stops the
waiting, as `asyncio.run`'s second Ctrl-C does, rather than being swallowed by the demo's
signal handling."""

from __future__ import annotations

import asyncio
import functools
import signal
import sys

import pytest

from .processes import communicate

LINGERING_DEMO = """
import asyncio, functools, sys
from actorkit import Actor, ActorSystem
from actorkit import _demo
from actorkit._cli import main
from actorkit._runner import run

class Lingering(Actor):
    async def on_stop(self) -> None:
        print("stopping", flush=True)
        await asyncio.Event().wait()  # never set: the shutdown waits out its timeout

class SlowToStop(ActorSystem):
    async def shutdown(self, timeout: float = 600.0) -> None:
        await super().shutdown(timeout)

spawn_actors = _demo._spawn_actors

async def with_lingering(system, nats):
    await spawn_actors(system, nats)
    await system.spawn(Lingering, name="lingering")

_demo._spawn_actors, _demo.ActorSystem = with_lingering, SlowToStop
_demo.run = functools.partial(run, uvloop=sys.argv[1] == "uvloop")
sys.exit(main(["demo", "--no-http", "--duration", "600"]))
"""
"""The demo with one more actor whose `on_stop` never returns, in a system whose shutdown
waits ten minutes before it forces the stop: only the second Ctrl-C ends it sooner."""


async def line(stream: asyncio.StreamReader, starting: bytes) -> None:
    while not (read := await stream.readline()).startswith(starting):
        assert read, f"the demo ended before printing {starting!r}"


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
async def test_a_second_ctrl_c_during_the_demos_shutdown_stops_the_waiting(loop: str) -> None:
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LINGERING_DEMO, loop,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=functools.partial(signal.signal, signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert demo.stdout is not None
    try:
        async with asyncio.timeout(30):
            await line(demo.stdout, b"actorkit demo running")
            demo.send_signal(signal.SIGINT)
            await line(demo.stdout, b"stopping")
        demo.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(15):  # the shutdown would wait 600 s
                await demo.wait()
        except TimeoutError:
            raise AssertionError("the second Ctrl-C left the demo waiting") from None
    finally:
        if demo.returncode is None:
            demo.kill()
        _, err = await communicate(demo)
    assert demo.returncode == 0, err
    assert b"Traceback" not in err, err
