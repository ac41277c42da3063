"""Pools: a supervising actor whose members are its children, behind a `PoolRef` that routes
each message straight to a member (`_pool_ref`). The actor starts, resizes and supervises
the members, and hands over what reached it while it had none."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ._actor import DEFAULT_MAILBOX_SIZE, Actor, check_arguments
from ._envelope import HANDED_ON, Ask
from ._errors import ActorStopped
from ._pool_checks import (
    Resize,
    check_member_arguments,
    check_pool,
    check_size_meant,
    is_resize,
    resize_stopped,
)
from ._pool_handover import disinherit, forward, orphans, pass_on, reroute
from ._pool_ref import PoolRef
from ._room import UNBOUNDED
from ._signals import Stop
from ._spawn import check_factory, check_mailbox_size, check_parent
from ._state import RUNNING

if TYPE_CHECKING:
    from ._cell import Cell
    from ._ref import ActorRef
    from ._supervision import Strategy


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """What `spawn_pool` was given: checked once at the call, kept by the pool actor (and
    by its restarts) to start its members."""

    factory: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    size: int
    routing: str
    hash_key: Callable[[Any], object] | None
    options: dict[str, Any]
    supervisor: Strategy | None


class Pool(Actor):
    """Starts `size` members named `0`, `1`, … and supervises them (one_for_one). Messages
    published to the pool (when it subscribes) are routed like tells."""

    def __init__(self, spec: PoolSpec) -> None:
        if spec.supervisor is not None:
            self.supervisor_strategy = spec.supervisor
        self.spec = spec
        cell = self._cell
        if not isinstance(cell.ref, PoolRef):  # a restarted pool keeps the ref users hold
            ref = cell.ref = PoolRef._for_pool(cell, spec.routing, spec.hash_key, spec.size)
            cell.runtime.heirs[cell] = partial(orphans, ref)
            cell.follow_stop(disinherit)

    @property
    def _pool_ref(self) -> PoolRef:
        ref = self._cell.ref
        assert isinstance(ref, PoolRef)
        return ref

    async def on_start(self) -> None:
        ref = self._pool_ref
        ref._hold(True)  # what is sent before the hand-over waits in the pool's mailbox
        for index in range(ref._size):
            await self._add_member(str(index))
        self._hand_over()

    async def _add_member(self, name: str) -> None:
        """Routed nothing until its start ended here (`PoolRouting._joining`), not from the
        moment it runs: that is before this task resumes to hand over what the pool holds."""
        spec = self.spec
        ref = self._pool_ref
        ref._joining = name
        try:
            await self.spawn(spec.factory, *spec.args, name=name, **spec.options, **spec.kwargs)
        finally:
            ref._joining = None
            ref._forget()

    async def _resize(self, size: int) -> list[tuple[Cell, asyncio.Future[None]]] | Exception:
        """Runs in the pool's own task, between the handling of supervision signals, so a
        member restart never interleaves with it. Returns when the new members have started;
        the leaving ones are told to drain and stop, and returned with their completions. A new
        member that fails to start ends the growth and is returned, not raised: as with
        OTP's `start_child`, the caller hears why, and the pool runs on with the members it
        has (a failure of the pool would restart it and drop what every member holds). Once a
        shutdown began no member can start: the caller hears so as from the pool's stop."""
        ref = self._pool_ref
        before, ref._size = ref._size, size
        members = ref._live()
        if len(members) < size:
            taken = {cell.name for cell in self._cell.children.values()}
            free = (str(i) for i in itertools.count() if str(i) not in taken)
            for added, name in enumerate(itertools.islice(free, size - len(members))):
                try:
                    check_parent(self._cell)  # a shutdown began: no member can start now
                except ActorStopped as error:
                    ref._size = len(ref._live()) if added else before
                    return resize_stopped(self._cell.path, size, error, begun=bool(added))
                try:
                    await self._grow_by(name)
                except Exception as error:
                    ref._size = len(ref._live())
                    return error
            return []
        # Running members drain what they hold; a member failing or restarting right now
        # could only stop at once, so it leaves last. Highest-numbered first otherwise.
        by_preference = sorted(
            members, key=lambda cell: (cell.state is RUNNING, int(cell.name)), reverse=True
        )
        leaving = by_preference[: len(members) - size]
        for cell in leaving:
            cell.draining = True  # out of the routing now: `_live` skips draining members
            # Nor fed by subscriptions of its own: publishes that keep coming would never let
            # its queue empty, so its drain would not end (its timers end as it begins, too).
            self.system.unsubscribe(cell.ref)
        ref._live()
        done = []
        for cell in leaving:
            stopped = asyncio.get_running_loop().create_future()
            cell.add_stop_waiter(stopped)
            cell.post(Stop(None, drain=True))
            done.append((cell, stopped))
        return done

    async def _grow_by(self, name: str) -> None:
        """A new member, for `_resize`. With none routed (every member stopped for good), what
        is sent while it starts waits in the pool's own mailbox: the routing holds until its
        start ended and that is handed over, as at a (re)start, so that nothing sent once it
        runs overtakes it. So for what reached the pool because the members routed when it
        began stopped meanwhile. A cut of the pool (or an exit) leaves it there instead, for
        the pool's restart to hand over or its stop to dead-letter."""
        ref = self._pool_ref
        if not ref._live():
            ref._hold(True)
        try:
            await self._add_member(name)
        except Exception:
            self._hand_over()
            raise
        self._hand_over()

    def _hand_over(self) -> None:
        """What reached the pool itself while it restarted (it had no members then) or
        started its members (`_grow_by`) goes to them, in order (`_pool_handover`). Nothing awaits
        between this and the pool running, so nothing sent later can overtake it."""
        # Resizes are the pool's own business, handled after the restart; the members
        # account for what is handed over.
        ref = self._pool_ref
        ref._hold(False)
        reroute(ref, self._cell.mailbox.hand_over(keep=is_resize))

    async def receive(self, message: Any) -> Any:
        if type(message) is Resize:
            return await self._resize(message.size)
        envelope = self._cell.handling
        if type(envelope) is Ask:
            # It found no member (a restart hands these over in `on_start`, not here): a
            # member added since answers it, else it fails. Never awaited here: the member
            # may fail first and need this pool's decision.
            forward(self._pool_ref, envelope)
            return HANDED_ON
        pass_on(self._pool_ref, message)
        return None


async def start_pool(
    spawn: Callable[..., Awaitable[ActorRef]], name: str | None, spec: PoolSpec
) -> PoolRef:
    """`ActorSystem.spawn_pool`: its arguments checked where it was called, then the pool
    actor spawned by `spawn`, its ref a `PoolRef` (`Pool.__init__`)."""
    size, routing = check_pool(spec.size, spec.routing, spec.hash_key, spec.supervisor)
    spec = dataclasses.replace(spec, size=size, routing=routing)
    check_member_arguments(spec.kwargs)
    factory = check_factory(spec.factory)
    check_arguments(factory, spec.args, spec.kwargs, call="spawn_pool")
    check_size_meant(factory, spec.args, spec.kwargs)
    members = check_mailbox_size(spec.options["mailbox_size"])
    # The pool's own mailbox holds what is sent while it (re)starts its members: as much as
    # one of them takes (the default at least), so a pool of unbounded members refuses none.
    held = None if members is UNBOUNDED else max(members, DEFAULT_MAILBOX_SIZE)
    ref = await spawn(Pool, spec, name=name, mailbox_size=held)
    assert isinstance(ref, PoolRef)
    return ref
