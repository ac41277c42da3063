"""A remote ask whose reply arrived, but whose caller was cancelled before it could take it,
counts under what the reply said, as a local ask does (`ok` for a value, `error` for a
raised error, `stopped` for `ActorStopped`): the caller's late cancellation is no failure of
the target's, and no cancellation of a request still in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


class Answers(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise ValueError("on purpose")
        if message == "stopped":
            raise ActorStopped("on purpose")
        return message


class CancelOnReply(dict[str, "asyncio.Future[Any]"]):
    """The requests' table of reply futures: cancels the asker as its reply is set, in the
    loop step before the asker's own wake-up (its callback was added first)."""

    asker: asyncio.Task[Any] | None = None

    def __setitem__(self, token: str, future: asyncio.Future[Any]) -> None:
        future.add_done_callback(lambda _: self.asker and self.asker.cancel())
        super().__setitem__(token, future)


@pytest.mark.parametrize(
    ("message", "outcome"), [("hi", "ok"), ("fail", "error"), ("stopped", "stopped")]
)
async def test_an_ask_cancelled_after_its_reply_arrived_counts_as_the_reply(
    server: NatsServer, message: str, outcome: str
) -> None:
    async with asyncio.timeout(SAFETY), ActorSystem("late", transport=transport(server)) as s:
        s.expose(await s.spawn(Answers, name="answers"))
        remote = s.remote("late", "/answers")
        assert await remote.ask("warm", timeout=SAFETY) == "warm"
        requests = link_of(s)._requests  # noqa: SLF001
        table = CancelOnReply()
        requests._replies = table  # noqa: SLF001
        table.asker = asyncio.ensure_future(remote.ask(message, timeout=SAFETY))
        with pytest.raises(asyncio.CancelledError):
            await table.asker
        asks = link_of(s).asks
        assert asks["cancelled"] == 0
        assert asks[outcome] == 1 + (outcome == "ok")  # the warm-up ask was ok
