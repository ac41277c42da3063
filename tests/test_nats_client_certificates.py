"""A server that verifies its clients' certificates (mutual TLS, nats-server `--tlsverify`)
and refuses this one's (none given, or one from a CA it does not trust) refuses credentials:
`start()` raises `ConnectionRefusedError` at once, as for a wrong password, instead of trying
again until `connect_timeout` and reporting a `ConnectionError` as if NATS were unreachable."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats, server_certificate

pytestmark = requires_nats


@pytest.fixture
def verifying(tmp_path: Path) -> Iterator[tuple[NatsServer, trustme.CA]]:
    certified = server_certificate(tmp_path)
    ca, authority = certified.ca, tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(authority))
    server = NatsServer(
        "--tlsverify",
        *("--tlscert", str(certified.cert), "--tlskey", str(certified.key)),
        *("--tlscacert", str(authority)),
    )
    server.start()
    try:
        yield server, ca
    finally:
        server.stop()


def _context(ca: trustme.CA, client: trustme.CA | None) -> ssl.SSLContext:
    """Trusts the server; carries a client certificate issued by `client`, if given."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    if client is not None:
        client.issue_cert("client").configure_cert(context)
    return context


@pytest.mark.parametrize("client", ["none", "untrusted"])
async def test_a_client_certificate_the_server_refuses_fails_start_at_once(
    verifying: tuple[NatsServer, trustme.CA], client: str
) -> None:
    server, ca = verifying
    issuer = trustme.CA() if client == "untrusted" else None
    url = f"tls://127.0.0.1:{server.port}"
    link = NatsTransport(url, tls=_context(ca, issuer), connect_timeout=5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(10):
        with pytest.raises(ConnectionRefusedError, match=r"refused system 'mtls'.*TLS"):
            await ActorSystem("mtls", transport=link).start()
    assert loop.time() - started < 2.5  # not retried until connect_timeout


async def test_a_client_certificate_the_server_trusts_is_let_in(
    verifying: tuple[NatsServer, trustme.CA],
) -> None:
    server, ca = verifying
    link = NatsTransport(f"tls://127.0.0.1:{server.port}", tls=_context(ca, ca))
    async with asyncio.timeout(10), ActorSystem("mtls", transport=link) as system:
        assert system.remote("mtls", "/x").is_alive
