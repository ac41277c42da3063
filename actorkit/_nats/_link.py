"""The link: the transport's two connections to NATS, how they open, and their state.

The requests' connection carries requests, replies and queue groups. Topics use a second
connection with NATS's `no_echo`, so the server never sends a system its own publishes (they
were delivered locally already): the requests' connection cannot have it, because a system
may ask its own exposed actors and serve its own groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn

from .._shielded import shielded
from ._client import Client
from ._closing import close_client, closed_for_good, misread, server_error, stop_opening, why_not
from ._heard import Heard
from ._options import shown_servers

if TYPE_CHECKING:
    from .._transport import Host

logger = logging.getLogger("actorkit")


Callback = Callable[[], None]


class Link:
    """Both connections and their events. `lost`, `back` and `gone` are the transport's
    reactions to the requests' connection dropping, returning, and closing for good (either
    connection, for that); `farewell` is its last word on a requests' connection that
    outlived the topics' one, before that closes too (`_end`)."""

    def __init__(
        self,
        servers: list[str],
        options: dict[str, Any],
        connect_timeout: float,
        *,
        lost: Callback,
        back: Callback,
        gone: Callback,
        farewell: Callable[[], Awaitable[None]],
    ) -> None:
        self.servers = servers
        self.options = options
        self.connect_timeout = connect_timeout
        self._lost, self._back, self._gone = lost, back, gone
        self._farewell = farewell
        self.nc: Client | None = None
        self.topics: Client | None = None
        self.up = asyncio.Event()
        self.down = asyncio.Event()
        self.topics_up = asyncio.Event()
        """The topics connection is connected: nats-py forgets a PING written while it is
        not (a reconnection starts a new list of PONG waiters), so `flush` waits for this."""
        self.topics_down = asyncio.Event()
        """Set on each drop of the topics connection, cleared by its reconnection: a PING
        that was waiting then is forgotten too (`down` is the requests' connection's)."""
        self.shut = asyncio.Event()
        """Set once either connection closed, for good or by the link: `up` may never be."""
        self.dropped = asyncio.Event()
        """`down`, also while the link stops or closes, which `down` (an outage to the rest of
        the transport) ignores: a departure's PING, lost with the connection, ends then."""
        self.requests_shut = asyncio.Event()
        """Set once the requests' connection closed: a wait on it alone (leaving a subject,
        also in the farewell that the topics connection's close begins) ends then."""
        self.why_closed = "its max_reconnect_attempts ran out"
        self.reconnects = 0
        self.stopping = False
        self.closed = False
        self.ending: asyncio.Task[None] | None = None
        """Once a connection closed for good, the other one's close (`_end`)."""
        self.system_name = "?"
        self.denied: list[Exception] = []  # subscriptions refused to this client's user
        self.refused_publish: Callable[[Exception], bool] | None = None  # `Heard`'s

    @property
    def connection(self) -> Client:
        if self.nc is None:
            raise RuntimeError("the NATS transport is not started; start its ActorSystem first")
        return self.nc

    @property
    def connected(self) -> bool:
        """The requests' connection is up and the link not closed: once either connection
        closed for good the transport is closed as a whole, and the other one, while it
        says its farewell and closes (`_end`), takes no more asks and sends (as tells and
        publishes are dead letters)."""
        return not self.closed and self.nc is not None and self.nc.is_connected

    @property
    def sending(self) -> bool:
        """Connected and not stopping: a request may leave (or wait for room to)."""
        return self.connected and not self.stopping

    def refusal(self) -> str:
        """Why a request is not sent now (disconnected, or stopping), in its error: a shutdown
        read as an outage sends its reader looking for a network fault."""
        if self.connected:
            return "the actor system is shutting down"
        if self.stopping:  # a ref kept past its system's shutdown: no outage either
            return "the actor system has shut down" if self.closed else "not connected to NATS"
        if self.closed:
            why = self.why_closed
            return f"not connected to NATS any more: the connection closed for good ({why})"
        return "not connected to NATS"

    async def connect(self, system: Host, *, topics: bool = False) -> Client:
        """Open one of the two connections; a refusal fails at once, silence after
        `connect_timeout`. One that nats-py left half open is opened again (`misread`)."""
        self.system_name = system.name
        deadline = system.loop.time() + self.connect_timeout
        nc = await self._attempt(system, topics, self.connect_timeout)
        while await misread(nc, self.connect_timeout, system.name):
            nc = await self._attempt(system, topics, max(0.0, deadline - system.loop.time()))
        if topics:
            self.topics = nc
            self.topics_up.set()  # here, so that a drop during the rest of the start clears it
        else:
            self.nc = nc
        return nc

    async def _attempt(self, system: Host, topics: bool, within: float) -> Client:
        nc = Client()
        back = self._topics_reconnected if topics else self._reconnected
        heard = Heard(nc, system, topics, back, self.denied, self.refused_publish)
        connecting = system.loop.create_task(self._open(nc, heard, topics))
        waiting: set[asyncio.Future[Any]] = {connecting, heard.refused}
        try:
            done, _ = await asyncio.wait(
                waiting, timeout=within, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            # The start was cancelled: a connection it goes on to open would be nobody's.
            with shielded():  # from an anyio scope, which would cancel the drop at once
                await self._drop(nc, connecting)
            raise
        if connecting not in done or connecting.exception() is not None:
            await self._abandon(nc, connecting, heard)
        return nc

    async def _abandon(self, nc: Client, connecting: asyncio.Task[None], heard: Heard) -> NoReturn:
        cause = connecting.exception() if connecting.done() else None
        await self._drop(nc, connecting)
        self._fail(heard, cause)

    async def _drop(self, nc: Client, connecting: asyncio.Task[None]) -> None:
        """The first connect stopped before the close: nats-py retries a server that refuses
        it for ever, closed between tries, and `close_client` would wait for a closed
        connection's task to end on its own."""
        self.closed = True
        await stop_opening(nc, connecting, self.connect_timeout)
        await close_client(nc, connecting, self.connect_timeout, self.system_name)
        self._down_for_good()

    async def _open(self, nc: Client, heard: Heard, topics: bool) -> None:
        await nc.connect(
            self.servers,
            name=f"actorkit {self.system_name}{' topics' if topics else ''}",
            error_cb=heard.error_cb,
            disconnected_cb=self._topics_disconnected if topics else self._disconnected,
            reconnected_cb=heard.reconnected,
            closed_cb=self._connection_closed if topics else self._requests_closed,
            **{**self.options, "no_echo": topics},
        )

    def _fail(self, heard: Heard, cause: BaseException | None) -> NoReturn:
        where = shown_servers(self.servers)
        if heard.refused.done():
            raise ConnectionRefusedError(
                f"NATS at {where} refused system {self.system_name!r}: {heard.refused.result()}; "
                "check the token, user/password, creds or TLS settings given to NatsTransport"
            ) from heard.refused.result()
        cause = cause or heard.last
        raise ConnectionError(
            f"cannot connect system {self.system_name!r} to NATS at {where} within "
            f"{self.connect_timeout}s: {why_not(cause)}"
        ) from cause

    async def close(self) -> None:
        """Close both connections whatever state they are in: a shutdown never fails, never
        hangs, nor leaves nats-py's tasks running, because NATS went away. Once one closed
        for good, the link's ending closes them (`_end`): this waits for it, then closes what
        it could not (a start's topics connection, opened after it ran)."""
        ending = self.ending
        if ending is not None:
            await self.ended()
        try:
            await self._close_both()  # what the ending closed returns at once
        finally:
            self._down_for_good()
        if ending is not None and not ending.cancelled():
            ending.result()  # its error, if it had one, is the close's

    def _down_for_good(self) -> None:
        """The link closed by the system (its shutdown, a failed start) is down as one closed
        for good is: nats-py's disconnect then comes while `stopping`, which no outage
        reaction may see, so code waiting on `link_down` would wait for ever."""
        self.up.clear()
        self.down.set()

    async def ended(self) -> None:
        """Wait for the ending, if a connection closed for good. A waiter cancelled leaves
        it to end on its own, within its bound."""
        if self.ending is not None:
            await asyncio.wait((self.ending,))

    async def _close_both(self) -> None:
        within, name = self.connect_timeout, self.system_name
        await asyncio.gather(
            *(
                close_client(nc, nc._reconnection_task, within, name)
                for nc in (self.nc, self.topics)
                if nc is not None
            )
        )

    def health(self, buffered: int) -> dict[str, object]:
        nc, topics = self.nc, self.topics
        if nc is None or topics is None or nc.is_closed or topics.is_closed:
            state = "closed"
        elif nc.is_connected and topics.is_connected:
            state = "connected"
        else:
            state = "reconnecting"
        url = nc.connected_url if nc is not None else None
        return {
            "state": state,
            "connected": state == "connected",
            "server": f"{url.scheme}://{url.hostname}:{url.port}" if url is not None else None,
            "buffered": buffered,
        }

    # nats-py's callbacks ------------------------------------------------------------------
    async def _disconnected(self) -> None:
        self.dropped.set()
        if self.stopping or self.closed:
            return
        if not closed_for_good(self.nc):
            logger.warning("%s lost its NATS connection; reconnecting", self.system_name)
        self.up.clear()
        self.down.set()
        self._lost()

    async def _topics_disconnected(self) -> None:
        self.topics_up.clear()
        self.topics_down.set()
        if not (self.stopping or self.closed or closed_for_good(self.topics)):
            logger.warning("%s lost its NATS topics connection; reconnecting", self.system_name)

    async def _topics_reconnected(self) -> None:
        self.topics_down.clear()
        self.topics_up.set()
        self._back()

    async def _reconnected(self) -> None:
        self.reconnects += 1
        self.dropped.clear()
        self.down.clear()
        self.up.set()
        self._back()

    async def _requests_closed(self) -> None:
        self.requests_shut.set()
        await self._connection_closed()

    async def _connection_closed(self) -> None:
        """Closed (`shut`); for good, not by the link (a finite `max_reconnect_attempts` ran
        out, or a server error): the transport is closed as a whole, and the other connection
        closes too, in a task of its own since this runs inside nats-py's close."""
        self.shut.set()
        if not (self.stopping or self.closed):
            error = server_error(self.nc, self.topics)
            if error is not None:
                self.why_closed = f"nats-py closed it on the server's error {error}"
            why = "" if error is None else f" ({self.why_closed})"
            logger.error("%s: the NATS connection closed for good%s", self.system_name, why)
            self._gone()
            self.ending = asyncio.get_running_loop().create_task(self._end())

    async def _end(self) -> None:
        """Close the survivor: left open, it kept the system looking healthy to its peers,
        its subject and queue groups taking their share of requests, its topics connection
        the publishes of a system that can send nothing. A requests' connection still up
        says its `farewell` first, within `connect_timeout`: it leaves its subject and
        groups, and the answers to what it took still go out."""
        nc = self.nc
        try:
            if nc is not None and nc.is_connected:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.connect_timeout):
                        await self._farewell()
        finally:
            await self._close_both()
