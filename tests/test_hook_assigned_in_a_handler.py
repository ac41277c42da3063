"""A hook assigned on the instance after the checks at spawn (`self.on_stop = ...` in a
handler): hooks are the class's, as Python reads `__len__` from the class. Where the runtime
reads `on_stop`, as the actor stops, the instance's is passed over: the class's runs, and an
error is logged saying to define the hook on the class (docs/api.md §1). `receive` may be
assigned (to change how the actor handles messages), and the next message sees it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .hardening_support import BOUND


class Swaps(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if message == "swap on_stop":

            async def other() -> None:
                self.seen.append("the instance's on_stop")

            self.on_stop = other  # type: ignore[method-assign]
        elif message == "swap receive":

            async def louder(message: Any) -> Any:
                return str(message).upper()

            self.receive = louder  # type: ignore[method-assign]
        elif message == "fail":
            raise RuntimeError("restart me")
        return message

    async def on_stop(self) -> None:
        self.seen.append("the class's on_stop")


@pytest.mark.parametrize("stop", ["ref-stop", "restart"])
async def test_an_on_stop_assigned_in_a_handler_is_passed_over_and_logged(
    stop: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(Swaps, seen, name="swaps")
            with caplog.at_level(logging.ERROR, logger="actorkit"):
                await ref.ask("swap on_stop")
                if stop == "ref-stop":
                    await ref.stop()
                else:  # its supervisor restarts it, ending this instance with its on_stop
                    with pytest.raises(RuntimeError):
                        await ref.ask("fail")
                    assert await ref.ask("after") == "after"  # handled by the new instance
    # A restart's new instance, whose on_stop is its class's, stops at the shutdown.
    assert seen == ["the class's on_stop"] * (1 if stop == "ref-stop" else 2)
    said = [r.getMessage() for r in caplog.records if "self.on_stop" in r.getMessage()]
    assert len(said) == 1, caplog.text
    assert "/swaps (Swaps) set self.on_stop on its instance" in said[0]
    assert "define `async def on_stop(self)` on the class" in said[0]


async def test_receive_assigned_in_a_handler_takes_the_next_message() -> None:
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(Swaps, [], name="swaps")
            assert await ref.ask("swap receive") == "swap receive"
            assert await ref.ask("next") == "NEXT"
