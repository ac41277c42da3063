"""The command line run as a user would, in a subprocess, and a stand-in HTTP endpoint for
`top` to read, for the tests of several commands."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from .processes import communicate


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "actorkit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def endpoint(routes: dict[str, Handler]) -> AsyncIterator[str]:
    """An HTTP server on a free loopback port answering GET `routes` (path: handler); yields
    its base URL and is cleaned up on the way out."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


ONE_ACTOR = {"system": "watched", "healthy": True, "total": 1, "actors": [{
    "path": "/one", "name": "one", "class": "One", "state": "running", "mailbox_size": 0,
    "processed": 7, "restarts": 0, "failures": 0, "children": [],
}]}  # fmt: skip
"""An `/actors` answer of a system of one actor."""


@contextlib.asynccontextmanager
async def watched(tree: dict[str, Any]) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A stand-in system for `top`, answering `tree` on `/actors` and no metrics; yields its
    URL and an event set at the third poll of `/actors`, once `top` is watching it."""
    polls = 0
    watching = asyncio.Event()

    async def actors(request: web.Request) -> web.Response:
        nonlocal polls
        polls += 1
        if polls == 3:
            watching.set()
        return web.Response(text=json.dumps(tree), content_type="application/json")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="")

    async with endpoint({"/actors": actors, "/metrics": metrics}) as url:
        yield url, watching


async def signalled(
    args: list[str], seen: asyncio.Event, sig: signal.Signals
) -> tuple[int | None, bytes, bytes]:
    """`python -m actorkit *args` in a subprocess, sent `sig` once `seen` is set (within
    30 s); returns its exit status, stdout, stderr.

    The command starts with `sig` at its default, as from a terminal: a suite run as a
    background job of a script has SIGINT ignored, which a child inherits across `exec` and
    Python then leaves ignored (asyncio's `Popen` keeps it; uvloop's spawn resets it)."""
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "actorkit", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=functools.partial(signal.signal, sig, signal.SIG_DFL),
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            await seen.wait()
    finally:
        command.send_signal(sig)
    out, err = await communicate(command)
    return command.returncode, out, err


async def top_until(url: str, seen: asyncio.Event) -> tuple[int | None, bytes, bytes]:
    """`top` live on `url`, polling every 50 ms, stopped by SIGTERM once `seen` is set (its
    endpoint sets it after the polls a test needs); returns its exit status, stdout, stderr."""
    return await signalled(["top", url, "--interval", "0.05"], seen, signal.SIGTERM)


TOP_ERROR = "python -m actorkit top: error: "
DEMO_ERROR = "python -m actorkit demo: error: "
JOURNAL_ERROR = "python -m actorkit journal: error: "
"""How each command's error lines begin (`actorkit._cli_errors`)."""
