"""The link's nats-py client: nats-py's own, with one race of nats-py's kept out of the log,
and TLS kept to when it was asked for."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
from nats.aio.client import Client as NatsClient


class TlsNotOffered(nats.errors.Error):
    """A server that would be spoken to in plain text, though TLS was asked for."""


class Client(NatsClient):
    """nats-py's client. A reconnection task nats-py cancels and replaces (an error read while
    it connects starts another) sets, as it ends, the result of the future its successor
    made: the two share the client's one `_reconnection_task_future`. The other then finds
    that future done and raises `InvalidStateError` at its last line, with nothing left
    undone, whether the client has closed by then or is still reconnecting; nobody awaits
    that task, so asyncio would log the error as "Task exception was never retrieved". That
    error is let go on a closed client, and on an open one when it is that last line's: raised
    in nats-py's own frame (a `set_result`, which runs no Python below it) with the shared
    future done. Anywhere else it is a fault to see."""

    async def _process_info(self, info: dict[str, Any], initial_connection: bool = False) -> None:
        """nats-py 2.16 upgrades a connection to TLS only when the server's first INFO says
        `tls_required`, whatever the URL's scheme or `tls=`: a server without TLS (its TLS
        forgotten in its config, or a host answering in its place) got the credentials in
        clear, and the system ran unencrypted without a word. Refused here, before CONNECT
        carries anything, at each connect and reconnect."""
        if initial_connection and self._tls_wanted() and not info.get("tls_required"):
            server = self._current_server
            where = "" if server is None else f" at {server.uri.hostname}:{server.uri.port}"
            raise TlsNotOffered(
                f"the NATS server{where} does not require TLS (its INFO lacks tls_required), "
                "and nats-py speaks TLS only to a server that does: this transport, told to "
                "use TLS (a tls:// URL, or tls= or tls_hostname= with nats://), sent it "
                "nothing; require TLS on the server (nats-server --tls ...), or connect with a "
                "nats:// URL and neither tls= nor tls_hostname="
            )
        await super()._process_info(info, initial_connection)

    def _tls_wanted(self) -> bool:
        server = self._current_server
        if server is None or self.options.get("tls_handshake_first"):
            return False  # a handshake first is TLS before the INFO, or no connection at all
        scheme = server.uri.scheme
        asked = "tls" in self.options or "tls_hostname" in self.options  # a certificate's host
        return scheme == "tls" or (scheme == "nats" and asked)

    async def _attempt_reconnect(self) -> None:
        try:
            await super()._attempt_reconnect()
        except asyncio.InvalidStateError as error:
            if not (self.is_closed or self._set_first_elsewhere(error)):
                raise

    def _set_first_elsewhere(self, error: asyncio.InvalidStateError) -> bool:
        future = self._reconnection_task_future
        if future is None or not future.done():
            return False
        last = error.__traceback__
        while last is not None and last.tb_next is not None:
            last = last.tb_next
        own = NatsClient._attempt_reconnect.__code__  # noqa: SLF001  # nats-py's frame, by its code
        return last is not None and last.tb_frame.f_code is own
