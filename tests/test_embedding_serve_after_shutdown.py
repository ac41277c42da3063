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


async def test_an_endpoint_the_shutdown_overtook_in_its_bind_is_closed_as_refused() -> None:
    with socket.socket() as probe:  # a port known before the bind: a refused one has no server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    system = ActorSystem("app")
    await system.start()
    serving = asyncio.create_task(system.serve_http(port=port))
    await asyncio.sleep(0)  # past its check, on its way (importing, binding)
    async with asyncio.timeout(10):
        await system.shutdown()
        with pytest.raises(ActorStopped, match="'app' is shut down"):
            await serving
        with pytest.raises(OSError):  # it bound, and was closed before the refusal
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
