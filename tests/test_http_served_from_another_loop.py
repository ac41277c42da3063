"""`serve_http` run on an event loop in another thread is refused with `RuntimeError` saying
how to hand it to the system's loop, before anything is bound, as `spawn` and `submit` are
(docs/api.md §1). Before, it bound an endpoint on that other loop: its handlers walked the
actors, and read the histograms only the system's loop may fold, from another thread while
the actors ran, the race docs/observability.md warns of for `start_http_server`."""

from __future__ import annotations

import asyncio
import socket

from actorkit import ActorSystem

from .test_embedding_wrong_thread import HANDED, on_another_loop
from .test_obshunt_healthz_failure import Crash, failed_by


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_serve_http_run_on_another_event_loop_is_refused_and_binds_nothing() -> None:
    port = _free_port()
    async with asyncio.timeout(10), ActorSystem("watched") as system:
        error = await on_another_loop(lambda: system.serve_http(port=port))
        assert isinstance(error, RuntimeError), error
        assert "system.serve_http() of actor system 'watched'" in str(error)
        assert "another event loop" in str(error) and HANDED in str(error)
        server = await system.serve_http(port=port)  # the port was never taken
        assert server.port == port


async def test_serve_http_after_a_root_failure_is_refused_on_another_event_loop_too() -> None:
    """A system whose root failed still serves (503 on `/healthz`) and takes new endpoints,
    on its own loop only."""
    async with asyncio.timeout(10), failed_by(Crash) as (system, status, _):
        assert status == 503
        error = await on_another_loop(lambda: system.serve_http(port=0))
        assert isinstance(error, RuntimeError), error
        assert "another event loop" in str(error)
