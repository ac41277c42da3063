"""One NATS connection whose close fails unexpectedly still lets the other close before
the shutdown reports the failure: neither connection may outlive the system."""

from __future__ import annotations

import asyncio

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
