"""What the codec and the subjects meet at the edge of NATS: text UTF-8 cannot encode in a
reply or an error, and a topic too long for a NATS subject."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .nats_support import SAFETY, NatsServer, requires_nats, transport

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
