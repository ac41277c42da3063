"""Real processes in tests: loopback ports held for them, and subprocesses that always go away."""

from __future__ import annotations

import asyncio
import os
import socket
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def without_root_powers() -> list[str]:
    """A command prefix: root writes anywhere; without CAP_DAC_OVERRIDE it obeys file modes
    like anyone."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


class HeldPort:
    """A loopback port this process keeps bound, never listening, while the object lives (or
    until `release()`). A port read off a closed probe socket is anyone's until a server binds
    it, and under xdist another worker's probe or connection soon takes one; the kernel hands
    no one a bound port, whether they bind port 0 or connect.

    `shared=True` sets SO_REUSEADDR: on Linux a server that sets it too (nats-server,
    PostgreSQL, Prometheus and asyncio's `create_server` do) binds and listens on the port
    while it is held, and binds it again after a restart, the hold keeping it meanwhile. Only
    a socket naming the port outright with SO_REUSEADDR could join it, and nothing in the
    suite names a port it was not handed. Unshared, nothing else binds the port: connections
    to it are refused, the address of a server that is not there.

    Collected with its owner, it closes: a server object holds its port for as long as a test
    can use it, with no call to forget."""

    def __init__(self, *, shared: bool) -> None:
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, int(shared))
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.release = weakref.finalize(self, self._socket.close)

    def __enter__(self) -> HeldPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


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
