"""`NatsTransport`: the facade that builds the transport's parts and ties them to a system."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Coroutine, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import nats.errors
from nats.aio.subscription import Subscription

from .._exact import exact_str
from .._names import check_actor_path, check_system_name
from .._ref import ActorRef
from .._seconds import check_seconds
from .._shielded import shielded
from ._closing import start_error
from ._core import Core, token
from ._credentials import Creds, check_credentials
from ._direct import leave, subscribe
from ._exposure import Departures, Exposure
from ._heard import refused_subscriptions
from ._inbound import Inbound
from ._link import Link
from ._metrics import collect
from ._options import check_options, checked, nats_options, servers_of
from ._outbound import Outbox
from ._probes import Probes
from ._refused_publish import RefusedPublishes
from ._remote_ref import RemoteRef
from ._requests import Requests
from ._round_trip import across_drops, flush_within

if TYPE_CHECKING:
    from .._transport import Host

logger = logging.getLogger("actorkit")


class NatsTransport:
    """Connects one `ActorSystem` to NATS: `ActorSystem("orders", transport=NatsTransport(...))`.

    Security options pass straight to nats-py's `connect`: `token`, `user` and `password`,
    `creds` (a `.creds` file for NATS accounts/JWT), `tls` (an `ssl.SSLContext`; use
    `tls://` server URLs) and `tls_hostname`; any other keyword (`nkeys_seed`,
    `ping_interval`, `reconnect_time_wait`, ...) goes to `nats.connect` as is. Unless given,
    pings every 5 s notice a server that stopped answering within 15 s (nats-py's own 120 s
    took minutes), and the client reconnects (`_options.PING_INTERVAL`).

    `max_buffered` bounds the outbound queue, requests and publishes each (publishes held for
    a topics connection that is down take no room from the rest): tells beyond it raise
    `MailboxFull`, publishes beyond it become dead letters `buffer_full`. Tells queued while
    NATS is unreachable are sent after the reconnect once their target system (or group)
    answers again, for up to `buffer_timeout` seconds; then they become dead letters
    `unreachable`. `send_timeout` bounds a remote `send` (which waits until the remote
    mailbox took the message).
    """

    def __init__(
        self,
        servers: str | Sequence[str] = ("nats://127.0.0.1:4222",),
        *,
        prefix: str = "actorkit",
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        creds: Creds | None = None,
        tls: ssl.SSLContext | None = None,
        tls_hostname: str | None = None,
        max_buffered: int = 10_000,
        buffer_timeout: float = 30.0,
        send_timeout: float = 30.0,
        connect_timeout: float = 5.0,
        **options: Any,
    ) -> None:
        self.servers: list[str] = servers_of(servers)
        self.max_buffered: int = checked(prefix, max_buffered, tls, self.servers)
        check_options(options)
        self.prefix: str = exact_str(prefix)  # formatted into every subject
        self.buffer_timeout: float = check_seconds(buffer_timeout, "buffer_timeout")
        self.send_timeout: float = check_seconds(send_timeout, "send_timeout")
        self.connect_timeout: float = check_seconds(connect_timeout, "connect_timeout")
        credentials = check_credentials(token, user, password, creds, tls_hostname, options)
        credentials["tls"] = tls
        self._build(nats_options(self.connect_timeout, credentials, options))

    def _build(self, options: dict[str, Any]) -> None:
        link = self._link = Link(
            self.servers,
            options,
            self.connect_timeout,
            lost=self._lost,
            back=self._back,
            gone=self._gone,
            farewell=self._farewell,
        )
        core = self._core = Core(self.prefix, link)
        self._probes = Probes(core, self.buffer_timeout)
        self._outbox = Outbox(core, self._probes, self.max_buffered)
        self._requests = Requests(core, self._outbox)
        refusals = self._probes.refusals = RefusedPublishes(core, self._requests)
        link.refused_publish = refusals.heard
        self._exposure = Exposure(core)
        self._inbound = Inbound(core, self._exposure)
        # What `RemoteRef` calls, bound to the parts that do it: a remote tell costs no
        # extra call through the facade.
        self.tell: Callable[[str, str, str, object], None] = self._outbox.tell
        self.request: Callable[..., Coroutine[Any, Any, Any]] = self._requests.request
        self._own: Subscription | None = None
        self.link_up: asyncio.Event = link.up
        self.link_down: asyncio.Event = link.down
        """Set on each (re)connect and each disconnect, cleared by the opposite event: for
        code (tests, deploy scripts) that must wait for the link instead of polling."""

    async def start(self, system: Host) -> None:
        """Connect, claim the system's name and subscribe; returns once the server has the
        subscriptions, so other systems can reach this one as soon as `start()` returns."""
        core, link = self._core, self._link
        if core.system is not None:
            raise RuntimeError("a NatsTransport serves one ActorSystem; create one per system")
        name = token(system.name, "the system name")
        core.system = system
        system.instruments.add(Departures(self._exposure))
        nc = await link.connect(system)
        try:
            await self._probes.claim(name)
            await self._requests.listen(nc)
            inbound = self._inbound
            own = core.actor_subject(name)
            handlers = (inbound.request_now, inbound.on_request, inbound.unanswered)
            self._own = await subscribe(nc, own, *handlers, drop=inbound.dropped)
            topics = await link.connect(system, topics=True)
            await subscribe(topics, f"{core.topic_prefix}>", inbound.topic_now, inbound.on_topic)
            within = self.connect_timeout
            await across_drops(nc, within, link.shut, link.up, link.down)
            await across_drops(topics, within, link.shut, link.topics_up, link.topics_down)
            refused_subscriptions(
                link.denied, name, self._requests.replies, own, f"{core.topic_prefix}>"
            )
        except BaseException as error:
            link.closed = True
            with shielded():  # from an anyio scope, which would cancel the close at once
                await link.close()
            failure = start_error(error, name, self.connect_timeout, link.nc, link.topics)
            if failure is error:
                raise
            raise failure from error
        self._outbox.start(system.loop)
        if not link.down.is_set():  # a drop after the requests' round trip: up once back
            link.up.set()
        system.metrics.add_source(partial(collect, core, self._outbox))

    def closing(self) -> None:
        self._exposure.leave_groups()

    async def stop(self) -> None:
        """Send what is queued (while connected, within a second), then close. What could
        not be sent becomes dead letters `shutdown`; waiting asks fail with `ActorStopped`.

        Called from a cancelled task (a shutdown the end of `asyncio.run` cancelled), it
        sends nothing more and only closes: nats-py's own tasks were cancelled with it, so a
        last send or goodbye would just wait out its timeout."""
        link = self._link
        if link.nc is None or link.stopping:
            return
        link.stopping = True
        task = asyncio.current_task()
        ending = task is not None and task.cancelling() > 0
        try:
            await link.ended()  # closed for good: the survivor's farewell and close first
            await self._outbox.stop(send=not ending)
            if not ending:
                await self._leave_own()
        finally:  # cancelled in a goodbye (Ctrl-C), the connections must still close
            self._requests.close("the actor system shut down before the reply arrived")
            self._inbound.close()
            pending = [*self._inbound.answering, *self._exposure.pending()]
            for waiting in pending:
                waiting.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            link.closed = True
            await link.close()

    async def _leave_own(self) -> None:
        """Requests already on their way when the system stops are refused (it no longer
        accepts), not lost with the connection, which left their askers waiting for their
        timeout; those sent once the server heard find no responder at once."""
        own, nc = self._own, self._link.nc
        if own is None or nc is None or not nc.is_connected:
            return
        try:
            await leave(nc, own, self.connect_timeout, self._link.requests_shut, self._link.dropped)
        except (nats.errors.Error, TimeoutError) as error:
            logger.info("%s: leaving its NATS subject failed: %r", self._core.system_name, error)

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued message, subscription (from `expose(..., group=)`) and
        group departure (of a stopped member) reached the NATS server. `expose` and `tell` are
        plain calls; tests and deploy scripts await this before announcing that a system is
        ready."""
        timeout = check_seconds(timeout, "flush timeout")
        link = self._link
        nc = link.connection
        async with flush_within(timeout, link.system_name):
            await self._outbox.wait_drained()
            await asyncio.gather(*self._exposure.pending())
            await across_drops(nc, timeout, link.shut, link.up, link.down)
            if link.topics is not None:
                topics_events = (link.topics_up, link.topics_down)
                await across_drops(link.topics, timeout, link.shut, *topics_events)
            await asyncio.gather(*self._exposure.pending())  # a group the server refused

    def publish(self, topic: str, message: object) -> None:
        self._outbox.publish(topic, message)

    def expose(self, ref: ActorRef, group: str | None = None) -> None:
        self._exposure.expose(ref, group, self._inbound)

    def remote(self, system: str, path: str) -> RemoteRef:
        """`ActorSystem.remote`'s rules, then the one a system served over NATS adds to its
        name, in the words `start` uses for it."""
        system = token(check_system_name(system), "the system name")
        path = check_actor_path(path)
        return RemoteRef(self, self._core.actor_subject(system), path, f"{system}:{path}")

    def remote_group(self, group: str) -> RemoteRef:
        token(group, "a group name")
        return RemoteRef(self, self._core.group_subject(group), "", f"group:{group}")

    @property
    def connected(self) -> bool:
        return self._link.connected

    def health(self) -> dict[str, object]:
        failed = self._exposure.failed_groups()
        return self._link.health(len(self._outbox)) | {"failed_groups": failed}

    # The link's events --------------------------------------------------------------------
    def _lost(self) -> None:
        self._probes.reset()
        self._outbox.outage()
        self._requests.fail(
            "lost the connection to NATS before the reply arrived; the request may or may not "
            "have been handled"
        )

    def _back(self) -> None:
        self._outbox.wake()
        self._probes.recheck(self._core.system_name, self._inbound.instance)

    def _gone(self) -> None:
        """Closed for good (a finite `max_reconnect_attempts` ran out): nothing queued will
        ever be sent, and what is sent from now on is refused as after `stop`. The other
        connection closes next (`Link._end`)."""
        self._link.closed = True
        self._requests.fail("the NATS connection closed for good")
        self._outbox.close("transport_closed", "the NATS connection closed for good")

    async def _farewell(self) -> None:
        """The topics connection closed for good, the requests' one is still up: before it
        closes too (`Link._end` bounds this by `connect_timeout`), it leaves the system's
        subject and groups, so that a peer's new ask finds no responder at once and a
        group's traffic goes to its other members. What the server routed here before it
        heard is still taken, and the answers to the asks and sends taken still go out as
        they come: those not answered within the bound are lost with the connection, their
        askers' `AskTimeout`, as when a system goes away."""
        self._exposure.leave_groups()
        leaving = (self._leave_own(), *self._exposure.pending())
        await asyncio.gather(*leaving, return_exceptions=True)  # each logs its own failure
        await self._inbound.taken.settled()

    # Counters behind the metrics ----------------------------------------------------------
    @property
    def sent(self) -> int:
        return self._core.sent

    @property
    def received(self) -> int:
        return self._core.received

    @property
    def reconnects(self) -> int:
        return self._link.reconnects

    @property
    def rejected(self) -> dict[str, int]:
        return self._core.rejected

    @property
    def asks(self) -> dict[str, int]:
        return self._core.asks
