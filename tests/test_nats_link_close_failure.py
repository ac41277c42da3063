"""One NATS connection whose close fails unexpectedly still lets the other close before
the shutdown reports the failure: neither connection may outlive the system."""

from __future__ import annotations

import asyncio
import logging

import nats.errors
import pytest

from actorkit import ActorSystem

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


async def test_a_connection_whose_close_fails_leaves_the_other_closed(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = await ActorSystem("half", transport=transport(own)).start()
    link = link_of(system)._link  # noqa: SLF001 (both connections; health() tells of one)
    assert link.nc is not None and link.topics is not None
    close = link.nc.close  # the test's own, after: a connection left open hangs the loop

    async def failing() -> None:
        raise RuntimeError("a bug in the client's close")

    monkeypatch.setattr(link.nc, "close", failing)
    async with asyncio.timeout(SAFETY):
        try:
            with pytest.raises(RuntimeError, match="a bug in the client's close"):
                await system.shutdown()
            assert link.topics.is_closed
        finally:
            await close()


@pytest.mark.parametrize(
    "failure", [ConnectionResetError("reset by peer"), nats.errors.Error("nats: gone")]
)
async def test_a_close_failing_on_the_network_is_logged_and_the_shutdown_ends(
    own: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
) -> None:
    """A socket error or a nats-py error as a connection closes is the network's, not a
    bug: the shutdown does not raise it."""
    caplog.set_level(logging.INFO, "actorkit")
    system = await ActorSystem("half", transport=transport(own)).start()
    link = link_of(system)._link  # noqa: SLF001
    assert link.nc is not None
    close = link.nc.close

    async def failing() -> None:
        raise failure

    monkeypatch.setattr(link.nc, "close", failing)
    try:
        async with asyncio.timeout(SAFETY):
            await system.shutdown()
    finally:
        await close()
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert f"half: closing a NATS connection failed: {failure!r}" in said
