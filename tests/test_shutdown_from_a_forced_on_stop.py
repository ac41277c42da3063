"""`shutdown()` called from an `on_stop` that runs in a cancelled actor's task (a forced stop,
a shutdown past its timeout): it is called from inside an actor, so it starts the shutdown
and returns at once, as from any handler. Waiting would wait for that `on_stop`, which the
forced stop and the shutdown give a grace to end: the `on_stop` was cut short at the end of
the grace and the actor logged as one that ignored cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

BOUND = 5.0


class ShutsDownOnStop(Actor):
    """Its handler never returns; its `on_stop` shuts the system down."""

    def __init__(self, handling: asyncio.Event, returned: asyncio.Event) -> None:
        self.handling, self.returned = handling, returned

    async def receive(self, message: Any) -> Any:
        self.handling.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        await self.system.shutdown()
        self.returned.set()


@pytest.mark.parametrize("forced_by", ["stop", "shutdown"])
async def test_shutdown_from_a_cancelled_actors_on_stop_returns_at_once(
    forced_by: str, caplog: pytest.LogCaptureFixture
) -> None:
    handling, returned = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND):
        system = await ActorSystem().start()
        ref = await system.spawn(ShutsDownOnStop, handling, returned)
        ref.tell("hold")
        await handling.wait()
        if forced_by == "stop":
            await ref.stop(timeout=0)
        else:
            await system.shutdown(timeout=0)
        assert returned.is_set()
        await system.shutdown()
    assert "cut short" not in caplog.text
    assert "ignored cancellation" not in caplog.text
