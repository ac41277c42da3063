"""serve_http's binding: a host that never resolves, a host of two addresses on port 0, and
the advice given with an address or a port it cannot bind."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from actorkit import ActorSystem


async def test_serve_http_gives_up_on_a_host_that_never_resolves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("uvloop resolves inside its C code: no resolver to replace")
    never = loop.create_future()

    async def unanswered(*args: object, **kwargs: object) -> Any:
        return await never

    monkeypatch.setattr(loop, "getaddrinfo", unanswered)
    monkeypatch.setattr("actorkit._http.BIND_TIMEOUT", 0.05)
    async with ActorSystem() as system:
        with pytest.raises(TimeoutError, match=r"cannot serve on slow\.example:0.*over 0\.05 s"):
            async with asyncio.timeout(5):  # the test's own bound: a bare TimeoutError
                await system.serve_http(host="slow.example", port=0)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_port_zero_on_a_host_of_two_addresses_serves_both_on_the_port_it_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`localhost` is 127.0.0.1 and ::1 on many hosts; asyncio gives each address its own
    free port, and `.port` (so `.url`, and a scrape config built from it) named one."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("uvloop resolves inside its C code: no resolver to replace")
    if not ipv6_loopback():
        pytest.skip("no IPv6 loopback on this host")
    resolve = loop.getaddrinfo

    async def dual(host: bytes | str | None, *args: Any, **kwargs: Any) -> Any:
        if host != "dual.example":
            return await resolve(host, *args, **kwargs)
        return [
            *await resolve("127.0.0.1", *args, **kwargs),
            *await resolve("::1", *args, **kwargs),
        ]

    monkeypatch.setattr(loop, "getaddrinfo", dual)
    async with asyncio.timeout(10), ActorSystem() as system, aiohttp.ClientSession() as session:
        server = await system.serve_http(host="dual.example", port=0)
        for address in ("127.0.0.1", "[::1]"):
            async with session.get(f"http://{address}:{server.port}/healthz") as response:
                assert response.status == 200


async def test_an_address_of_another_host_is_refused_with_advice() -> None:
    async with ActorSystem() as system:
        with pytest.raises(OSError, match=r"192\.0\.2\.1:0: .*; pass an address of this host") as e:
            await system.serve_http(host="192.0.2.1", port=0)  # TEST-NET-1: never local
    assert e.value.errno == errno.EADDRNOTAVAIL


async def test_a_port_that_needs_privileges_is_refused_with_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a user other than root binding port 80 is refused."""

    async def refused(self: web.TCPSite) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(web.TCPSite, "start", refused)
    async with ActorSystem() as system:
        with pytest.raises(OSError, match=r":80: Permission denied; .* from 1024 up \(or port=0\)"):
            await system.serve_http(port=80)


async def test_port_zero_on_two_addresses_fails_on_a_rebind_the_host_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only a port taken on another address is worth binding anew: any other failure of
    the rebind on the first address's port is the caller's, at once, not after the bind
    timeout."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("uvloop resolves inside its C code: no resolver to replace")
    resolve = loop.getaddrinfo

    async def two(host: bytes | str | None, *args: Any, **kwargs: Any) -> Any:
        if host != "two.example":
            return await resolve(host, *args, **kwargs)
        return [  # both of this host (127/8 is loopback): port 0 gives each its own port
            *await resolve("127.0.0.1", *args, **kwargs),
            *await resolve("127.0.0.2", *args, **kwargs),
        ]

    create_server = loop.create_server

    async def refused_rebind(factory: Any, host: Any = None, port: Any = None, **kw: Any) -> Any:
        if port:  # the rebind on the first address's port
            raise OSError(errno.EACCES, "Permission denied")
        return await create_server(factory, host, port, **kw)

    monkeypatch.setattr(loop, "getaddrinfo", two)
    monkeypatch.setattr(loop, "create_server", refused_rebind)
    async with asyncio.timeout(10), ActorSystem() as system:
        with pytest.raises(OSError, match=r"two\.example:0: Permission denied; .* from 1024 up"):
            await system.serve_http(host="two.example", port=0)


async def test_serve_http_cancelled_while_its_bind_fails_is_cancelled_and_leaves_nothing() -> None:
    """The cancel waits for the bind, which fails (the port is taken): the caller sees its
    cancellation, and the bind's error is neither raised nor logged as never retrieved."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        async with asyncio.timeout(10), ActorSystem() as system:
            serving = asyncio.create_task(system.serve_http(port=port))
            await asyncio.sleep(0)  # one step: it waits for its bind
            serving.cancel()
            with pytest.raises(asyncio.CancelledError):
                await serving
            assert await system.serve_http(port=0)  # and the system serves on
