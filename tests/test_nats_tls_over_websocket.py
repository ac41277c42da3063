"""`wss://` with `tls=`: TLS is the WebSocket's own, under NATS's INFO, which then need not
say `tls_required`; the refusal of a server without TLS (`test_nats_tls_wanted`) is for the
`tls://` and `nats://` schemes only, and a TLS WebSocket connects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats, server_certificate
from .processes import HeldPort

pytestmark = requires_nats


# nats-py hands aiohttp a float timeout, which aiohttp deprecates.
@pytest.mark.filterwarnings("ignore:parameter 'timeout' of type 'float':DeprecationWarning")
async def test_a_tls_websocket_with_a_tls_context_connects(tmp_path: Path) -> None:
    certified = server_certificate(tmp_path)
    cert, key = certified.cert, certified.key
    ws = HeldPort(shared=True)
    server = NatsServer()
    server.configure(
        tmp_path / "wss.conf",
        f'websocket {{\n  listen: 127.0.0.1:{ws.port}\n  tls {{ cert_file: "{cert}"\n'
        f'    key_file: "{key}" }}\n}}\n',
    )
    server.start()
    trusting = certified.trusting()
    try:
        link = NatsTransport(f"wss://127.0.0.1:{ws.port}", tls=trusting, connect_timeout=5)
        async with asyncio.timeout(15), ActorSystem("secure", transport=link) as system:
            assert link.connected
            assert system.remote("secure", "/x").is_alive
    finally:
        server.stop()
        ws.release()
