"""A system on NATS over WebSocket (`ws://`) whose server stopped reading: nats-py's close
fails partway (its WebSocket transport cannot drain), and the shutdown must still leave
none of nats-py's tasks running nor its connection open, as over TCP (`test_nats_shutdown`).
Before, its subscriptions' tasks ran on, its aiohttp session stayed open, and then the
connection under its WebSocket response was left unreleased."""

from __future__ import annotations

import gc
import os
import signal
import warnings
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats, shut_down_frozen
from .processes import HeldPort
from .test_nats_shutdown import nats_py_tasks

pytestmark = requires_nats


# nats-py hands aiohttp a float timeout, which aiohttp deprecates.
@pytest.mark.filterwarnings("ignore:parameter 'timeout' of type 'float':DeprecationWarning")
async def test_shutdown_over_websocket_ends_though_the_server_stopped_reading(
    tmp_path: Path,
) -> None:
    ws = HeldPort(shared=True)
    own = NatsServer()
    own.configure(
        tmp_path / "ws.conf", f"websocket {{\n  listen: 127.0.0.1:{ws.port}\n  no_tls: true\n}}\n"
    )
    own.start()
    assert own.process is not None
    link = NatsTransport(f"ws://127.0.0.1:{ws.port}", connect_timeout=0.5)
    system = ActorSystem("frozen-ws", transport=link)
    try:
        await system.start()
        nc = link._link.nc  # noqa: SLF001
        assert nc is not None
        await shut_down_frozen(own, system)
        assert not nats_py_tasks()
        assert not link.connected
        session = getattr(nc._transport, "_client", None)  # noqa: SLF001  # aiohttp's
        assert session is None or session.closed
        del nc, session, link, system  # what is left is only what nats-py and aiohttp hold
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            gc.collect()
        assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
    finally:
        os.kill(own.process.pid, signal.SIGCONT)
        own.stop()
        ws.release()
