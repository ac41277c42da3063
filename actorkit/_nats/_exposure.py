"""Exposure: which local actors other systems may reach, by path and by queue group.

Exposure is the only way in: a request for a path nobody exposed is refused, whatever
actor lives there. A group is one NATS queue-group subscription per system, served by one
local ref (a pool, to serve it with several actors); a member that stops leaves at once.
A subscription nats-py refuses (its connection closed) is logged and shown in the health
until the group is exposed again, which tries again; one made while the link is down is
not refused: nats-py sends it when the link is back.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from .._errors import ActorStopped
from .._instruments import Instrument
from .._ref import ActorRef
from ._core import Core, token
from ._direct import leave, subscribe

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._cell import Cell

logger = logging.getLogger("actorkit")


def when_done(task: asyncio.Task[Any], callback: Callable[[asyncio.Task[Any]], object]) -> None:
    """`task.add_done_callback(callback)`, but called at once for a task already done: an
    eager task factory (`asyncio.eager_task_factory`) may end a task inside `create_task`,
    and its callback would run a loop turn later, after a `flush` that found it done (its
    `gather` then returns at once) or an `expose` that found the group still joining."""
    if task.done():
        callback(task)
    else:
        task.add_done_callback(callback)


class Handlers(Protocol):
    """The inbound side's handlers of a request, each told which group received it: at once
    from nats-py's read loop when it can (`_direct`), in the subscription's callback,
    without an answer when the subscription's task ended before its callback saw it, and
    as nats-py drops it as a slow consumer (`_slow`)."""

    def request_now(self, msg: Msg, group: str | None = None) -> bool: ...

    async def on_request(self, msg: Msg, group: str | None = None) -> None: ...

    def unanswered(self, msg: Msg, group: str | None = None) -> None: ...

    def dropped(self, msg: Msg, group: str | None = None) -> None: ...


class Exposure:
    def __init__(self, core: Core) -> None:
        self._core = core
        self._exposed: dict[str, ActorRef] = {}
        self._groups: dict[str, ActorRef] = {}
        self._subscribing: dict[str, asyncio.Task[Subscription]] = {}
        self._failed: dict[str, asyncio.Future[Subscription]] = {}
        """Groups exposed here whose subscription failed: not served until exposed again."""
        self._heard = 0
        """How many of the link's refused subscriptions (`Link.denied`) were looked at."""
        self._leaving: set[asyncio.Task[None]] = set()  # unsubscriptions of stopped members
        self._closing = False

    def lookup(self, path: str, group: str | None) -> ActorRef | None:
        return self._groups.get(group) if group is not None else self._exposed.get(path)

    def pending(self) -> list[asyncio.Future[Subscription] | asyncio.Task[None]]:
        """Group subscriptions and departures not yet done: `flush` waits for them, `stop`
        cancels them."""
        self._refused()
        return [*self._subscribing.values(), *self._failed.values(), *self._leaving]

    def failed_groups(self) -> list[str]:
        self._refused()
        return sorted(self._failed)

    def _refused(self) -> None:
        """Groups whose subscription the server refused this client's user (permissions)
        fail as one the client refuses: the server keeps the connection and sends an error
        line naming the subject (in lower case, as nats-py reports it), ahead of the PONG of
        the round trip that `flush` makes, and the group went unserved with a warning only."""
        denied = self._core.link.denied
        for error in denied[self._heard :]:
            text = str(error).lower()
            for group, subscribing in list(self._subscribing.items()):
                if subscribing.done() and f'"{self._core.group_subject(group).lower()}"' in text:
                    del self._subscribing[group]
                    refusal = self._failed[group] = subscribing.get_loop().create_future()
                    refusal.set_exception(error)
                    refusal.exception()  # retrieved: `flush` raises it, health lists it
        self._heard = len(denied)

    def expose(self, ref: ActorRef, group: str | None, handlers: Handlers) -> None:
        if not ref.is_alive:
            raise ActorStopped(f"{ref.path} is stopped and cannot be exposed")
        nc = self._core.link.connection
        if group is not None:
            token(group, "a group name")
            current = self._groups.get(group)
            if current is not None and current is not ref and current.is_alive:
                raise ValueError(
                    f"group {group!r} is already served by {current.path} in this system; "
                    "expose one ref per group and system (a pool to serve it with several)"
                )
            self._groups[group] = ref
            self._refused()  # refusals heard so far are of the subscriptions made before
            if group not in self._subscribing and not self._closing:
                self._failed.pop(group, None)
                subscribing = self._subscribing[group] = asyncio.get_running_loop().create_task(
                    subscribe(
                        nc,
                        self._core.group_subject(group),
                        partial(handlers.request_now, group=group),
                        partial(handlers.on_request, group=group),
                        partial(handlers.unanswered, group=group),
                        queue=group,
                        drop=partial(handlers.dropped, group=group),
                    )
                )
                when_done(subscribing, partial(self._joined, group))
        self._exposed[ref.path] = ref

    def _joined(self, group: str, subscribing: asyncio.Task[Subscription]) -> None:
        """A failed subscription leaves the group to the next `expose`, which tries again,
        and `flush` raises its error meanwhile: kept as subscribing, it was never retried,
        and the group went unserved without a word."""
        if subscribing.cancelled() or self._subscribing.get(group) is not subscribing:
            return
        if (error := subscribing.exception()) is not None:
            del self._subscribing[group]
            self._failed[group] = subscribing
            logger.warning(
                "%s could not join the NATS queue group %r (%r): it does not serve the group "
                "until it is exposed again",
                self._core.system_name,
                group,
                error,
            )

    def unexpose(self, ref: ActorRef) -> None:
        """An exposed actor stopped: it leaves its groups, so others get the traffic. Called
        as it stops (`Departures`), and again by a request that reached it in the moment
        before the server had the unsubscription."""
        if self._exposed.get(ref.path) is ref:
            del self._exposed[ref.path]
        for group, member in list(self._groups.items()):
            if member is ref:
                del self._groups[group]
                self._depart(group)

    def leave_groups(self) -> None:
        """The system began to shut down: its members stay exposed (what NATS routed here
        already is refused as `shutdown`), but they leave their groups now, not as each
        stops, so the other systems' members get the group's traffic meanwhile."""
        self._closing = True
        for group in [*self._subscribing, *self._failed]:
            self._depart(group)

    def _depart(self, group: str) -> None:
        self._failed.pop(group, None)
        subscribing = self._subscribing.pop(group, None)
        if subscribing is None:
            return
        if subscribing.done():
            self._leave(subscribing)  # now, so a `flush` right after waits for it
        else:
            subscribing.add_done_callback(self._leave)

    def _leave(self, subscribing: asyncio.Task[Subscription]) -> None:
        if not subscribing.cancelled() and subscribing.exception() is None:
            link = self._core.link
            sub, within = subscribing.result(), link.connect_timeout
            departure = leave(link.connection, sub, within, link.requests_shut, link.dropped)
            task = asyncio.get_running_loop().create_task(departure)
            self._leaving.add(task)
            when_done(task, self._left)

    def _left(self, task: asyncio.Task[None]) -> None:
        """A departure that could not reach the server (the connection closed for good) is
        logged: the server dropped the subscription with the connection anyway."""
        self._leaving.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.info("%s: leaving a NATS queue group failed: %r", self._core.system_name, error)


class Departures(Instrument):
    """The transport's view of the lifecycle: an exposed actor that stops leaves its groups at
    once. Without it, the member stayed in the NATS queue group until a message routed to it
    found it stopped, and that message was lost to it though other members were alive."""

    def __init__(self, exposure: Exposure) -> None:
        self._exposure = exposure

    def stopped(self, cell: Cell) -> None:
        self._exposure.unexpose(cell.ref)
