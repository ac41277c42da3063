"""Closing one of the link's connections, whatever state it is in: opening, reconnecting,
up, or held by a server that stopped reading. A shutdown never fails, never hangs, nor leaves
nats-py's tasks running, because NATS went away."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nats.errors
from nats.aio.client import Client

from .._shown import said

logger = logging.getLogger("actorkit")


async def stop_opening(nc: Client, opening: asyncio.Task[None], within: float) -> None:
    """End `opening` (the first connect, or a reconnection), within `within` seconds. Python
    3.11's `asyncio.wait_for`, through which nats-py reads its socket, hands back what it
    awaited (a line, a refused connection) instead of the cancellation when this lands in the
    loop turn that arrives: the task goes on as if never cancelled, so it is cancelled again at
    each turn until it ends. The reader it started goes with it: a reconnection cut in its
    last step, a flush, leaves that PING's future cancelled among nats-py's PONG waiters, and
    the PONG would kill the reader, logging an error, before `close` stopped it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not opening.done() and loop.time() < deadline:
        for task in (opening, nc._reading_task):  # noqa: SLF001
            if task is not None:
                task.cancel()
        await asyncio.sleep(0)  # one turn: the task's next step
    if opening.done() and not opening.cancelled():
        opening.exception()  # retrieved: nats-py reported it to `error_cb` already


async def close_client(
    nc: Client, opening: asyncio.Task[None] | None, within: float, system_name: str
) -> None:
    """Close one connection whatever state it is in, each step (stopping `opening`, the
    close, dropping a socket nobody reads) within `within` seconds.

    Stop `opening` (the first connect, or a reconnection) before closing: nats-py's
    `close` cancels its reconnection once and waits for it `reconnect_time_wait` at most,
    and a reconnection that outlived that reopened the connection after `close` returned,
    left reconnecting for the life of the process (see `stop_opening`)."""
    if nc.is_closed:
        # Closed already, or closing in `opening` itself (a reconnection that gave up, just
        # as the other connection did): cut short, nats-py's close would leave the tasks of
        # its subscriptions running.
        if opening is not None:
            await asyncio.wait((opening,), timeout=within)
            if opening.done() and not opening.cancelled():
                opening.exception()  # retrieved: nats-py reported it to `error_cb` already
        return
    if nc._flush_queue is None:  # noqa: SLF001
        # Its connect stopped before it opened anything (nats-py could not read a .creds
        # file, say): nothing to close, and nats-py's close would fail an assertion, which
        # would hide the connect's own error.
        if opening is not None:
            await asyncio.wait((opening,), timeout=within)
        return
    nc.options["allow_reconnect"] = False  # a connection that drops from now on closes
    if opening is not None:
        await stop_opening(nc, opening, within)
    if not nc.is_connected:
        # What nats-py buffered during an outage (a reply, an unsubscription) can no
        # longer be sent, and nats-py 2.16's `close` would write it to the dead socket and
        # stop halfway, its subscriptions' tasks still running.
        pending = nc._pending  # noqa: SLF001
        if lost := sum(command.startswith((b"PUB ", b"HPUB ")) for command in pending):
            logger.warning(
                "%s: %d message(s) nats-py held for NATS (replies given during the outage, "
                "or what it had not written yet as the connection dropped) are lost: the "
                "connection closes while it is down",
                system_name,
                lost,
            )
        pending.clear()
        nc._pending_data_size = 0  # noqa: SLF001
    closing = asyncio.ensure_future(nc.close())
    await asyncio.wait((closing,), timeout=within)
    if not closing.done():
        # A server that stopped reading (a frozen process, a host gone without a reset)
        # holds nats-py's `close` until its socket drains, which may be never: what is
        # still unwritten is lost with the socket, as for any link that dies.
        writer = getattr(nc._transport, "_io_writer", None)  # noqa: SLF001
        if writer is not None:
            unwritten = writer.transport.get_write_buffer_size() + nc.pending_data_size
            logger.warning(
                "%s: the NATS server stopped reading; its connection was dropped with "
                "%d bytes unwritten",
                system_name,
                unwritten,
            )
            writer.transport.abort()
        await asyncio.wait((closing,), timeout=within)
        closing.cancel()
    (outcome,) = await asyncio.gather(closing, return_exceptions=True)
    if isinstance(outcome, BaseException):
        await _left_behind(nc, within)
    if isinstance(outcome, OSError | nats.errors.Error | asyncio.CancelledError):
        logger.info("%s: closing a NATS connection failed: %r", system_name, outcome)
    elif isinstance(outcome, BaseException):
        raise outcome


async def _left_behind(nc: Client, within: float) -> None:
    """What nats-py's close leaves when it fails partway (over WebSocket, draining to a
    server that stopped reading raises out of it): its subscriptions' tasks, each waiting for
    a message for the life of the process, and its WebSocket transport's aiohttp session
    with the socket under it. Each is ended here, the socket dropped as over TCP."""
    subs = nc._subs  # noqa: SLF001
    tasks = [getattr(sub, "_wait_for_msgs_task", None) for sub in subs.values()]
    subs.clear()
    ending: list[asyncio.Future[Any]] = [
        task for task in tasks if isinstance(task, asyncio.Future) and not task.done()
    ]
    for task in ending:
        task.cancel()
    transport = nc._transport  # noqa: SLF001
    session = getattr(transport, "_client", None)  # nats-py's WebSocket transport's
    if session is not None and not session.closed:
        ws = getattr(transport, "_ws", None)
        socket = getattr(getattr(ws, "_writer", None), "transport", None)
        if socket is not None:
            socket.abort()
        response = getattr(ws, "_response", None)  # holds the connection: released here
        if response is not None:
            response.close()
        ending.append(asyncio.ensure_future(session.close()))
    if ending:
        await asyncio.wait(ending, timeout=within)


def closed_for_good(nc: Client | None) -> bool:
    """nats-py calls `disconnected_cb` again as it closes a connection for good: no new loss,
    and nothing will reconnect."""
    return nc is not None and nc.is_closed


async def misread(nc: Client, within: float, system_name: str) -> bool:
    """`connect` returned, yet nats-py 2.16 left the connection CONNECTING for good: it took
    a line the server sent ahead of the handshake's PONG (its first PING, sent 2 s after it
    accepted the connection, read between the client's CONNECT and PING) for no answer. Its
    flusher task ended at once, so nothing it buffers (subscriptions, publishes) would be
    written, and it would never reconnect until the server dropped it as stale, minutes later.
    Such a connection is closed here, and True returned: the caller opens another. The close
    calls nobody back, or the link would take it for a connection closed for good."""
    if not nc.is_connecting:
        return False
    logger.info("%s: nats-py misread the NATS handshake; connecting again", system_name)
    nc._closed_cb = nc._disconnected_cb = None  # noqa: SLF001
    await close_client(nc, None, within, system_name)
    return True


def server_error(*clients: Client | None) -> str | None:
    """The error line from the server on which nats-py closed one of `clients` for good (it
    does so on any but a stale connection or a permissions violation, `max_subscriptions`
    exceeded included), or None: a finite `max_reconnect_attempts` ran out."""
    for nc in clients:
        error = nc.last_error if nc is not None and nc.is_closed else None
        if type(error) is nats.errors.Error or isinstance(error, nats.errors.AuthorizationError):
            return str(error)
    return None


def start_error(
    error: BaseException, name: str, within: float, *clients: Client | None
) -> BaseException:
    """What a failed start raises for `error`: nats-py's errors of the start's last round
    trip (`_round_trip.across_drops`) and of a connection closed meanwhile have no words."""
    if isinstance(error, nats.errors.TimeoutError):
        what, back = (  # a server that stopped answering (frozen), or a link dropped
            ("server did not answer", "")
            if isinstance(error, nats.errors.FlushTimeoutError)
            else ("connection dropped", " and was not back")
        )
        return ConnectionError(
            f"the NATS {what} while {name!r} started,{back} within connect_timeout "
            f"({within} s): the system does not run"
        )
    if isinstance(error, nats.errors.ConnectionClosedError):
        why = server_error(*clients)
        cause = "" if why is None else f" on the server's error {why}"
        return ConnectionError(
            f"NATS closed the connection{cause} while {name!r} started: the system "
            "does not run (see the server's limits and permissions for this client)"
        )
    return error


def why_not(cause: BaseException | None) -> str:
    """Why a start's connection did not open, as its `ConnectionError` ends: nats-py's last
    error, whose text may be empty (a bare `TimeoutError()` from its `asyncio.wait_for` of the
    connection, the server's INFO or its PONG), then its kind and what it means."""
    if cause is None:
        return "no answer"
    text = said(cause)
    if text:
        return text
    if isinstance(cause, TimeoutError):
        return (
            "TimeoutError: an attempt had no answer within connect_timeout (the connection, "
            "the server's INFO or its reply to the client's CONNECT)"
        )
    return f"{type(cause).__name__}, with no message"
