"""A transport told to use TLS (a `tls://` URL, or a `tls=` context) never talks to a server in
plain text: nats-py 2.16 upgrades a connection only when the server's INFO requires TLS, so a
server without TLS (misconfigured, or a host answering in its place) was sent the credentials
in clear, and the system ran unencrypted without a word."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats, server_certificate

_INFO = {"server_id": "plain", "version": "2.9.10", "max_payload": 1_048_576, "auth_required": True}


class PlainServer:
    """Speaks NATS's first line only: an INFO without `tls_required`, then keeps every byte
    a client writes, which is where credentials sent in clear would show."""

    def __init__(self) -> None:
        self.heard = bytearray()
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> PlainServer:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"INFO " + json.dumps(_INFO).encode() + b"\r\n")
        try:
            while chunk := await reader.read(4096):
                self.heard += chunk
        except ConnectionError:
            pass
        finally:
            writer.close()


@pytest.mark.parametrize(
    ("scheme", "asked"),
    [("tls", "tls"), ("nats", "tls"), ("tls", "tls_hostname"), ("nats", "tls_hostname")],
)
async def test_a_server_without_tls_is_refused_before_it_hears_the_credentials(
    scheme: str, asked: str
) -> None:
    """`tls_hostname` names the host a TLS certificate must be for: TLS is asked for too."""
    told: dict[str, object] = (
        {"tls": ssl.create_default_context()}
        if asked == "tls"
        else {"tls_hostname": "nats.internal"}
    )
    async with asyncio.timeout(10), PlainServer() as plain:
        link = NatsTransport(
            f"{scheme}://127.0.0.1:{plain.port}",
            user="actor",
            password="s3cret",
            connect_timeout=5,
            **told,  # type: ignore[arg-type]
        )
        system = ActorSystem("careful", transport=link)
        started = asyncio.get_running_loop().time()
        with pytest.raises(ConnectionRefusedError, match="does not require TLS") as refused:
            await system.start()
        assert asyncio.get_running_loop().time() - started < 2  # at once: retrying cannot cure it
        assert "tls" in str(refused.value)  # what to change: the server, or the transport
        assert b"s3cret" not in plain.heard
        assert b"CONNECT" not in plain.heard


@requires_nats
async def test_a_tls_url_without_a_context_is_refused_by_a_plain_nats_server() -> None:
    server = NatsServer()
    server.start()
    try:
        url = server.url.replace("nats://", "tls://")
        system = ActorSystem("careful", transport=NatsTransport(url, connect_timeout=2))
        async with asyncio.timeout(10):
            with pytest.raises(ConnectionRefusedError, match="does not require TLS"):
                await system.start()
        async with ActorSystem("plain", transport=NatsTransport(server.url)) as plain:
            assert plain.remote("plain", "/x").is_alive  # a nats:// URL alone still runs plain
    finally:
        server.stop()


@requires_nats
async def test_a_server_that_comes_back_without_tls_is_not_reconnected_to(tmp_path: Path) -> None:
    certified = server_certificate(tmp_path)
    server = NatsServer("--tls", "--tlscert", str(certified.cert), "--tlskey", str(certified.key))
    server.start()
    trusting = certified.trusting()
    url = f"tls://127.0.0.1:{server.port}"
    try:
        link = NatsTransport(url, tls=trusting, reconnect_time_wait=0.05)
        async with asyncio.timeout(15), ActorSystem("careful", transport=link):
            server.stop()
            server.args = ()  # the same port, without TLS
            server.start()
            await link.link_down.wait()
            with pytest.raises(TimeoutError):  # many attempts, each refused before CONNECT
                async with asyncio.timeout(1.5):
                    await link.link_up.wait()
            assert link.health()["state"] == "reconnecting"
    finally:
        server.stop()


def test_a_tls_context_with_plain_websocket_urls_is_refused_as_the_transport_is_built() -> None:
    """nats-py speaks TLS over a websocket only for `wss://`: with `ws://` it ignored `tls=`."""
    context = ssl.create_default_context()
    with pytest.raises(ValueError, match=r"ws://.*not encrypted.*wss://"):
        NatsTransport(["ws://127.0.0.1:1", "wss://127.0.0.1:2"], tls=context)
    NatsTransport("wss://127.0.0.1:1", tls=context)
    NatsTransport("ws://127.0.0.1:1")
