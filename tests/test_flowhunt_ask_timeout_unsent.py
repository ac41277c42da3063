"""An ask that timed out while it waited for room in a full mailbox never entered it: it was
not handled, and is a dead letter `expired` (docs/api.md §9), so retrying it cannot run it
twice. Its `AskTimeout` says so, as a remote ask's says it never left the outbound queue
(docs/distributed.md); one queued before its deadline reads as before, since it is still
handled when its turn comes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout
from actorkit._handler_failures import _said
from actorkit.testing import ManualClock

BUSY = "/g was handling another message: raise the ask's timeout or make its handlers faster"


class Gated(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "slow":
            await self.gate.wait()
        return message


def unsent(capacity: str) -> str:
    return (
        f"no reply from /g within 1.0s; it never entered the full mailbox of /g ({capacity}), "
        f"so it was not handled (a dead letter `expired`); {BUSY}"
    )


async def test_an_ask_timed_out_waiting_for_room_says_it_never_entered(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gated, gate, name="g", mailbox_size=1)
        try:
            ref.tell("slow")
            await clock.settle()
            ref.tell("queued")
            asked = asyncio.ensure_future(ref.ask("unsent", timeout=1.0))
            await clock.settle()
            await clock.advance(1.0)
            with pytest.raises(AskTimeout) as raised:
                await asked
        finally:
            gate.set()
        assert str(raised.value) == unsent("1 message")
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("unsent", "expired")
        ]


async def test_asks_queued_and_waiting_for_room_behind_one_target_each_say_which(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target's account is still worked out once for all of them."""
    worked_out: list[str] = []

    def counted(ask: Any, live: Any) -> str:
        worked_out.append(ask.target)
        return _said(ask, live)

    monkeypatch.setattr("actorkit._handler_failures._said", counted)
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Gated, gate, name="g", mailbox_size=2)
        try:
            ref.tell("slow")
            await clock.settle()
            asks = [asyncio.ensure_future(ref.ask(n, timeout=1.0)) for n in range(200)]
            await clock.settle()
            await clock.advance(1.0)
            texts = [str(error) for error in await asyncio.gather(*asks, return_exceptions=True)]
        finally:
            gate.set()
        assert texts[:2] == [f"no reply from /g within 1.0s; {BUSY}"] * 2
        assert set(texts[2:]) == {unsent("2 messages")}
        assert worked_out == ["/g"]
        assert system.dead_letters.by_reason == {"expired": 198}
