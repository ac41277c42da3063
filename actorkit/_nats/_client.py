"""The link's nats-py client: nats-py's own, with one race of nats-py's kept out of the log,
TLS kept to when it was asked for, and bytes that are not UTF-8 kept from ending its reads."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg


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

    def _build_message(
        self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: dict[str, str] | None
    ) -> Msg:
        """nats-py decodes a message's subject and reply subject as strict UTF-8 in its read
        loop, whose end a decoding error is: one PUB from any client on the account (on
        `actorkit.topic.>`, or to a system's subject with such a reply) left the connection up
        and deaf until its unanswered pings made it reconnect. Their bytes are kept here as
        lone surrogates instead: a subject with one is no topic (`_topic_in` refuses it as
        `bad_topic`), and an answer to such a reply subject is one the client refuses, logged
        as any (`Inbound._send_reply`)."""
        return self.msg_class(
            subject=subject.decode(errors="surrogateescape"),
            reply=reply.decode(errors="surrogateescape"),
            data=data,
            headers=headers,
            _client=self,
            _sid=sid,
        )

    async def _process_headers(self, headers: bytes) -> dict[str, str] | None:
        """nats-py reads a header block's status line strictly, in its read loop, whose end an
        error there is (bytes not UTF-8 after `NATS/1.0 `, or a block that is `NATS/1.0`
        alone, an `IndexError`); the rest it reads leniently. A block it cannot read is no
        headers: the message is delivered as sent (actorkit reads only a reply's
        no-responders status, which such a block is not)."""
        if not headers:  # nats-py's own first test: most messages carry none
            return None
        try:
            return await super()._process_headers(headers)
        except Exception:  # parsing only: no code of anyone else's runs there
            return None

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
