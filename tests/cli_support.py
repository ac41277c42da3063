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


class Polls:
    """Counts the polls of one path of a stand-in endpoint: a call is a poll and gives its
    number; `third` is set at the third, when `top` is watching."""

    def __init__(self) -> None:
        self.count = 0
        self.third = asyncio.Event()

    def __call__(self) -> int:
        self.count += 1
        if self.count == 3:
            self.third.set()
        return self.count


async def no_metrics(request: web.Request) -> web.Response:
    return web.Response(text="")


def tree_of(tree: dict[str, Any], polls: Polls) -> Handler:
    """An `/actors` answering `tree`, each answer counted in `polls`."""

    async def actors(request: web.Request) -> web.Response:
        polls()
        return web.Response(text=json.dumps(tree), content_type="application/json")

    return actors


@contextlib.asynccontextmanager
async def watched(tree: dict[str, Any]) -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A stand-in system for `top`, answering `tree` on `/actors` and no metrics; yields its
    URL and an event set at the third poll of `/actors`, once `top` is watching it."""
    polls = Polls()
    async with endpoint({"/actors": tree_of(tree, polls), "/metrics": no_metrics}) as url:
        yield url, polls.third


async def watch_until(url: str, event: asyncio.Event) -> None:
    """`top` watching `url` in this process, a poll every 10 ms, until `event`; then it is
    cancelled, which is how it ends."""
    from actorkit._top import top

    watching = asyncio.ensure_future(top(url, 0.01, False))
    await event.wait()
    watching.cancel()
    try:
        await watching
    except asyncio.CancelledError:
        return
    raise AssertionError(f"top watching {url} returned by itself")


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
