"""`NatsTransport`: actor systems in several processes, connected through NATS.

Subjects, under a configurable prefix (default `actorkit`):
- `<prefix>.actor.<system>`: every request to any exposed actor of that system (the path is
  in the frame, so actor names need not be valid subject tokens);
- `<prefix>.group.<group>`: a queue group, one member system gets each request;
- `<prefix>.topic.<topic>`: publishes. Each system subscribes `<prefix>.topic.>` once and
  matches locally with the router's own index, so an actor gets each publish once however many
  of its patterns match, and no subscription changes when actors come and go. Topics use a
  second connection with NATS's `no_echo`, so the server never sends a system its own
  publishes (they were delivered locally already): the requests' connection cannot have it,
  because a system may ask its own exposed actors and serve its own groups.

Outbound messages go through one ordered queue and one writer task: `tell` is a plain call
that cannot await the client, the queue keeps a tell and a later ask to the same actor in
order, and it is the bounded buffer that holds tells while NATS is unreachable.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
import secrets
import ssl
from collections import deque
from collections.abc import Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ._errors import ActorStopped, AskTimeout, MailboxFull, NameTaken, NotDelivered
from ._instruments import Instrument
from ._ref import ActorRef
from ._seconds import check_seconds
from ._topics import validate_topic
from ._wire import ASK, ERROR, OK, PING, SEND, STOPPED, TELL, BadPayload, Codec, error_frame
from ._wire import rebuild_error as _rebuild_error

if TYPE_CHECKING:
    from ._cell import Cell
    from ._system import ActorSystem

logger = logging.getLogger("actorkit")

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_NO_RESPONDERS = "503"
_PROBE_MAX_DELAY = 0.5
_REJECT_REASONS = (
    "bad_payload",
    "not_exposed",
    "shutdown",
    "buffer_full",
    "unreachable",
    "transport_closed",
    "send_failed",
)
_ASK_OUTCOMES = ("ok", "error", "timeout", "stopped")


def _token(value: object, what: str) -> str:
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ValueError(
            f"{what} must be letters, digits, '_' or '-' (one NATS subject token) to be used "
            f"with NatsTransport, got {value!r}"
        )
    return value


def _auth_refused(error: BaseException) -> bool:
    """A refusal that retrying cannot cure: bad credentials, or a server certificate this
    client does not trust (or that names another host)."""
    if isinstance(error, nats.errors.AuthorizationError | ssl.SSLCertVerificationError):
        return True
    text = str(error).lower()
    return any(word in text for word in ("authorization", "authentication", "user authentication"))


class _Out:
    """One queued outbound message. `topic`: a publish, sent on the topics connection; any
    other target is one system or group whose reappearance is confirmed before a message
    buffered during an outage is sent to it."""

    __slots__ = ("buffered", "future", "message", "payload", "reply", "subject", "target", "topic")

    def __init__(
        self,
        subject: str,
        payload: bytes,
        reply: str,
        message: object,
        target: str,
        topic: bool,
        future: asyncio.Future[Msg] | None,
    ) -> None:
        self.subject = subject
        self.payload = payload
        self.reply = reply
        self.message = message
        self.target = target
        self.topic = topic
        self.future = future
        self.buffered = False


class NatsTransport:
    """Connects one `ActorSystem` to NATS: `ActorSystem("orders", transport=NatsTransport(...))`.

    Security options pass straight to nats-py's `connect`: `token`, `user` and `password`,
    `creds` (a `.creds` file for NATS accounts/JWT), `tls` (an `ssl.SSLContext`; use
    `tls://` server URLs) and `tls_hostname`; any other keyword (`nkeys_seed`,
    `ping_interval`, `reconnect_time_wait`, ...) goes to `nats.connect` as is.

    `max_buffered` bounds the outbound queue: tells beyond it raise `MailboxFull`, publishes
    beyond it become dead letters `buffer_full`. Tells queued while NATS is unreachable are sent
    after the reconnect once their target system (or group) answers again, for up to
    `buffer_timeout` seconds; then they become dead letters `unreachable`. `send_timeout`
    bounds a remote `send` (which waits until the remote mailbox took the message).
    """

    def __init__(
        self,
        servers: str | Sequence[str] = ("nats://127.0.0.1:4222",),
        *,
        prefix: str = "actorkit",
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        creds: str | None = None,
        tls: ssl.SSLContext | None = None,
        tls_hostname: str | None = None,
        max_buffered: int = 10_000,
        buffer_timeout: float = 30.0,
        send_timeout: float = 30.0,
        connect_timeout: float = 5.0,
        **options: Any,
    ) -> None:
        self.servers = [servers] if isinstance(servers, str) else list(servers)
        if not self.servers or not all(isinstance(url, str) and url for url in self.servers):
            raise ValueError(
                f"servers must be NATS URLs such as 'nats://127.0.0.1:4222', got {servers!r}"
            )
        validate_topic(prefix)
        if isinstance(max_buffered, bool) or not isinstance(max_buffered, int) or max_buffered < 1:
            raise ValueError(f"max_buffered must be an int >= 1, got {max_buffered!r}")
        if tls is not None and not isinstance(tls, ssl.SSLContext):
            raise TypeError(f"tls must be an ssl.SSLContext, got {type(tls).__name__}")
        self.prefix = prefix
        self.max_buffered = max_buffered
        self.buffer_timeout = check_seconds(buffer_timeout, "buffer_timeout")
        self.send_timeout = check_seconds(send_timeout, "send_timeout")
        self.connect_timeout = check_seconds(connect_timeout, "connect_timeout")
        credentials = {
            "token": token,
            "user": user,
            "password": password,
            "user_credentials": creds,
            "tls": tls,
            "tls_hostname": tls_hostname,
        }
        self._options: dict[str, Any] = {
            "max_reconnect_attempts": -1,  # a system outlives NATS outages; see /healthz
            "reconnect_time_wait": 0.5,
            "connect_timeout": max(1, int(self.connect_timeout)),
            **{key: value for key, value in credentials.items() if value is not None},
            **options,
        }
        self._codec = Codec()
        self._system: ActorSystem | None = None
        self._nc: Client | None = None
        self._topics_nc: Client | None = None
        self._instance = secrets.token_hex(8)
        self._out: deque[_Out] = deque()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room_waiters = 0
        self.link_up = asyncio.Event()
        self.link_down = asyncio.Event()
        """Set on each (re)connect and each disconnect, cleared by the opposite event: for
        code (tests, deploy scripts) that must wait for the link instead of polling."""
        self._drained = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._replies: dict[str, asyncio.Future[Msg]] = {}
        self._reply_tokens = itertools.count()
        self._inbox = ""
        self._confirmed: set[str] = set()
        self._unreachable: set[str] = set()
        self._probe_deadline: float | None = None
        self._exposed: dict[str, ActorRef] = {}
        self._groups: dict[str, ActorRef] = {}
        self._group_subs: dict[str, asyncio.Task[Subscription]] = {}
        self._answering: set[asyncio.Task[None]] = set()
        self._leaving: set[asyncio.Task[None]] = set()  # unsubscriptions of stopped members
        self._closed = False
        self._stopping = False
        self.sent = 0
        self.received = 0
        self.reconnects = 0
        self.rejected: dict[str, int] = dict.fromkeys(_REJECT_REASONS, 0)
        self.asks: dict[str, int] = dict.fromkeys(_ASK_OUTCOMES, 0)

    # --- subjects ---------------------------------------------------------------------
    def _actor_subject(self, system: str) -> str:
        return f"{self.prefix}.actor.{system}"

    def _group_subject(self, group: str) -> str:
        return f"{self.prefix}.group.{group}"

    @property
    def _topic_prefix(self) -> str:
        return f"{self.prefix}.topic."

    # --- lifecycle ----------------------------------------------------------------------
    async def start(self, system: ActorSystem) -> None:
        """Connect, claim the system's name and subscribe; returns once the server has the
        subscriptions, so other systems can reach this one as soon as `start()` returns."""
        if self._system is not None:
            raise RuntimeError("a NatsTransport serves one ActorSystem; create one per system")
        name = _token(system.name, "the system name")
        self._system = system
        system.instruments.add(_Departures(self))
        nc = await self._connect(system)
        self._nc = nc
        try:
            await self._claim(name)
            self._inbox = nc.new_inbox()
            await nc.subscribe(f"{self._inbox}.*", cb=self._on_reply)
            await nc.subscribe(self._actor_subject(name), cb=self._on_request)
            topics = self._topics_nc = await self._connect(system, topics=True)
            await topics.subscribe(f"{self._topic_prefix}>", cb=self._on_topic)
            await _round_trip(nc, self.connect_timeout)
            await _round_trip(topics, self.connect_timeout)
        except BaseException:
            self._closed = True
            await self._close_connections()
            raise
        self._writer = system.loop.create_task(self._write_loop())
        self.link_up.set()
        system.metrics.add_source(self._collect)

    async def _close_connections(self) -> None:
        for nc in (self._nc, self._topics_nc):
            if nc is not None:
                await nc.close()

    async def _connect(self, system: ActorSystem, *, topics: bool = False) -> Client:
        loop = system.loop
        nc = Client()
        refused: asyncio.Future[BaseException] = loop.create_future()
        last_error: list[BaseException] = []

        async def error_cb(error: Exception) -> None:
            last_error[:] = [error]
            if _auth_refused(error) and not refused.done():
                refused.set_result(error)
            if nc.is_connected or nc.is_reconnecting:
                logger.warning("NATS error in %s: %r", system.name, error)

        connecting = loop.create_task(
            nc.connect(
                self.servers,
                name=f"actorkit {system.name}{' topics' if topics else ''}",
                error_cb=error_cb,
                disconnected_cb=self._topics_disconnected if topics else self._disconnected,
                reconnected_cb=self._wake_writer if topics else self._reconnected,
                closed_cb=self._connection_closed,
                **{**self._options, "no_echo": topics},
            )
        )
        waiting: set[asyncio.Future[Any]] = {connecting, refused}
        done, _ = await asyncio.wait(
            waiting, timeout=self.connect_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if connecting in done and connecting.exception() is None:
            return nc
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        self._closed = True
        await nc.close()
        where = ", ".join(self.servers)
        if refused.done():
            raise ConnectionRefusedError(
                f"NATS at {where} refused system {system.name!r}: {refused.result()}; check "
                "the token, user/password, creds or TLS settings given to NatsTransport"
            ) from refused.result()
        cause = connecting.exception() if connecting in done else None
        cause = cause or (last_error[0] if last_error else None)
        raise ConnectionError(
            f"cannot connect system {system.name!r} to NATS at {where} within "
            f"{self.connect_timeout}s: {cause or 'no answer'}"
        ) from cause

    async def _claim(self, name: str) -> None:
        """A request to our own subject answered by someone else means the name is taken.
        Two systems starting in the same instant can both pass: this catches mistakes, it is
        not a consensus protocol."""
        nc = self._connection
        try:
            answer = await nc.request(
                self._actor_subject(name), self._codec.encode([PING, "", None, None]), timeout=1
            )
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            return
        holder = "another process"
        try:
            frame = self._codec.decode(answer.data)
            if frame[0] == OK and isinstance(frame[1], str):
                holder = f"instance {frame[1]}"
        except (BadPayload, IndexError):
            pass
        raise NameTaken(
            f"a system named {name!r} is already connected to NATS at {', '.join(self.servers)} "
            f"({holder}); system names must be unique across the cluster"
        )

    async def stop(self) -> None:
        """Send what is queued (while connected, within a second), then close. What could
        not be sent becomes dead letters `shutdown`; waiting asks fail with `ActorStopped`."""
        nc = self._nc
        if nc is None or self._stopping:
            return
        self._stopping = True
        if nc.is_connected and self._out:
            try:
                async with asyncio.timeout(1.0):
                    await self._wait_drained()
            except TimeoutError:
                pass
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        self._drop_queue("shutdown", "the actor system shut down")
        self._room.set()
        self._fail_replies("the actor system shut down before the reply arrived")
        pending = [*self._answering, *self._leaving, *self._group_subs.values()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._closed = True
        await self._close_connections()

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued message, subscription (from `expose(..., group=)`) and
        group departure (of a stopped member) reached the NATS server. `expose` and `tell` are
        plain calls; tests and deploy scripts await this before announcing that a system is
        ready."""
        timeout = check_seconds(timeout, "flush timeout")
        nc = self._connection
        async with asyncio.timeout(timeout):
            await self._wait_drained()
            await asyncio.gather(*self._group_subs.values(), *self._leaving)
            await _round_trip(nc, timeout)
            if self._topics_nc is not None:
                await _round_trip(self._topics_nc, timeout)

    async def _wait_drained(self) -> None:
        while self._out:
            self._drained.clear()
            await self._drained.wait()

    @property
    def _connection(self) -> Client:
        if self._nc is None:
            raise RuntimeError("the NATS transport is not started; start its ActorSystem first")
        return self._nc

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    def health(self) -> dict[str, object]:
        nc, topics = self._nc, self._topics_nc
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
            "buffered": len(self._out),
        }

    # --- connection events ------------------------------------------------------------
    async def _disconnected(self) -> None:
        if self._stopping or self._closed:
            return
        logger.warning("%s lost its NATS connection; reconnecting", self._system_name)
        self.link_up.clear()
        self.link_down.set()
        self._confirmed.clear()
        self._unreachable.clear()
        self._probe_deadline = None
        for item in self._out:
            item.buffered = True
        self._fail_replies(
            "lost the connection to NATS before the reply arrived; the request may or may not "
            "have been handled"
        )

    async def _topics_disconnected(self) -> None:
        if not (self._stopping or self._closed):
            logger.warning("%s lost its NATS topics connection; reconnecting", self._system_name)

    async def _wake_writer(self) -> None:
        self._wake.set()

    async def _reconnected(self) -> None:
        self.reconnects += 1
        logger.warning("%s reconnected to NATS", self._system_name)
        self.link_down.clear()
        self.link_up.set()
        self._wake.set()

    async def _connection_closed(self) -> None:
        if not (self._stopping or self._closed):
            logger.error("%s: the NATS connection closed for good", self._system_name)
            self._fail_replies("the NATS connection closed")

    @property
    def _system_name(self) -> str:
        return self._system.name if self._system is not None else "?"

    def _fail_replies(self, why: str) -> None:
        replies, self._replies = self._replies, {}
        for future in replies.values():
            if not future.done():
                future.set_exception(ActorStopped(why))

    # --- outbound -----------------------------------------------------------------------
    def _encode(self, frame: list[Any]) -> bytes:
        payload = self._codec.encode(frame)
        nc = self._nc
        if nc is not None and len(payload) > nc.max_payload > 0:
            raise ValueError(
                f"the message encodes to {len(payload):,} bytes; the NATS server takes at most "
                f"{nc.max_payload:,} per message (its max_payload setting)"
            )
        return payload

    def _enqueue(self, item: _Out) -> bool:
        if len(self._out) >= self.max_buffered:
            return False
        item.buffered = not self.connected
        self._out.append(item)
        self._wake.set()
        return True

    async def _wait_for_room(self) -> None:
        if not self.connected or self._stopping:
            raise NotDelivered("not connected to NATS and the outbound buffer is full")
        self._room_waiters += 1
        self._room.clear()
        try:
            await self._room.wait()
        finally:
            self._room_waiters -= 1

    def _refused_closed(self, message: object, target: str) -> bool:
        """After `stop()` (or a failed start) nothing is queued any more: what is sent then
        becomes a dead letter `transport_closed`, as a tell to a stopped actor would."""
        if self._closed or self._nc is None:
            self._reject("transport_closed", message, target)
            return True
        return False

    def publish(self, topic: str, message: object) -> None:
        """Forward a local publish to the other systems (encoding now, so an unregistered
        type raises TypeError before anything is delivered anywhere)."""
        validate_topic(topic)
        payload = self._encode([self._codec.wire(message)])
        if self._refused_closed(message, f"topic {topic}"):
            return
        item = _Out(self._topic_prefix + topic, payload, "", message, topic, True, None)
        if not self._enqueue(item):
            self._reject("buffer_full", message, f"topic {topic}")

    def tell(self, subject: str, path: str, target: str, message: object) -> None:
        payload = self._encode([TELL, path, self._codec.wire(message), None])
        if self._refused_closed(message, target):
            return
        if not self._enqueue(_Out(subject, payload, "", message, target, False, None)):
            self.rejected["buffer_full"] += 1
            state = "connected" if self.connected else "NATS is unreachable"
            raise MailboxFull(
                f"the NATS transport's outbound buffer is full ({self.max_buffered} messages; "
                f"{state}): {target} did not get the tell; use `await ref.send(msg)` to wait, "
                "or raise NatsTransport(max_buffered=...)"
            )

    async def request(
        self, subject: str, kind: int, path: str, target: str, message: object, timeout: float
    ) -> Any:
        """An ask or an acknowledged send: fails at once while disconnected (nothing sent,
        so retrying is safe), `AskTimeout` after `timeout`, `ActorStopped` when no system
        answers for the target."""
        timeout = check_seconds(timeout, f"{'ask' if kind == ASK else 'send'} timeout")
        payload = self._encode([kind, path, self._codec.wire(message), timeout])
        what = "ask" if kind == ASK else "send"
        if not self.connected:
            self.asks["stopped"] += 1
            raise NotDelivered(f"not connected to NATS: the {what} to {target} was not sent")
        loop = asyncio.get_running_loop()
        token = str(next(self._reply_tokens))
        future: asyncio.Future[Msg] = loop.create_future()
        self._replies[token] = future
        item = _Out(subject, payload, f"{self._inbox}.{token}", message, target, False, future)
        try:
            try:
                async with asyncio.timeout(timeout) as scope:
                    while not self._enqueue(item):  # like a full mailbox: wait for room
                        await self._wait_for_room()
                    reply = await future
            except TimeoutError:
                if not scope.expired():
                    raise
                raise AskTimeout(
                    f"no reply from {target} within {timeout}s to the {what}"
                    + (" (it may still be delivered)" if kind == SEND else "")
                ) from None
            result = self._answer_of(reply, target)
        except AskTimeout:
            self.asks["timeout"] += 1
            raise
        except ActorStopped:
            self.asks["stopped"] += 1
            raise
        except BaseException:
            self.asks["error"] += 1
            raise
        finally:
            self._replies.pop(token, None)
            if not future.done():
                future.cancel()
        self.asks["ok"] += 1
        return result

    def _answer_of(self, reply: Msg, target: str) -> Any:
        headers = reply.headers
        if headers and headers.get("Status") == _NO_RESPONDERS and not reply.data:
            raise NotDelivered(
                f"nobody answers for {target}: that system is not connected to NATS (or no "
                "member of the group is)"
            )
        try:
            frame = self._codec.decode(reply.data)
            status = frame[0]
            if status == OK and len(frame) == 2:
                return frame[1]
            if status == STOPPED and len(frame) == 2 and isinstance(frame[1], str):
                raise ActorStopped(frame[1])
            if status == ERROR and len(frame) == 4:
                error = _rebuild_error(frame[1], frame[2], frame[3])
                error.add_note(f"raised by {target}, across NATS")
                raise error
            raise BadPayload("unknown reply")
        except BadPayload as error:
            self._reject("bad_payload", bytes(reply.data[:256]), target)
            raise TypeError(f"the reply from {target} could not be decoded: {error}") from None

    async def _write_loop(self) -> None:
        out = self._out
        nc = self._connection
        topics = self._topics_nc
        assert topics is not None
        while True:
            if not out or not (topics if out[0].topic else nc).is_connected:
                if not out:
                    self._drained.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            item = out[0]
            if item.future is not None and item.future.done():
                out.popleft()
                continue
            if item.buffered and not item.topic and item.subject not in self._confirmed:
                reachable = await self._probe(item.subject)
                if reachable is False:
                    self._drop_buffered(item.subject)
                continue
            out.popleft()
            if self._room_waiters:
                self._room.set()
            try:
                await (topics if item.topic else nc).publish(
                    item.subject, item.payload, reply=item.reply
                )
            except nats.errors.Error as error:
                logger.warning("%s could not send to %s: %r", self._system_name, item.target, error)
                self._reject("send_failed", item.message, item.target)
                continue
            self.sent += 1

    async def _probe(self, subject: str) -> bool | None:
        """After an outage: does anyone answer on `subject` again? None when the connection
        dropped meanwhile (ask again after the next reconnect)."""
        if subject in self._unreachable:
            return False
        nc = self._connection
        loop = asyncio.get_running_loop()
        if self._probe_deadline is None:  # the first probe since the link came back
            self._probe_deadline = loop.time() + self.buffer_timeout
        deadline = self._probe_deadline
        ping = self._codec.encode([PING, "", None, None])
        delay = 0.02
        while (left := deadline - loop.time()) > 0:
            if not nc.is_connected:
                return None
            try:
                await nc.request(subject, ping, timeout=min(1.0, left))
            except nats.errors.NoRespondersError:
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 2, _PROBE_MAX_DELAY)
            except nats.errors.TimeoutError:
                continue
            except nats.errors.Error:
                return None
            else:
                self._confirmed.add(subject)
                return True
        self._unreachable.add(subject)
        return False

    def _drop_buffered(self, subject: str) -> None:
        kept: deque[_Out] = deque()
        for item in self._out:
            if item.buffered and item.subject == subject:
                self._reject("unreachable", item.message, item.target)
            else:
                kept.append(item)
        self._out.clear()
        self._out.extend(kept)
        self._room.set()

    def _drop_queue(self, reason: str, why: str) -> None:
        for item in self._out:
            if item.future is not None:
                if not item.future.done():
                    item.future.set_exception(NotDelivered(f"{why}; {item.target} was not sent"))
            else:
                self._system_dead_letter(item.message, item.target, reason)
        self._out.clear()

    def _reject(self, reason: str, message: object, recipient: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        self._system_dead_letter(message, recipient, reason)

    def _system_dead_letter(self, message: object, recipient: str, reason: str) -> None:
        if self._system is not None:
            self._system.dead_letters.add(message, recipient, reason)

    # --- inbound ------------------------------------------------------------------------
    async def _on_reply(self, msg: Msg) -> None:
        future = self._replies.pop(msg.subject[len(self._inbox) + 1 :], None)
        if future is not None and not future.done():
            future.set_result(msg)

    async def _on_request(self, msg: Msg, group: str | None = None) -> None:
        system = self._system
        assert system is not None
        self.received += 1
        try:
            frame = self._codec.decode(msg.data)
            if len(frame) != 4:
                raise BadPayload("a request frame has 4 slots")
            kind, path, body, timeout = frame
            if kind not in (TELL, ASK, SEND, PING) or not isinstance(path, str):
                raise BadPayload("unknown request")
            if kind in (ASK, SEND) and not (
                type(timeout) in (int, float) and 0 < timeout < math.inf and msg.reply
            ):
                raise BadPayload("an ask or send needs a positive timeout and a reply subject")
        except BadPayload as error:
            self._reject("bad_payload", bytes(msg.data[:256]), msg.subject)
            logger.warning("%s rejected a payload on %s: %s", system.name, msg.subject, error)
            if msg.reply:
                await self._respond(msg.reply, error_frame(TypeError(str(error))))
            return
        if kind == PING:
            await self._respond(msg.reply, [OK, self._instance])
            return
        ref = self._groups.get(group) if group is not None else self._exposed.get(path)
        where = f"group {group}" if group is not None else path
        if ref is None or not system.accepting:
            reason = "not_exposed" if ref is None else "shutdown"
            self._reject(reason, body, where)
            if msg.reply:
                why = "is not exposed" if ref is None else "is shutting down"
                await self._respond(msg.reply, [STOPPED, f"{system.name}:{where} {why}"])
            return
        if not ref.is_alive:
            self._unexpose(ref)
        if kind == TELL:
            try:
                ref.tell(body)
            except MailboxFull:
                system.dead_letters.add(body, ref.path, "mailbox_full")
            return
        task = system.loop.create_task(self._answer(ref, kind, body, timeout, msg.reply))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)
        # Let the task enqueue before the next message of this subscription is handled, so a
        # remote ask followed by a remote tell reaches the mailbox in that order.
        await asyncio.sleep(0)

    async def _answer(
        self, ref: ActorRef, kind: int, body: Any, timeout: float, reply: str
    ) -> None:
        try:
            if kind == ASK:
                result = await ref.ask(body, timeout=timeout)
            else:
                async with asyncio.timeout(timeout):
                    await ref.send(body)
                result = None
            try:
                frame = [OK, self._codec.wire(result)]
            except TypeError as error:
                logger.warning("the reply of %s cannot cross NATS: %s", ref.path, error)
                frame = error_frame(
                    TypeError(f"the reply of {ref.path} cannot cross NATS: {error}")
                )
        except Exception as error:
            frame = error_frame(error)
        await self._respond(reply, frame)

    async def _respond(self, reply: str, frame: list[Any]) -> None:
        try:
            payload = self._encode(frame)
        except (TypeError, ValueError) as error:
            payload = self._encode(error_frame(error))
        try:
            await self._connection.publish(reply, payload)
        except nats.errors.Error as error:
            logger.info("%s could not send a reply: %r", self._system_name, error)

    async def _on_topic(self, msg: Msg) -> None:
        system = self._system
        assert system is not None
        self.received += 1
        topic = msg.subject[len(self._topic_prefix) :]
        try:
            frame = self._codec.decode(msg.data)
            if len(frame) != 1:
                raise BadPayload("a publish frame has 1 slot")
        except BadPayload as error:
            self._reject("bad_payload", bytes(msg.data[:256]), f"topic {topic}")
            logger.warning("%s rejected a payload on %s: %s", system.name, msg.subject, error)
            return
        body = frame[0]
        if not system.accepting:
            self._reject("shutdown", body, f"topic {topic}")
            return
        system.router.publish(topic, body, unmatched_is_dead=False)

    # --- exposure -----------------------------------------------------------------------
    def expose(self, ref: ActorRef, group: str | None = None) -> None:
        if not isinstance(ref, ActorRef) or isinstance(ref, RemoteRef):
            raise TypeError(f"expose takes a local ActorRef, got {type(ref).__name__}")
        if not ref.is_alive:
            raise ActorStopped(f"{ref.path} is stopped and cannot be exposed")
        nc = self._connection
        if group is not None:
            _token(group, "a group name")
            current = self._groups.get(group)
            if current is not None and current is not ref and current.is_alive:
                raise ValueError(
                    f"group {group!r} is already served by {current.path} in this system; "
                    "expose one ref per group and system (a pool to serve it with several)"
                )
            self._groups[group] = ref
            if group not in self._group_subs:
                self._group_subs[group] = asyncio.get_running_loop().create_task(
                    nc.subscribe(
                        self._group_subject(group),
                        queue=group,
                        cb=partial(self._on_request, group=group),
                    )
                )
        self._exposed[ref.path] = ref

    def _unexpose(self, ref: ActorRef) -> None:
        """An exposed actor stopped: it leaves its groups, so others get the traffic. Called
        as it stops (`_Departures`), and again by a request that reached it in the moment
        before the server had the unsubscription."""
        if self._exposed.get(ref.path) is ref:
            del self._exposed[ref.path]
        for group, member in list(self._groups.items()):
            if member is ref:
                del self._groups[group]
                subscribing = self._group_subs.pop(group, None)
                if subscribing is None:
                    continue
                if subscribing.done():
                    self._leave(subscribing)  # now, so a `flush` right after waits for it
                else:
                    subscribing.add_done_callback(self._leave)

    def _leave(self, subscribing: asyncio.Task[Subscription]) -> None:
        if not subscribing.cancelled() and subscribing.exception() is None:
            task = asyncio.get_running_loop().create_task(subscribing.result().unsubscribe())
            self._leaving.add(task)
            task.add_done_callback(self._leaving.discard)

    def remote(self, system: str, path: str) -> RemoteRef:
        _token(system, "the system name")
        if not isinstance(path, str) or not path.startswith("/") or path == "/":
            raise ValueError(f"path must be an actor path such as '/orders', got {path!r}")
        return RemoteRef(self, self._actor_subject(system), path, f"{system}:{path}")

    def remote_group(self, group: str) -> RemoteRef:
        _token(group, "a group name")
        return RemoteRef(self, self._group_subject(group), "", f"group:{group}")

    # --- metrics ------------------------------------------------------------------------
    def _collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "actorkit_nats_connected",
            "1 while both connections to NATS are up",
            value=int(self.health()["connected"] is True),
        )
        messages = CounterMetricFamily(
            "actorkit_nats_messages", "Messages through NATS", labels=["direction"]
        )
        messages.add_metric(["out"], self.sent)
        messages.add_metric(["in"], self.received)
        yield messages
        rejected = CounterMetricFamily(
            "actorkit_nats_rejected",
            "Messages refused or dropped at the transport, by reason",
            labels=["reason"],
        )
        for reason, count in sorted(self.rejected.items()):
            rejected.add_metric([reason], count)
        yield rejected
        asks = CounterMetricFamily(
            "actorkit_nats_requests", "Remote asks and sends by outcome", labels=["outcome"]
        )
        for outcome, count in self.asks.items():
            asks.add_metric([outcome], count)
        yield asks
        yield CounterMetricFamily(
            "actorkit_nats_reconnects", "Reconnections to NATS", value=self.reconnects
        )
        yield GaugeMetricFamily(
            "actorkit_nats_buffered", "Messages queued for NATS", value=len(self._out)
        )


async def _round_trip(nc: Client, timeout: float) -> None:
    """Return once the server has processed everything sent so far. nats-py writes a flush's
    PING ahead of commands still queued for its flusher task, so one flush can return before
    them; once its PONG is back the flusher has run, and a second PING follows them all."""
    for _ in range(2):
        await nc.flush(timeout=max(1, int(timeout)))


class _Departures(Instrument):
    """The transport's view of the lifecycle: an exposed actor that stops leaves its groups at
    once. Without it, the member stayed in the NATS queue group until a message routed to it
    found it stopped, and that message was lost to it though other members were alive."""

    def __init__(self, transport: NatsTransport) -> None:
        self._transport = transport

    def stopped(self, cell: Cell) -> None:
        self._transport._unexpose(cell.ref)


class RemoteRef(ActorRef):
    """A ref to an actor in another system (`system.remote`) or to a group of them
    (`system.remote_group`). `tell`, `send` and `ask` cross NATS; refs are equal when they
    name the same target. Watching, subscribing and stopping need a local ref."""

    __slots__ = ("_path", "_subject", "_target", "_transport")

    def __init__(self, transport: NatsTransport, subject: str, path: str, target: str) -> None:
        self._transport = transport
        self._subject = subject
        self._path = path
        self._target = target

    @property
    def _cell(self) -> Cell:  # type: ignore[override]
        raise TypeError(
            f"{self._target} lives in another system: watch, subscribe and stop it there; "
            "a remote ref only offers tell, send and ask"
        )

    @property
    def name(self) -> str:
        return self._path.rpartition("/")[2] if self._path else self._target.partition(":")[2]

    @property
    def path(self) -> str:
        return self._path

    @property
    def target(self) -> str:
        """`system:/path`, or `group:name` for a group."""
        return self._target

    @property
    def is_alive(self) -> bool:
        """Whether the transport is connected: liveness of the remote actor itself shows
        only when a request is answered (or refused with `ActorStopped`)."""
        return self._transport.connected

    def tell(self, message: Any) -> None:
        """Queue for NATS without waiting; `MailboxFull` when the transport's buffer is full.
        At most once: a tell to a system that is gone is lost (see docs/distributed.md)."""
        self._transport.tell(self._subject, self._path, self._target, message)

    async def send(self, message: Any) -> None:
        """Returns once the remote mailbox took the message (waiting there for room)."""
        transport = self._transport
        await transport.request(
            self._subject, SEND, self._path, self._target, message, transport.send_timeout
        )

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        return await self._transport.request(
            self._subject, ASK, self._path, self._target, message, timeout
        )

    async def stop(self) -> None:
        raise TypeError(f"{self._target} lives in another system: stop it there")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RemoteRef):
            return NotImplemented
        return (self._transport, self._target) == (other._transport, other._target)

    def __hash__(self) -> int:
        return hash((id(self._transport), self._target))

    def __repr__(self) -> str:
        return f"<RemoteRef {self._target}>"
