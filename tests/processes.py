"""Real processes in tests: free loopback ports and subprocesses that always go away."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def without_root_powers() -> list[str]:
    """A command prefix: root writes anywhere; without CAP_DAC_OVERRIDE it obeys file modes
    like anyone."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def end(proc: asyncio.subprocess.Process) -> None:
    """Terminate politely, then kill: a test never leaves a process behind or hangs on one."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        async with asyncio.timeout(10):
            await proc.wait()
    except TimeoutError:
        proc.kill()
        await proc.wait()


@asynccontextmanager
async def process(*args: str, **options: object) -> AsyncIterator[asyncio.subprocess.Process]:
    """A subprocess with its stdout piped (stderr merged unless told otherwise)."""
    options.setdefault("stdout", asyncio.subprocess.PIPE)
    options.setdefault("stderr", asyncio.subprocess.STDOUT)
    proc = await asyncio.create_subprocess_exec(*args, **options)  # type: ignore[arg-type]
    try:
        yield proc
    finally:
        await end(proc)
