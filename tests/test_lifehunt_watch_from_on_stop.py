"""A watch asked from the `on_stop` of a stop for good is refused, as `subscribe` and `spawn`
are there and as a watch from a forced stop's `on_stop` always was (docs/api.md §9): the actor
handles nothing more, so the `Terminated` could only be a dead letter, a message nobody sent
counted as lost. A restart's `on_stop` still watches for the successor."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, Terminated

from .watch_support import terminated_letters

pytestmark = pytest.mark.timeout(10)


class Quiet(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class WatchesAtStop(Actor):
    """Tries, in `on_stop`, to watch each ref it was given; records what each try did."""

    def __init__(self, targets: list[ActorRef], tried: list[str], got: list[Terminated]) -> None:
        self.targets = targets
        self.tried = tried
        self.got = got

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.got.append(message)
        elif message == "fail":
            raise RuntimeError("on purpose")
        elif message == "stop":
            self.stop()
        return message

    async def on_stop(self) -> None:
        for target in self.targets:
            try:
                self.watch(target)
            except ActorStopped as error:
                self.tried.append(str(error))
            else:
                self.tried.append("watched")


async def _stop(system: ActorSystem, ref: ActorRef, how: str) -> None:
    if how == "ref.stop()":
        await ref.stop()
    elif how == "self.stop() of a transient actor":
        await ref.ask("stop")
        await ref.stop()  # waits for the stop the handler asked for
    elif how == "failure of a temporary actor":
        ref.tell("fail")
        await ref.stop()
    else:
        await system.shutdown()


@pytest.mark.parametrize(
    "how",
    ["ref.stop()", "self.stop() of a transient actor", "failure of a temporary actor", "shutdown"],
)
async def test_on_stop_of_a_stop_for_good_cannot_watch(how: str) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        gone = await system.spawn(Quiet, name="gone")
        await gone.stop()
        live = await system.spawn(Quiet, name="live")
        tried: list[str] = []
        restart = "temporary" if how.startswith("failure") else "transient"
        watcher = await system.spawn(
            WatchesAtStop, [gone, live], tried, [], name="watcher", restart=restart
        )
        await _stop(system, watcher, how)
        assert tried == [
            f"/watcher is stopping and cannot watch /{name}: it handles nothing more, so its "
            "Terminated could only be a dead letter; watch from a running actor "
            "(in on_start or receive)"
            for name in ("gone", "live")
        ]
        if how != "shutdown":
            await live.stop()
        assert terminated_letters(system) == []


async def test_on_stop_of_a_restart_watches_for_the_successor() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        other = await system.spawn(Quiet, name="other")
        tried: list[str] = []
        got: list[Terminated] = []
        watcher = await system.spawn(WatchesAtStop, [other], tried, got, name="watcher")
        watcher.tell("fail")
        await other.stop()
        await watcher.ask("after the restart")
        assert tried == ["watched"]
        assert [t.ref for t in got] == [other]
