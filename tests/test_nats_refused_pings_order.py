"""A ping (the name claim, the check for a namesake after a reconnect, the probe after an
outage) is a publish to a system's subject like a request's, and the server refuses it as it
would the request: the error line names only the subject. Each refusal is for the oldest
publish to that subject not yet refused, the pings counted among them in the order they left:
a ping's refusal ends the ping, not a request to the same subject that left after it (which
then lost its own refusal to a dead letter, counted twice), and a request's refusal ends the
request, not a ping behind it."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, cast

import nats.errors
import pytest

from actorkit import NotDelivered
from actorkit._nats._client import Client
from actorkit._nats._frames import ASK
from actorkit.nats import NatsTransport

from .nats_support import SAFETY

LONG = 60.0
"""Each wait's own bound (an ask's timeout, a probe's `buffer_timeout`): far past the test's,
so only what a refusal ends ends."""


class _Connection:
    """A stand-in requests' connection: records each publish, and leaves every ping
    unanswered until it is cancelled (the server refused it, or would not answer)."""

    def __init__(self) -> None:
        self.is_connected = True
        self.max_payload = 1 << 20
        self.published: list[tuple[str, str]] = []
        self.pinged = asyncio.Event()

    async def publish(self, subject: str, payload: bytes, reply: str = "") -> None:
        """A tell, a request (its reply to the transport's inbox), or the namesake check's
        ping (to an inbox of its own)."""
        if not reply:
            self.published.append(("tell", subject))
        elif reply.startswith("_INBOX.stand-in."):
            self.published.append(("request", subject))
        else:
            self.published.append(("ping", subject))
            self.pinged.set()

    async def request(self, subject: str, payload: bytes, timeout: float = 0.5) -> Any:
        self.published.append(("ping", subject))
        self.pinged.set()
        await asyncio.get_running_loop().create_future()  # no answer

    def new_inbox(self) -> str:
        return "_INBOX.namesakes"

    async def subscribe(self, subject: str, cb: Any = None) -> Any:
        async def unsubscribe() -> None:
            return None

        return SimpleNamespace(unsubscribe=unsubscribe)


class _Stand:
    """A transport, never started, on the stand-in connection, its replies' inbox in place."""

    def __init__(self) -> None:
        self.link = NatsTransport("nats://127.0.0.1:1", buffer_timeout=LONG)
        self.connection = _Connection()
        self.link._link.nc = cast(Client, self.connection)  # noqa: SLF001
        self.link._requests._inbox = "_INBOX.stand-in"  # noqa: SLF001
        self.probes = self.link._probes  # noqa: SLF001
        self.far = "actorkit.actor.far"

    def ask(self, message: object) -> asyncio.Future[Any]:
        return asyncio.ensure_future(
            self.link.request(self.far, ASK, "/k", "far:/k", message, LONG)
        )

    def refuse(self, subject: str | None = None) -> None:
        refused = self.link._link.refused_publish  # noqa: SLF001
        assert refused is not None
        error = f'nats: permissions violation for publish to "{subject or self.far}"'
        assert refused(nats.errors.Error(error))

    async def ping(self) -> None:
        """A probe of `far`, as after an outage, until its ping is out."""
        self.probes.start_all([self.far])
        await self.connection.pinged.wait()

    async def answered(self) -> list[str]:
        """What the probe of `far` came to: given up on (`[far]`) once its ping ended."""
        return await self.probes.answers({self.far}, asyncio.Event())

    async def settled(self) -> None:
        """A turn for the refusals' settling (`call_soon`), and one for what they ended."""
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    def close(self) -> None:
        self.probes.reset()
        self.link._requests.close("the test ended")  # noqa: SLF001


async def test_a_ping_out_ahead_of_a_request_takes_the_first_refusal() -> None:
    stand = _Stand()
    async with asyncio.timeout(SAFETY):
        await stand.ping()
        asked = stand.ask("behind the ping")
        await asyncio.sleep(0)  # a turn: its publish
        assert stand.connection.published == [("ping", stand.far), ("request", stand.far)]
        stand.refuse()
        await stand.settled()
        assert not asked.done()  # the ping's refusal: the request's own is yet to come
        assert await stand.answered() == [stand.far]
        stand.refuse()
        with pytest.raises(NotDelivered, match="never got the request"):
            await asked
    assert stand.link.rejected["send_failed"] == 1  # the request; the ping lost no message
    stand.close()


async def test_a_request_out_ahead_of_a_ping_takes_the_first_refusal_and_the_ping_the_next() -> (
    None
):
    stand = _Stand()
    async with asyncio.timeout(SAFETY):
        asked = stand.ask("ahead of the ping")
        await asyncio.sleep(0)  # a turn: its publish
        await stand.ping()
        assert stand.connection.published == [("request", stand.far), ("ping", stand.far)]
        stand.refuse()
        with pytest.raises(NotDelivered, match="never got the request"):
            await asked
        stand.refuse()
        assert await stand.answered() == [stand.far]
    assert stand.link.rejected["send_failed"] == 1  # no dead letter for the ping's refusal
    stand.close()


async def test_a_request_queued_as_the_ping_left_and_sent_after_it_counts_after_it() -> None:
    """Queued behind a tell to another target when the ping left (the request's reply was
    awaited from then), handed to nats-py after it: the server refuses the ping first."""
    stand = _Stand()
    outbox = stand.link._outbox  # noqa: SLF001  (its writer never runs unless called)
    async with asyncio.timeout(SAFETY):
        outbox.tell("actorkit.actor.near", "/k", "near:/k", "ahead")
        asked = stand.ask("queued")
        await asyncio.sleep(0)  # a turn: it queues behind the tell
        await stand.ping()
        outbox._write_run()  # noqa: SLF001  (the writer's turn: the tell and the request)
        first, *then = stand.connection.published
        assert first == ("ping", stand.far)
        assert sorted(then) == [("request", stand.far), ("tell", "actorkit.actor.near")]
        stand.refuse()
        assert await stand.answered() == [stand.far]
        assert not asked.done()
        stand.refuse()
        with pytest.raises(NotDelivered, match="never got the request"):
            await asked
    assert stand.link.rejected["send_failed"] == 1
    stand.close()


async def test_a_refused_check_for_a_namesake_says_which_permission_to_grant(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a reconnect the system pings its own subject for another system answering
    under its name: refused (its permission revoked since the start), the check ends at once,
    saying so and what to grant, rather than passing as if nobody else answered."""
    caplog.set_level(logging.WARNING, "actorkit")
    stand = _Stand()
    own = "actorkit.actor.solo"
    async with asyncio.timeout(SAFETY):
        stand.probes.recheck("solo", "instance-1")
        await stand.connection.pinged.wait()
        assert stand.connection.published == [("ping", own)]
        stand.refuse(own)
        rechecking = stand.probes._rechecking  # noqa: SLF001
        assert rechecking is not None
        await rechecking
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 1, said
    assert f"publish permission on '{own}'" in said[0] and "another system" in said[0], said
    assert stand.link.rejected["send_failed"] == 0  # no message of the system's was lost
    stand.close()
