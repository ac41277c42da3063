"""A reply that cannot go at all: the server's `max_payload` holds neither the reply, nor the
error that says so, nor the terse one. Nothing is sent, the asker waits out its timeout, and
the refusal is logged once as a reply not sent, the way a closed connection's is: not as an
unexpected error, and nothing reaches the loop's exception handler."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout

from .nats_support import NatsServer, requires_nats, transport

pytestmark = requires_nats


class Wordy(Actor):
    async def receive(self, message: Any) -> Any:
        return "x" * 200


@pytest.mark.parametrize("pool", [False, True])
async def test_a_reply_nothing_of_which_fits_is_logged_as_not_sent(
    own: NatsServer, tmp_path: Path, pool: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A plain actor's reply leaves from its receive loop (`Inbound.answer`); a pool's asks
    take `ActorRef.ask`'s path (`Inbound._respond`)."""
    caplog.set_level(logging.INFO, "actorkit")
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    own.stop()
    own.configure(tmp_path / "tinier.conf", "max_payload: 40\n")
    own.start()
    try:
        async with ActorSystem("tiny", transport=transport(own)) as system:
            spawn = partial(system.spawn_pool, size=1) if pool else system.spawn
            wordy = await spawn(Wordy, name="w")
            system.expose(wordy)
            with pytest.raises(AskTimeout):
                await system.remote("tiny", "/w").ask("q", timeout=0.3)
            assert wordy.is_alive
    finally:
        loop.set_exception_handler(None)
    assert unhandled == []
    sent = [r for r in caplog.records if "could not send a reply" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in sent] == [(logging.INFO, None)]
    assert "max_payload" in sent[0].getMessage()
