"""What nats-py reports on one connection of the link, and how much of it reaches the log: an
outage's first failed attempt, a failure of another kind, and the reconnection, not each
attempt in between."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import nats.errors
from nats.aio.client import Client

from ._client import TlsNotOffered

if TYPE_CHECKING:
    from .._transport import Host

logger = logging.getLogger("actorkit")

AsyncCallback = Callable[[], Awaitable[None]]


_CERTIFICATE_ALERTS = frozenset(
    (
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "TLSV1_ALERT_ACCESS_DENIED",
        "TLSV1_ALERT_UNKNOWN_CA",
    )
)
"""TLS alerts by which a server that verifies its clients (mutual TLS) refuses this one's
certificate: none given, or one it does not trust. Its credentials, refused."""


def auth_refused(error: BaseException) -> bool:
    """A refusal that retrying cannot cure: bad credentials (a client certificate too), a
    server certificate this client does not trust (or that names another host), or no TLS
    where it was asked for."""
    refusals = nats.errors.AuthorizationError | ssl.SSLCertVerificationError | TlsNotOffered
    if isinstance(error, refusals):
        return True
    if isinstance(error, ssl.SSLError) and getattr(error, "reason", None) in _CERTIFICATE_ALERTS:
        return True
    text = str(error).lower()
    return any(word in text for word in ("authorization", "authentication", "user authentication"))


def certificate_refused_by_reset(nc: Client, error: BaseException) -> bool:
    """TLS 1.3 ends the handshake before a server that verifies its clients (INFO `tls_verify`)
    has checked this one's certificate: it refuses it after, with an alert and a close, and
    when CONNECT reached it first the close resets the connection, losing the alert. A reset
    or broken pipe on a connection that completed TLS with such a server is that refusal;
    Python 3.12 and later send CONNECT before the alert is read in most attempts."""
    if not isinstance(error, BrokenPipeError | ConnectionResetError):
        return False
    if not getattr(nc, "_server_info", {}).get("tls_verify") or nc.is_connected:
        return False
    writer = getattr(getattr(nc, "_transport", None), "_io_writer", None)
    return writer is not None and writer.get_extra_info("ssl_object") is not None


_DENIED_SUBSCRIPTION = "permissions violation for subscription"
_DENIALS_KEPT = 1_000
"""Refused subscriptions kept for `start` and the groups' health: a refused group's comes
again at each reconnect, and the link's life has no bound."""


def refused_subscriptions(denied: list[Exception], system: str, *needed: str) -> None:
    """The start's subscriptions, each answered by the server (an error line ahead of the
    PONG of the round trip that follows them): one it refused this client's user fails the
    start. The server keeps the connection then, and the system ran connected and healthy,
    unreachable (no responders), deaf to its replies (each ask an `AskTimeout`) or to the
    topics, with a warning at most."""
    if denied:
        raise ConnectionRefusedError(
            f"NATS refused system {system!r} a subscription it needs ({denied[0]}): give its "
            f"NATS user subscribe permission on {', '.join(needed[:-1])} and {needed[-1]}"
        )


def _summarized(failures: int) -> bool:
    """Which failed attempts of one outage get a warning that it goes on: a few, since each
    connection tries again every `reconnect_time_wait` (0.5 s) for as long as NATS is down."""
    return failures in (10, 100) or failures % 1000 == 0


def _reconnecting_now(nc: Client) -> bool:
    """Reported by nats-py's reconnection itself: an attempt that reached the server and
    failed there (refused credentials, a TLS or protocol failure) is reported while the
    connection reads as CONNECTING, not RECONNECTING, and was neither logged nor counted."""
    task = getattr(nc, "_reconnection_task", None)
    return task is not None and task is asyncio.current_task()


def _an_attempt(nc: Client, error: Exception) -> bool:
    """Whether the reconnection reported a failed attempt: nats-py records an attempt's error
    as `last_error` before reporting it. Its other reports (the lost connection's socket
    failing to close, a `reconnect_to_server_handler` that raised or named a server not in
    the pool) it does not record, and they are no attempt."""
    return nc.last_error is error


def _close_attempt(nc: Client) -> None:
    """Close the socket of the attempt that failed: nats-py opens the next attempt's on the
    same transport object without closing it, so each refused attempt left a socket open
    until the collector found it (a ResourceWarning), one every `reconnect_time_wait`."""
    transport = getattr(nc, "_transport", None)
    if transport is not None:
        transport.close()


class Heard:
    """What nats-py reported on one connection: while it opened, its last error and whether
    one was a refusal (which ends the attempt at once instead of at the timeout); then the
    failed attempts of each outage, until `reconnected`."""

    def __init__(
        self,
        nc: Client,
        system: Host,
        topics: bool,
        back: AsyncCallback,
        denied: list[Exception] | None = None,
        refused_publish: Callable[[Exception], bool] | None = None,
    ) -> None:
        self.nc = nc
        self._refused_publish = refused_publish
        """Accounts for a publish the server refused (`_refused_publish`), True if it was."""
        self.denied = [] if denied is None else denied
        """The subscriptions the server refused this client's user: the link's, for `start`."""
        self.where = f"{system.name} (topics connection)" if topics else system.name
        self.refused: asyncio.Future[BaseException] = system.loop.create_future()
        self.last: BaseException | None = None
        self.failures = 0
        self.drops = 0
        """Messages nats-py dropped as a slow consumer on this connection."""
        self.since = 0.0
        self._kind: type[BaseException] | None = None
        """The type of the outage's last failure: a different one is logged as news."""
        self._said: set[type[BaseException]] = set()
        """The kinds of the outage's errors that were no attempt, logged at WARNING once: one
        may recur before each attempt (a handler naming a server not in the pool)."""
        self._back = back

    async def error_cb(self, error: Exception) -> None:
        if isinstance(error, nats.errors.SlowConsumerError):  # a message dropped, no failure
            self._dropped(error)
            return
        if self._refused_publish is not None and self._refused_publish(error):
            return  # the connection is kept: a loss to account for, no failure of the link
        self.last = error
        if _DENIED_SUBSCRIPTION in str(error).lower() and len(self.denied) < _DENIALS_KEPT:
            self.denied.append(error)
        refused = auth_refused(error) or certificate_refused_by_reset(self.nc, error)
        if refused and not self.refused.done():
            self.refused.set_result(error)
        reconnecting = _reconnecting_now(self.nc)
        if reconnecting and _an_attempt(self.nc, error):
            _close_attempt(self.nc)
            self._failed_again(error)
        elif reconnecting:
            level = logging.DEBUG if type(error) in self._said else logging.WARNING
            self._said.add(type(error))
            logger.log(level, "NATS error in %s while it reconnects: %r", self.where, error)
        elif self.nc.is_reconnecting:
            self._failed_again(error)
        elif self.nc.is_connected:
            logger.warning("NATS error in %s: %r", self.where, error)

    def _dropped(self, error: nats.errors.SlowConsumerError) -> None:
        """One warning for the 1st, 10th, 100th and every 1,000th message nats-py dropped as a
        slow consumer, not one each: they come in floods, and its error names nothing."""
        self.drops += 1
        level = logging.WARNING if _summarized(self.drops) or self.drops == 1 else logging.DEBUG
        logger.log(
            level,
            "NATS error in %s: a slow consumer: nats-py dropped a message on %s, %d so far (each "
            "tell a dead letter slow_consumer, each ask or send answered as not handled)",
            self.where,
            error.subject,
            self.drops,
        )

    def _failed_again(self, error: Exception) -> None:
        self.failures += 1
        failures = self.failures
        kind, self._kind = self._kind, type(error)
        if failures == 1:
            self.since = asyncio.get_running_loop().time()
            logger.warning(
                "NATS error in %s: %r; retrying until it reconnects (further failures of this "
                "kind are logged at DEBUG, a warning after 10, 100 and every 1,000)",
                self.where,
                error,
            )
        elif _summarized(failures):
            logger.warning(
                "%s still cannot reconnect to NATS after %d attempts in %.0f s: %r",
                self.where,
                failures,
                asyncio.get_running_loop().time() - self.since,
                error,
            )
        elif kind is not type(error):
            logger.warning(
                "NATS error in %s, attempt %d to reconnect failed differently, now %s: %r",
                self.where,
                failures,
                type(error).__name__,
                error,
            )
        else:
            logger.debug("NATS error in %s (attempt %d): %r", self.where, failures, error)

    async def reconnected(self) -> None:
        if self.failures:
            logger.info(
                "%s reconnected to NATS after %d failed attempts", self.where, self.failures
            )
        else:
            logger.info("%s reconnected to NATS at its first attempt", self.where)
        self.failures = 0
        self._kind = None
        self._said.clear()
        await self._back()
