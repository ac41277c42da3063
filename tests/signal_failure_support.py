"""What the tests of failing control signals (`tests/test_signal_failure_*.py`) share: a parent
`/p` with a child, both recording their `on_stop`, and the faults patched into `/p`'s
draining stop or its stopping of its children."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor
from actorkit._lifecycle import Lifecycle
from actorkit._record import Record
from actorkit._state import STOPPING


class Holds(Actor):
    """A child whose `on_stop` is recorded; its parent is `/p`."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stops.append(self.path)


class Parent(Holds):
    async def on_start(self) -> None:
        await self.spawn(Holds, self.stops, name="c")


def fault_while_draining(monkeypatch: pytest.MonkeyPatch, where: str) -> list[BaseException]:
    """A fault in `where` of `/p`'s draining stop: ending its drain (finalizing it), or
    stopping its children with theirs drained. Returns the fault, taken once it struck."""
    faults: list[BaseException] = [RuntimeError(f"a fault in {where}")]
    if where == "finalize":
        release = Record.release_instance

        def faulty(self: Record) -> Any:
            if faults and self.path == "/p" and self.draining and self.state is STOPPING:
                raise faults.pop()
            return release(self)

        monkeypatch.setattr(Record, "release_instance", faulty)
    else:
        fault_in_stop_children(monkeypatch, faults, drained_only=True)
    return faults


def fault_in_stop_children(
    monkeypatch: pytest.MonkeyPatch, faults: list[BaseException], *, drained_only: bool = False
) -> None:
    """`/p` stopping its children raises the last of `faults`, taking it, while any is left
    (with `drained_only`, only a stop that drains them)."""
    stop_children = Lifecycle.stop_children

    async def failing(self: Lifecycle, *, drain: bool = False, within: float | None = None) -> None:
        if faults and self.path == "/p" and (drain or not drained_only):
            raise faults.pop()
        await stop_children(self, drain=drain, within=within)

    monkeypatch.setattr(Lifecycle, "stop_children", failing)
