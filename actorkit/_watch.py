"""Death watch: a watcher receives `Terminated(ref, reason)` once when the watched actor
stops for good. Both sides keep a set (created on first use: most actors never watch), so a
stop ends every watch in both directions and no stopped cell is kept alive by one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._messages import Terminated

if TYPE_CHECKING:
    from ._cell import Cell


def watch(watcher: Cell, target: Cell) -> None:
    if target is watcher:
        raise ValueError("an actor cannot watch itself")
    if target.closed:
        watcher.deliver(Terminated(target.ref, target.stop_reason))
        return
    if target.watchers is None:
        target.watchers = set()
    target.watchers.add(watcher)
    if watcher.watching is None:
        watcher.watching = set()
    watcher.watching.add(target)


def unwatch(watcher: Cell, target: Cell) -> None:
    if target.watchers:
        target.watchers.discard(watcher)
    if watcher.watching:
        watcher.watching.discard(target)


def end_watches(cell: Cell, reason: BaseException | None, quiet: bool) -> None:
    """`cell` stopped: it watches nothing more, and its watchers hear of it (unless `quiet`:
    an actor that never started)."""
    if cell.watching:
        for watched in cell.watching:
            if watched.watchers:
                watched.watchers.discard(cell)
    if cell.watchers:
        terminated = Terminated(cell.ref, reason)
        for watcher in cell.watchers:
            if watcher.watching:
                watcher.watching.discard(cell)
            if not quiet:
                watcher.deliver(terminated)
        cell.watchers = None
