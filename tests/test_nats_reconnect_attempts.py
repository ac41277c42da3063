"""What counts as a failed reconnection attempt: only an attempt that nats-py made and that
failed. nats-py reports other errors from its reconnection too (a `reconnect_to_server_handler`
that raised, the lost connection's socket failing to close); they are logged, not counted, so
an outage's count and "at its first attempt" stay true."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorSystem

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class _BringsTheServerBack:
    """Asked first which server to try, it starts the server again and raises: every attempt
    after that one reaches a server that is up."""

    def __init__(self, server: NatsServer) -> None:
        self.server = server
        self.raised = False

    def __call__(self, servers: list[Any], info: dict[str, Any]) -> tuple[Any, float]:
        if not self.raised:
            self.raised = True
            self.server.start()
            raise RuntimeError("server selection failed on purpose")
        return None, 0.0


async def test_an_error_of_the_reconnection_that_was_no_attempt_is_not_counted(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "actorkit")
    handler = _BringsTheServerBack(own)
    link = transport(own, reconnect_to_server_handler=handler)
    async with asyncio.timeout(SAFETY), ActorSystem("picky", transport=link):
        own.stop()
        await link.link_down.wait()
        await link.link_up.wait()
    assert handler.raised
    said = [r.getMessage() for r in caplog.records]
    assert any("server selection failed on purpose" in line for line in said), said
    back = [line for line in said if "reconnected to NATS" in line]
    assert back, said
    assert all(line.endswith("at its first attempt") for line in back), back
