"""A ping (`_probes`) counts among the publishes to its subject only while it is out: once
it ended, answered or given up on, a refusal to that subject is another publish's, and ends
the request behind it. A ping ends whole: its refusal ends it whatever the case of its
subject, is taken from the pings once settled (a second refusal, read a turn later, is the
request's), and a ping that ends leaves no request of its own running."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest

from actorkit import NotDelivered
from actorkit._nats import _probes
from actorkit._nats._frames import OK

from .nats_refused_pings_support import LONG, Stand
from .nats_support import SAFETY


async def test_a_refusal_after_a_probe_was_answered_ends_the_request_behind_it() -> None:
    """The probe's ping was answered; the permission was revoked since: the next refusal is
    the request's, which fails at once, not a ping's that had ended."""
    stand = Stand()
    stand.connection.answer = SimpleNamespace(data=b"")
    async with asyncio.timeout(SAFETY):
        await stand.ping()
        assert await stand.answered() == []  # it answered: nothing given up on
        asked = stand.ask("after the probe")
        await asyncio.sleep(0)  # a turn: its publish
        stand.refuse()
        with pytest.raises(NotDelivered, match="never got the request"):
            await asked
    assert stand.link.rejected["send_failed"] == 1
    stand.close()


async def test_a_refusal_after_a_check_for_a_namesake_ended_ends_the_request_behind_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The check's ping was answered (by another system of the name, as it happens): a
    refusal to the subject after the check ended is a request's."""
    caplog.set_level(logging.ERROR, "actorkit")
    stand = Stand()
    own = "actorkit.actor.solo"
    async with asyncio.timeout(SAFETY):
        stand.probes.recheck("solo", "instance-1")
        await stand.connection.pinged.wait()
        codec = stand.link._core.codec  # noqa: SLF001
        await stand.connection.answered(SimpleNamespace(data=codec.encode([OK, "instance-2"])))
        rechecking = stand.probes._rechecking  # noqa: SLF001
        assert rechecking is not None
        await rechecking
        assert any("instance-2" in record.getMessage() for record in caplog.records)
        asked = stand.ask("after the check", to=own)
        await asyncio.sleep(0)  # a turn: its publish
        stand.refuse(own)
        with pytest.raises(NotDelivered, match="never got the request"):
            await asked
    stand.close()


async def test_a_refused_ping_to_a_subject_in_capitals_ends_naming_it_as_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """nats-py hands the server's error on lowercased: the refusal still ends the ping to
    `Far`, and its words name the subject as the ping sent it."""
    caplog.set_level(logging.WARNING, "actorkit")
    stand = Stand("actorkit.actor.Far")
    async with asyncio.timeout(SAFETY):
        await stand.ping()
        stand.refuse()
        assert await stand.answered() == [stand.far]
    said = [record.getMessage() for record in caplog.records]
    assert any("publish permission on 'actorkit.actor.Far'" in line for line in said), said
    assert stand.link.rejected["send_failed"] == 0  # the ping lost no message
    stand.close()


async def test_a_second_refusal_a_turn_after_the_pings_is_the_request_behind_it() -> None:
    """The two refusals read in two turns: the first ends the ping, which, settled, counts
    no longer, though the probe has yet to run on; the second is the request's."""
    stand = Stand()
    async with asyncio.timeout(SAFETY):
        await stand.ping()
        asked = stand.ask("behind the ping")
        await asyncio.sleep(0)  # a turn: its publish
        stand.refuse()
        await asyncio.sleep(0)  # the first settles: the ping's
        stand.refuse()
        with pytest.raises(NotDelivered, match="never got the request"):
            await asked
        assert await stand.answered() == [stand.far]
    assert stand.link.rejected["send_failed"] == 1
    stand.close()


async def test_a_ping_ended_by_the_link_dropping_leaves_no_request_of_it_running() -> None:
    stand = Stand()
    async with asyncio.timeout(SAFETY):
        await stand.ping()
        stand.probes.reset()  # the link dropped: the probe ends
        await stand.connection.cancelled.wait()
    stand.close()


async def test_a_refused_check_for_a_namesake_ends_at_the_refusal(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not when its wait for answers runs out: that wait is here far past the test's bound."""
    monkeypatch.setattr(_probes, "_NAMESAKE_WAIT", LONG)
    caplog.set_level(logging.WARNING, "actorkit")
    stand = Stand()
    own = "actorkit.actor.solo"
    async with asyncio.timeout(SAFETY):
        stand.probes.recheck("solo", "instance-1")
        await stand.connection.pinged.wait()
        stand.refuse(own)
        rechecking = stand.probes._rechecking  # noqa: SLF001
        assert rechecking is not None
        await rechecking
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 1 and f"publish permission on '{own}'" in said[0], said
    stand.close()
