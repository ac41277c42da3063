"""The command line run as a user would, in a subprocess, and a stand-in HTTP endpoint for
`top` to read, for the tests of several commands."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web


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
