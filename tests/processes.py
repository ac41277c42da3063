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


SUBPROCESS_BOUND = 30.0
"""Seconds a test's own subprocess gets to finish: far beyond what any takes, inside the suite's
60 s timeout, so that a hung one fails its test saying so rather than by the timeout."""


async def communicate(
    proc: asyncio.subprocess.Process, input: bytes | None = None
) -> tuple[bytes, bytes]:
    """`proc.communicate(input)` within `SUBPROCESS_BOUND`; past it the process is killed and
    the test fails. A stream not piped reads as empty."""
    try:
        async with asyncio.timeout(SUBPROCESS_BOUND):
            out, err = await proc.communicate(input)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"{proc} did not end within {SUBPROCESS_BOUND} s") from None
    return out or b"", err or b""


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
