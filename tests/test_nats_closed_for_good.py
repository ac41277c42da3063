"""One of the transport's two connections closed for good (a finite `max_reconnect_attempts`
ran out) while the other is still up: the transport is closed for good as a whole, as the
docs promise, whichever connection went first; the log says it once, and the shutdown that
follows closes the survivor without a word."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, NotDelivered
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


def _said(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


async def test_the_topics_connection_closed_for_good_closes_the_transport(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "actorkit")
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("halved", transport=link) as system:
        system.expose(await system.spawn(Echo, name="echo"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        echo = system.remote("halved", "/echo")
        assert await echo.ask("before", timeout=SAFETY) == "before"
        topics = link._link.topics  # noqa: SLF001
        assert topics is not None
        await topics.close()  # what nats-py does once its reconnect attempts ran out
        assert link.health()["state"] == "closed"
        assert not link.connected
        with pytest.raises(NotDelivered, match=r"closed for good.*max_reconnect_attempts"):
            await echo.ask("after", timeout=SAFETY)
        with pytest.raises(NotDelivered, match="closed for good"):
            await echo.send("after")
        echo.tell("after")
        assert (await letters.receive(timeout=SAFETY)).reason == "transport_closed"
        assert _said(caplog, "closed for good") == 1
        assert _said(caplog, "reconnecting") == 0  # a closed connection does not reconnect
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "halved: the NATS connection closed for good"
    ]


async def test_a_give_up_warns_of_each_lost_connection_once(
    own: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """nats-py calls `disconnected_cb` again as it closes for good: that is no second loss,
    and nothing reconnects after it."""
    caplog.set_level(logging.WARNING, "actorkit")
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("doomed", transport=link) as system:
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        own.stop()
        await link.link_down.wait()
        system.remote("ghost", "/x").tell("buffered")
        assert (await letters.receive(timeout=SAFETY)).reason == "transport_closed"
        assert _said(caplog, "lost its NATS connection") <= 1
        assert _said(caplog, "lost its NATS topics connection") <= 1
    assert _said(caplog, "closed for good") == 1
