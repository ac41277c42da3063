"""Pools: a supervising actor whose members are its children, behind a `PoolRef` that routes
each message straight to a member (`_pool_ref`). The actor starts, resizes and supervises
the members, and hands over what reached it while it had none."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._envelope import Ask
from ._errors import ActorStopped, MailboxFull
from ._mailbox import reject
from ._pool_ref import PoolRef, Resize, is_resize
from ._signals import Stop
from ._state import RUNNING

if TYPE_CHECKING:
    from ._cell import Cell

logger = logging.getLogger("actorkit")


class Pool(Actor):
    """Starts `size` members named `0`, `1`, … and supervises them (one_for_one). Messages
    published to the pool (when it subscribes) are routed like tells."""

    def __init__(
        self,
        factory: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        size: int,
        routing: str,
        hash_key: Callable[[Any], object] | None,
        options: dict[str, Any],
    ) -> None:
        self.factory = factory
        self.args = args
        self.kwargs = kwargs
        self.options = options
        cell = self._cell
        if not isinstance(cell.ref, PoolRef):  # a restarted pool keeps the ref users hold
            cell.ref = PoolRef._for_pool(cell, routing, hash_key, size)

    @property
    def _pool_ref(self) -> PoolRef:
        ref = self._cell.ref
        assert isinstance(ref, PoolRef)
        return ref

    async def on_start(self) -> None:
        for index in range(self._pool_ref.size):
            await self._add_member(str(index))
        self._hand_over()

    async def _add_member(self, name: str) -> None:
        await self.spawn(self.factory, *self.args, name=name, **self.options, **self.kwargs)
        self._pool_ref._forget()

    async def _resize(self, size: int) -> list[asyncio.Future[None]]:
        """Runs in the pool's own task, between the handling of supervision signals, so a
        member restart never interleaves with it. Returns when the new members have started;
        the leaving ones are told to drain and stop, and their completions returned."""
        ref = self._pool_ref
        ref.size = size
        members = ref._live()
        if len(members) < size:
            taken = {cell.name for cell in self._cell.children.values()}
            free = (str(i) for i in itertools.count() if str(i) not in taken)
            for name in itertools.islice(free, size - len(members)):
                await self._add_member(name)
            return []
        # Running members drain what they hold; a member failing or restarting right now
        # could only stop at once, so it leaves last. Highest-numbered first otherwise.
        by_preference = sorted(
            members, key=lambda cell: (cell.state == RUNNING, int(cell.name)), reverse=True
        )
        leaving = by_preference[: len(members) - size]
        for cell in leaving:
            cell.draining = True  # out of the routing now: `_live` skips draining members
        ref._live()
        done = []
        for cell in leaving:
            stopped = asyncio.get_running_loop().create_future()
            cell.add_stop_waiter(stopped)
            cell.post(Stop(None, drain=True))
            done.append(stopped)
        return done

    def _hand_over(self) -> None:
        """What reached the pool itself while it restarted (it had no members then) goes to
        the new members, in order; an ask goes as it is, so that a member answers the asker.
        Nothing here awaits a member: a supervisor waiting on its child could deadlock."""
        # Resizes are the pool's own business, handled after the restart; the members
        # account for what is handed over.
        for message in self._cell.mailbox.hand_over(keep=is_resize):
            if type(message) is Ask:
                self._forward(message)
            else:
                self._route(message)

    def _forward(self, envelope: Ask) -> bool:
        """Put an ask envelope in a member's mailbox (past its bound, like a task); False
        when there is no member, after failing the ask."""
        ref = self.ref
        assert isinstance(ref, PoolRef)
        if ref.routing == "broadcast":
            members = ref._live()
            if members:
                self._broadcast_ask(envelope, members)
                return True
            member = None
        else:
            member = ref._pick(envelope.message)
        if member is None:
            if not envelope.future.done():
                envelope.future.set_exception(
                    ActorStopped(f"every member of pool {self.path} has stopped")
                )
            return False
        cell = member._cell
        if not cell.mailbox.force(envelope):
            reject(envelope, cell.path, "stopped", self.system.dead_letters)
        return True

    def _broadcast_ask(self, envelope: Ask, members: list[Cell]) -> None:
        """Routed as `PoolRef.ask` routes a broadcast ask to a running pool: every member gets
        an ask of its own and the first to finish, with a reply or an error, answers."""
        asked = envelope.future

        def first_wins(copy: asyncio.Future[Any]) -> None:
            if copy.cancelled():
                return
            error = copy.exception()  # retrieved even when too late, so it never warns
            if not asked.done():
                if error is None:
                    asked.set_result(copy.result())
                else:
                    asked.set_exception(error)

        dead = self.system.dead_letters
        loop = asyncio.get_running_loop()
        for index, cell in enumerate(members):
            ask = envelope
            if index:
                future: asyncio.Future[Any] = loop.create_future()
                future.add_done_callback(first_wins)
                ask = Ask(envelope.message, future, cell.path, envelope.timeout, envelope.started)
            if not cell.mailbox.force(ask):
                reject(ask, cell.path, "stopped", dead)

    def _route(self, message: Any) -> None:
        ref = self.ref
        assert isinstance(ref, PoolRef)
        if not ref._live():
            # Every member was stopped from outside: nobody will ever handle it. Telling the
            # pool's ref again would bring it straight back here, forever.
            self.system.dead_letters.add(message, self.path, "stopped")
            return
        try:
            ref.tell(message)
        except MailboxFull:
            # As for a publish: a full member is a dead letter, never a crash of the pool
            # (and never a wait, which could deadlock on a member waiting for this pool).
            self.system.dead_letters.add(message, self.path, "mailbox_full")
        except Exception as error:
            # Routing itself failed (`hash_key` raised on a message published to the pool):
            # as from a timer, nobody can be told, and a crash would restart the pool and
            # drop what its members hold.
            logger.error(
                "pool %s could not route %s: %r",
                self.path,
                type(message).__name__,
                error,
                exc_info=error,
                extra={"actor_path": self.path},
            )
            self.system.dead_letters.add(message, self.path, "undeliverable")

    async def receive(self, message: Any) -> Any:
        if type(message) is Resize:
            return await self._resize(message.size)
        envelope = self._cell.handling
        if type(envelope) is Ask:
            # Only after the pool was resumed rather than restarted (a restart hands them
            # over in `on_start`): a member answers the asker. Waiting for that answer is
            # bounded by the ask's own deadline.
            if self._forward(envelope):
                await asyncio.wait([envelope.future])
            return None
        self._route(message)
        return None
