"""The guardian above a system's top-level actors, and its start: the first cell of a tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._actor import Actor
from ._cell import Cell
from ._receive import run
from ._room import UNBOUNDED
from ._spawn import make_instance

if TYPE_CHECKING:
    import asyncio

    from ._runtime import Runtime


class _Root(Actor):
    """It only supervises: no message of a user's is ever addressed to it."""


def open_root(runtime: Runtime, loop: asyncio.AbstractEventLoop) -> Cell:
    """The root's cell, running, and the runtime accepting work under it. The clock is
    attached with it: the root's stop is what detaches it."""
    root = Cell(runtime, None, "", "", _Root, (), {}, UNBOUNDED, "permanent")
    root.instance = make_instance(root)
    root.started()
    root.task = loop.create_task(run(root, None))
    runtime.clock.attach(loop, runtime.is_idle)
    runtime.root = root
    runtime.accepting = True
    return root
