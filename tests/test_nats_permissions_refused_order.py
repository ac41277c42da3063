"""Which request a refusal ends, with the server stood in for: the error line names only the
subject, and the server reads one connection's publishes in order, so a refusal is for the
oldest request to that subject it has not refused yet. Each refusal ends one request, the
oldest still waiting that nats-py was handed: not a newer one (whose publish the server may
have let through, a permission granted meanwhile), not one its caller gave up on as the
refusal came, not one parked while the connection was down; and it counts once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import nats.errors
import pytest

from actorkit import NotDelivered
from actorkit._nats._client import Client
from actorkit._nats._core import Core
from actorkit._nats._frames import ASK
from actorkit._nats._outbound import Outbox
from actorkit._nats._probes import Probes
from actorkit._nats._refused_publish import RefusedPublishes

from .nats_support import SAFETY
from .test_nats_outbox import connected_link, listening


class _Stand:
    """A core, its requests and refusals, on a stand-in connection that records what is
    published; the outbox's writer never runs unless a test calls it."""

    def __init__(self) -> None:
        self.published: list[str] = []
        self.connection = SimpleNamespace(
            is_connected=True, max_payload=1 << 20, publish=self._publish
        )
        link = connected_link()
        link.nc = cast(Client, self.connection)
        self.core = Core("actorkit", link)
        probes = cast(Probes, SimpleNamespace(confirmed=set()))
        self.outbox = Outbox(self.core, probes, max_buffered=10)
        self.requests = listening(self.core, self.outbox)
        self.refused = RefusedPublishes(self.core, self.requests)
        self.far = self.core.actor_subject("far")

    async def _publish(self, subject: str, payload: bytes, reply: str = "") -> None:
        self.published.append(subject)

    def ask(self, message: object) -> asyncio.Future[Any]:
        return asyncio.ensure_future(
            self.requests.request(self.far, ASK, "/k", "far:/k", message, SAFETY)
        )

    def refuse(self) -> None:
        refusal = nats.errors.Error(f'nats: permissions violation for publish to "{self.far}"')
        assert self.refused.heard(refusal)

    async def settled(self) -> None:
        """A turn for the refusals' settling (`call_soon`), and one for the ended asks."""
        await asyncio.sleep(0)
        await asyncio.sleep(0)


async def test_a_refusal_ends_the_oldest_request_to_its_subject_and_counts_once() -> None:
    stand = _Stand()
    older, newer = stand.ask("older"), stand.ask("newer")
    await asyncio.sleep(0)  # a turn, not a wait for time: both publish
    assert stand.published == [stand.far, stand.far]
    stand.refuse()
    await stand.settled()
    assert older.done() and not newer.done()
    assert stand.core.rejected["send_failed"] == 1
    stand.refuse()
    async with asyncio.timeout(SAFETY):
        for ended in (older, newer):
            with pytest.raises(NotDelivered, match="never got the request"):
                await ended
    assert stand.core.rejected["send_failed"] == 2
    stand.requests.close("the test ended")


async def test_a_request_given_up_on_as_its_refusal_came_is_passed_over() -> None:
    """The caller's cancellation ends its request's wait in the turn the refusal came in,
    before its task has run to forget the request: the refusal ends the next one instead of
    failing on the ended one and losing its count."""
    stand = _Stand()
    first, second = stand.ask("first"), stand.ask("second")
    await asyncio.sleep(0)  # a turn: both publish
    stand.refuse()
    first.cancel()
    await stand.settled()
    assert first.cancelled() and second.done()
    async with asyncio.timeout(SAFETY):
        with pytest.raises(NotDelivered, match="never got the request"):
            await second
    assert stand.core.rejected["send_failed"] == 1
    stand.requests.close("the test ended")


async def test_a_refusal_ends_no_request_parked_while_the_connection_is_down() -> None:
    """Queued behind a tell, then parked by the writer as the connection went down: nats-py
    never had it, so the server cannot have refused it."""
    stand = _Stand()
    out = stand.ask("out")
    await asyncio.sleep(0)  # a turn: its publish
    stand.outbox.tell(stand.far, "/k", "far:/k", "ahead")
    parked = stand.ask("parked")
    await asyncio.sleep(0)  # a turn: it queues behind the tell
    stand.connection.is_connected = False
    stand.outbox._write_run()  # noqa: SLF001  (the writer's turn: both parked, none sent)
    assert stand.published == [stand.far] and len(stand.outbox) == 2
    stand.refuse()
    stand.refuse()
    await stand.settled()
    async with asyncio.timeout(SAFETY):
        with pytest.raises(NotDelivered, match="never got the request"):
            await out
    assert not parked.done() and stand.core.rejected["send_failed"] == 2
    stand.requests.close("the test ended")  # still parked: certainly not sent
    with pytest.raises(NotDelivered, match="before it left the outbound queue"):
        await parked
