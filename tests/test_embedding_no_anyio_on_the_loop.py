"""A plain asyncio program (no anyio anywhere) leaving `async with ActorSystem` did anyio's
first import there, on the loop: `shielded()` made an anyio `CancelScope`, which loads anyio
and its asyncio backend, 35-45 ms here during which nothing else on the loop ran (another
system's actors, a web server whose cleanup shut this system down). No anyio scope can be
around a wait when anyio's asyncio backend was never loaded, so none is made then. Its own
process: the suite's has anyio loaded by its pytest plugin."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import actorkit

PLAIN = """
import asyncio, sys
from actorkit import Actor, ActorSystem

class Echo(Actor):
    async def receive(self, message):
        return message

async def main():
    async with ActorSystem("first") as system:
        await system.spawn(Echo)
    try:
        async with asyncio.timeout(0.01), ActorSystem("cut") as system:
            await system.spawn(Echo)
            await asyncio.Event().wait()  # cut by the timeout: the system it leaves is the subject
    except TimeoutError:
        pass
    system = await ActorSystem("explicit").start()
    await system.shutdown()

asyncio.run(main())
print(sorted(name for name in sys.modules if name.startswith("anyio._backends")))
"""


def test_leaving_a_system_in_a_plain_asyncio_program_loads_no_anyio_backend() -> None:
    root = str(pathlib.Path(actorkit.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", PLAIN], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]", done.stdout
