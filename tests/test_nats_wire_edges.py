"""What the codec and the subjects meet at the edge of NATS: text UTF-8 cannot encode in a
reply or an error, and a topic too long for a NATS subject."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._nats._frames import error_frame, rebuild_error
from actorkit._top_frame import NotAnEndpoint
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats

SURROGATE = "file-\udcff.txt"
"""What `os.fsdecode` makes of a file name whose bytes are not UTF-8."""


class Surrogates(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "raise":
            raise ValueError(SURROGATE)
        return SURROGATE


async def test_a_reply_or_an_error_holding_a_lone_surrogate_reaches_the_asker_at_once(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The reply's encoding failed with UnicodeEncodeError, and so did the error frame sent
    in its place (its args held the same text): the asker waited for its timeout."""
    # The crash report's traceback holds the surrogate, which pytest-xdist cannot carry.
    caplog.set_level(logging.CRITICAL, "actorkit")
    async with ActorSystem("surrogates", transport=transport(server)) as system:
        system.expose(await system.spawn(Surrogates, name="s"))
        remote = system.remote("surrogates", "/s")
        with pytest.raises(TypeError, match="lone surrogate"):
            await remote.ask("reply", timeout=SAFETY)
        with pytest.raises(ValueError, match=r"file-\\udcff\.txt"):
            await remote.ask("raise", timeout=SAFETY)
        with pytest.raises(TypeError, match="lone surrogate"):
            remote.tell(SURROGATE)


async def test_a_topic_too_long_for_a_nats_subject_is_refused_and_the_link_stays_up(
    server: NatsServer,
) -> None:
    """The server closed the connection over the publish's control line, and the transport
    gave up on NATS for good."""
    async with (
        ActorSystem("long-pub", transport=transport(server)) as pub,
        ActorSystem("long-sub", transport=transport(server)) as sub,
    ):
        probe = await Probe.spawn(sub)
        sub.subscribe(probe.ref, "t.>")
        await link_of(sub).flush()
        longest = "t.x" + "é" * 1991  # `actorkit.topic.` and it: MAX_SUBJECT bytes of UTF-8
        for topic in ("t." + "x" * 5000, longest + "x"):
            with pytest.raises(ValueError, match="too long"):
                pub.publish(topic, "long")
        pub.publish(longest, "longest")
        pub.publish("t.ok", "ok")
        await link_of(pub).flush()
        await probe.expect("longest")
        await probe.expect("ok")
        assert link_of(pub).connected


def test_a_private_subclass_of_an_allowed_error_crosses_as_that_error() -> None:
    """Not as a `RemoteError`: the asker catches it as the public type it subclasses."""
    frame = error_frame(NotAnEndpoint("no actorkit here"))
    assert frame[1:3] == ["builtins.ValueError", ["no actorkit here"]]
    rebuilt = rebuild_error(*frame[1:])
    assert (type(rebuilt), rebuilt.args) == (ValueError, ("no actorkit here",))
