"""`serve_http` on a system that has shut down (in this loop, or in an `asyncio.run` that
ended) refuses with `ActorStopped` before binding anything. It bound first and refused after:
with the port taken (its default 9464 by another process), the caller was told to pick
another port, about a system that would serve nothing on any."""

from __future__ import annotations

import asyncio
import socket

import pytest

from actorkit import ActorStopped, ActorSystem


async def test_serve_http_on_a_shut_down_system_refuses_before_binding() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with asyncio.timeout(10):
            system = ActorSystem("app")
            await system.start()
            await system.shutdown()
            with pytest.raises(ActorStopped, match="'app' is shut down"):
                await system.serve_http(port=port)
