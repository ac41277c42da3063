"""serve_http(port=0) on a host name of several addresses: the port asyncio found free on the
first address may be taken on another (a listener on ::1 only), which port=0 must not fail on."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest

from actorkit import ActorSystem


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_port_zero_finds_another_port_when_its_first_is_taken_on_another_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, the rebind on the first address's port raised 'the port is in use: pass
    port=0', to a caller who had passed port=0."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("uvloop resolves inside its C code: no resolver to replace")
    if not _ipv6_loopback():
        pytest.skip("no IPv6 loopback on this host")
    resolve = loop.getaddrinfo
    blockers: list[socket.socket] = []

    async def dual(host: bytes | str | None, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "dual.example":
            return await resolve(host, port, *args, **kwargs)
        if port and not blockers:  # the rebind on the port 127.0.0.1 got: take it on ::1
            blocker = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            blocker.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            blocker.bind(("::1", int(port)))
            blocker.listen()
            blockers.append(blocker)
        return [
            *await resolve("127.0.0.1", port, *args, **kwargs),
            *await resolve("::1", port, *args, **kwargs),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", dual)
    try:
        async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
            server = await system.serve_http(host="dual.example", port=0)
            assert blockers, "the rebind did not resolve the host again"
            assert server.port != blockers[0].getsockname()[1]
            for address in ("127.0.0.1", "[::1]"):
                async with session.get(f"http://{address}:{server.port}/healthz") as response:
                    assert response.status == 200
    finally:
        for blocker in blockers:
            blocker.close()
