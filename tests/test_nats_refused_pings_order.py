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

import pytest

from actorkit import NotDelivered

from .nats_refused_pings_support import Stand
from .nats_support import SAFETY


async def test_a_ping_out_ahead_of_a_request_takes_the_first_refusal() -> None:
    stand = Stand()
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
    stand = Stand()
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
    stand = Stand()
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
    stand = Stand()
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
