"""A server that verifies its clients' certificates refuses one under TLS 1.3 after the
handshake, when this client may have sent CONNECT already: its close then resets the
connection, and the alert naming the refusal is lost. `start()` still raises
`ConnectionRefusedError` at once, instead of trying again until `connect_timeout` and calling
NATS unreachable. On Python 3.12 and later most such refusals of a real server read this way:
nats-py's `wait_for` no longer gives the loop the turns in which 3.11 read the alert first."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import struct

import pytest
import trustme

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

_INFO = {"server_id": "fake", "proto": 1, "tls_required": True, "max_payload": 1 << 20}


async def _refuses_after_handshake(verify: bool) -> tuple[asyncio.Server, trustme.CA]:
    """A server that sends INFO, completes TLS, then resets the connection unread: a refused
    client certificate as the client sees it when CONNECT reached the server before its close."""
    ca = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(served)
    info = json.dumps({**_INFO, "tls_verify": verify}).encode()

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"INFO " + info + b"\r\n")
        await writer.drain()
        await writer.start_tls(served)
        await reader.readline()  # CONNECT, so the close below resets the connection
        raw = writer.get_extra_info("socket")
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    return server, ca


def _link(server: asyncio.Server, ca: trustme.CA, connect_timeout: float) -> NatsTransport:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    port = server.sockets[0].getsockname()[1]
    return NatsTransport(f"tls://127.0.0.1:{port}", tls=trusting, connect_timeout=connect_timeout)


async def test_a_reset_right_after_the_handshake_of_a_verifying_server_is_a_refusal() -> None:
    server, ca = await _refuses_after_handshake(verify=True)
    async with server:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(10):
            with pytest.raises(ConnectionRefusedError, match=r"refused system 'mtls'.*TLS"):
                await ActorSystem("mtls", transport=_link(server, ca, 5)).start()
        assert loop.time() - started < 2.5  # not retried until connect_timeout


async def test_a_reset_from_a_server_that_verifies_no_client_is_no_refusal() -> None:
    server, ca = await _refuses_after_handshake(verify=False)
    async with server:
        async with asyncio.timeout(10):
            with pytest.raises(ConnectionError) as raised:
                await ActorSystem("plain", transport=_link(server, ca, 1)).start()
        assert not isinstance(raised.value, ConnectionRefusedError)
