"""A server that comes back from an outage refusing the system's credentials: nats-py reports
each refused attempt while its connection reads as CONNECTING, not RECONNECTING, and those
reports must still count as the outage's failed attempts, logged as news (a failure unlike
the outage's first), not dropped without a word while the system retries for ever."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from actorkit import ActorSystem

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class _Seen(logging.Handler):
    """Sets `event` at the first record about the connection `where` whose message holds
    `words`: the requests connection's own refusal, which the topics connection's does not
    imply (its attempts may all fall outside the server's refusing spell)."""

    def __init__(self, words: str, where: str) -> None:
        super().__init__(logging.DEBUG)
        self.words = words
        self.where = where
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        about = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if about == self.where and self.words in record.getMessage():
            self.event.set()


async def test_a_server_back_refusing_the_credentials_is_logged_and_counted(
    own: NatsServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG, "actorkit")
    refused = _Seen("Authorization Violation", "revoked")
    logger = logging.getLogger("actorkit")
    logger.addHandler(refused)
    link = transport(own)
    try:
        async with asyncio.timeout(SAFETY), ActorSystem("revoked", transport=link):
            own.stop()
            await link.link_down.wait()
            own.configure(tmp_path / "auth.conf", 'authorization { token: "s3cret" }\n')
            own.start()
            await refused.event.wait()  # each attempt refused: the operator must hear of it
            own.stop()
            own.args = ()
            own.start()
            await link.link_up.wait()
    finally:
        logger.removeHandler(refused)
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("Authorization Violation" in line for line in warned), warned
    back = [r.getMessage() for r in caplog.records if "revoked reconnected" in r.getMessage()]
    assert back and "failed attempts" in back[0], back
