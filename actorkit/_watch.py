"""Death watch: a watcher receives `Terminated(ref, reason)` once when the watched actor
stops for good. Both sides keep a record (created on first use: most actors never watch), so
a stop ends every watch in both directions and no stopped cell is kept alive by one. The
watchers are a dict, in watch order: a set of cells iterates by memory address, and the
order in which watchers hear of a stop must replay the same from the same seed. What a cell
watches is only ever emptied, in no observable order, so a set serves there.

A `Terminated` is queued in an envelope (`NEWS`) whose `Seal` tells whether it is still
queued, and the watcher keeps those queued by actor (`Cell.news`): `unwatch`
withdraws one (`_withdraw`) and `watch` finds one without a scan of the queue, so each costs
the same whatever is queued (a watcher unwatching thousands of actors that stopped while it
was busy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._envelope import NEWS, Ask
from ._errors import ActorStopped
from ._messages import Terminated
from ._system_checks import check_ref_on_this_loop
from ._withdraw import NewsSeal, withdraw

if TYPE_CHECKING:
    from ._cell import Cell


def watch(watcher: Cell, target: Cell) -> None:
    if target is watcher:
        raise ValueError(
            "an actor cannot watch itself: it would never handle its own Terminated; do the "
            "cleanup in on_stop, or watch it from another actor"
        )
    if target.runtime is not watcher.runtime:
        check_ref_on_this_loop(watcher.runtime, target.runtime, "watch", target.display_path)
    if watcher.closed:
        # Its stop ended its watches (`end_watches`): one begun now would never be heard, its
        # `Terminated` only a dead letter, and would hold the stopped cell in `target.watchers`.
        raise ActorStopped(
            f"{watcher.display_path} is stopped and cannot watch {target.display_path}: "
            "watch from a running actor (in on_start or receive)"
        )
    if watcher.mailbox.final:
        # Its stop for good has begun (its `on_stop` runs): it handles nothing more, and its
        # close would dead-letter the `Terminated`. A restart's `on_stop` seals nothing: what
        # it watches, the successor hears of.
        raise ActorStopped(
            f"{watcher.display_path} is stopping and cannot watch {target.display_path}: it "
            "handles nothing more, so its Terminated could only be a dead letter; watch from "
            "a running actor (in on_start or receive)"
        )
    if target.closed and target not in target.runtime.news_held:
        # Its `Terminated` still queued: watching again before handling it is no new watch
        # (Akka). A watch from the handler of that `Terminated` is one, and gets another.
        if _queued_terminated(watcher, target) is None:
            _tell(watcher, target, Terminated(target.ref, target.stop_reason))
        return
    if target.watchers is None:
        target.watchers = {}
    target.watchers[watcher] = None
    if watcher.watching is None:
        watcher.watching = set()
    watcher.watching.add(target)


def unwatch(watcher: Cell, target: Cell) -> None:
    """As in Akka, no `Terminated` of `target` arrives after this, not even one queued
    already: it is withdrawn, as if never accepted (nobody sent it, and it is for nobody)."""
    if target.watchers:
        target.watchers.pop(watcher, None)
    if watcher.watching:
        watcher.watching.discard(target)
    if target.closed:
        queued = _queued_terminated(watcher, target)
        if queued is not None:
            withdraw(watcher, queued)


def unwatch_children(cell: Cell) -> None:
    """Before `cell` stops its children for an instance that ends (a restart, a failure, a
    stop; not a draining shutdown, whose drain handles their `Terminated`): their stops are
    no news to an instance that is gone, and a closing mailbox would only dead-letter them.
    Akka's `preRestart` unwatches the children it stops, and a terminating actor gets no
    `Terminated`."""
    watching = cell.watching
    if watching:
        for child in cell.children.values():
            if child in watching:
                unwatch(cell, child)


def unwatch_below(cell: Cell) -> None:
    """Before `cell` stops for good (not for a restart, whose new instance keeps the watches of
    actors that are not its children, nor while it drains): each actor it watches below it, a
    child's child as much as a child, stops with it, and that is no news to an instance that is
    gone. Akka queues no `Terminated` at a terminating actor; here it would only be dead-lettered
    with the queue, a message nobody sent counted as lost."""
    watching = cell.watching
    if watching:
        for target in [target for target in watching if _below(target, cell)]:
            unwatch(cell, target)


def _below(target: Cell, cell: Cell) -> bool:
    parent = target.parent
    while parent is not None and parent is not cell:
        parent = parent.parent
    return parent is cell


def withdraw_children_news(cell: Cell) -> None:
    """A restart: the new instance never knew the old one's children, so the `Terminated`
    of one still queued (stopped by an escalation or a give-up, or before the failure) is
    withdrawn, as `unwatch` withdraws it. Its watches of other actors are the cell's, kept."""
    news = cell.news
    if news:
        for target, queued in list(news.items()):
            if target.parent is cell:
                withdraw(cell, queued)


def _queued_terminated(watcher: Cell, target: Cell) -> Ask | None:
    """The envelope of the `Terminated` of `target` waiting in `watcher`'s mailbox (at most
    one is), not the one in hand."""
    news = watcher.news
    queued = news.get(target) if news else None
    return None if queued is None or watcher.handling is queued else queued


def _tell(watcher: Cell, target: Cell, terminated: Terminated) -> None:
    """Queue `terminated` in its envelope, noted in the watcher's news by `target`."""
    mailbox = watcher.mailbox
    if mailbox.closed:
        watcher.runtime.dead_letters.add(terminated, watcher.path, "stopped")
        return
    news = watcher.news
    if news is None:
        news = watcher.news = {}
    seal = NewsSeal()
    seal.queued = True
    seal.book = news
    seal.key = target
    envelope = Ask()  # `sealed`, written out as the hot paths fill an `Ask`
    envelope.message = terminated
    envelope.future = seal  # type: ignore[assignment]  # a `Sealing`, asked `done` alone
    envelope.target = watcher.path
    envelope.timeout = NEWS
    envelope.started = None
    mailbox.force(envelope)  # runtime news bypasses the bound: it must not be lost
    news[target] = envelope


def end_watches(cell: Cell, reason: BaseException | None) -> None:
    """`cell` stopped: it watches nothing more, and its watchers hear of it, also when it
    never finished starting (its ref was out from the moment it was registered), unless it
    was closed by force with its `on_stop` still to run (`hold_news`)."""
    if cell.watching:
        for watched in cell.watching:
            if watched.watchers:
                watched.watchers.pop(cell, None)
    if cell.watchers and cell not in cell.runtime.news_held:
        _tell_watchers(cell, reason)


def hold_news(cell: Cell, grace: float) -> None:
    """A forced stop closes `cell` now and runs its `on_stop` as its task unwinds: what that
    `on_stop` sends a watcher must come before the `Terminated` (Erlang's `DOWN` after the
    last message; Akka's `Terminated` after `postStop`), so its watchers, and any that watch
    it meanwhile, are told once it has ended (`tell_held_news`), or after `grace` seconds at
    the latest: a task that ignores its cancellation never runs it, and must not keep them
    waiting for ever."""
    runtime = cell.runtime
    runtime.news_held[cell] = runtime.loop.call_later(grace, tell_held_news, cell)


def tell_held_news(cell: Cell) -> None:
    """The `on_stop` of an actor closed by force has ended, or will not in time."""
    latest = cell.runtime.news_held.pop(cell, None)
    if latest is not None:
        latest.cancel()
        if cell.watchers:
            _tell_watchers(cell, cell.stop_reason)


def _tell_watchers(cell: Cell, reason: BaseException | None) -> None:
    terminated = Terminated(cell.ref, reason)
    for watcher in cell.watchers or ():
        if watcher.watching:
            watcher.watching.discard(cell)
        _tell(watcher, cell, terminated)
    cell.watchers = None
