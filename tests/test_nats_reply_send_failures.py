"""A reply nats-py fails to send, at once or in the flush it waited for: logged (an
unexpected error with its traceback), and the actor goes on answering the next ask."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import nats
import pytest

from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, requires_nats
from .test_nats_flush import client_of
from .test_nats_replies import ask_frame

pytestmark = requires_nats

PENDING = 100_000
"""The answering system's `pending_size`: a publish past it waits for nats-py's flusher."""


class Answers(Actor):
    async def receive(self, message: Any) -> Any:
        return b"x" * PENDING if message == "big" else message


async def ask_twice(url: str, first: str) -> Any:
    """`first`, whose answer is not awaited, then an ask whose answer comes after it."""
    client = await nats.connect(url)
    try:
        await client.publish("actorkit.actor.answering", ask_frame("/a", first, SAFETY), "nowhere")
        answer = await client.request(
            "actorkit.actor.answering", ask_frame("/a", "second", SAFETY), timeout=SAFETY
        )
        return msgspec.msgpack.decode(answer.data)
    finally:
        await client.close()


def said(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str, bool]]:
    return [
        (r.levelno, r.getMessage(), r.exc_info is not None)
        for r in caplog.records
        if "could not send a reply" in r.getMessage()
    ]


async def test_a_reply_the_client_fails_on_unexpectedly_is_logged_with_its_traceback(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("answering", transport=NatsTransport(server.url)) as system,
    ):
        system.expose(await system.spawn(Answers, name="a"))
        nc = client_of(system)
        publish = nc.publish

        async def failing(subject: str, payload: bytes = b"", **kw: Any) -> None:
            if b"first" in payload:
                raise RuntimeError("a bug in the client")
            await publish(subject, payload, **kw)

        monkeypatch.setattr(nc, "publish", failing)
        assert await ask_twice(server.url, "first") == [0, "second"]
    assert said(caplog) == [(logging.ERROR, "answering could not send a reply", True)]


async def test_a_reply_whose_flush_fails_is_logged(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "actorkit")
    link = NatsTransport(server.url, pending_size=PENDING)
    async with asyncio.timeout(SAFETY), ActorSystem("answering", transport=link) as system:
        system.expose(await system.spawn(Answers, name="a"))
        await link.flush()
        nc = client_of(system)
        flush = nc._flush_pending  # noqa: SLF001
        failures = [ConnectionResetError("injected")]

        async def failing_once(force_flush: bool = False) -> Any:
            if not (force_flush and failures):
                return await flush(force_flush)
            failure = failures.pop()
            await asyncio.sleep(0)  # suspends, as a flush wait does, then fails
            raise failure

        monkeypatch.setattr(nc, "_flush_pending", failing_once)
        assert await ask_twice(server.url, "big") == [0, "second"]
    expected = "answering could not send a reply: ConnectionResetError('injected')"
    assert said(caplog) == [(logging.INFO, expected, False)]
