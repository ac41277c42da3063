"""`NatsTransport`'s argument checks and the options it passes to nats-py: every mistake in
them is refused when the transport is built, not at start from inside nats-py."""

from __future__ import annotations

import inspect
import ssl
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from nats.aio.client import Client

from .._exact import exact_str, index_int, not_integer
from .._shown import given
from .._topic_names import validate_topic

MAX_BUFFERED = 10_000_000
"""Largest outbound buffer: each buffered message holds its encoded bytes in memory."""
PING_INTERVAL = 5
MAX_OUTSTANDING_PINGS = 2
"""nats-py pings every `PING_INTERVAL` seconds and gives a connection up as stale (then
reconnects) when more than `MAX_OUTSTANDING_PINGS` pings went unanswered: a server that stopped
answering is noticed within 15 s, and `/healthz` turns `degraded`. nats-py's own 120 s left it
`connected` for up to 6 minutes."""


def servers_of(servers: str | Sequence[str]) -> list[str]:
    if not isinstance(servers, str) and not isinstance(servers, list | tuple):
        raise TypeError(
            f"servers must be a NATS URL or a list of them, got {type(servers).__name__}"
        )
    listed = [servers] if isinstance(servers, str) else list(servers)
    if not listed or not all(isinstance(url, str) and url and url.isprintable() for url in listed):
        said: object = [unsecret(url) if isinstance(url, str) else url for url in listed]
        if isinstance(servers, str):
            said = unsecret(servers)
        raise ValueError(
            f"servers must be NATS URLs such as 'nats://127.0.0.1:4222', got {given(said)}"
        )
    listed = [exact_str(url) for url in listed]  # parsed and handed to nats-py as their text
    for url in listed:
        _check_url(url)
    if len({urlsplit(_full(url)).scheme in _WEB for url in listed}) > 1:
        raise ValueError(
            "servers must not mix ws:// or wss:// with nats:// or tls://: "
            f"{given([unsecret(url) for url in listed])}"
        )
    return listed


def shown_servers(servers: Sequence[str]) -> str:
    """The servers as an error names them (`unsecret`)."""
    return ", ".join(map(unsecret, servers))


def unsecret(url: str) -> str:
    """`url` with the user, password or token nats-py takes from it (`nats://user:password@host`,
    `nats://token@host`) masked: an error quoting it reaches every traceback and log line."""
    head, sep, rest = url.partition("://")
    if not sep:
        head, rest = "", url
    where, slash, tail = rest.partition("/")
    if "@" in where:
        where = "***@" + where.rpartition("@")[2]
    return f"{head}{sep}{where}{slash}{tail}"


_SCHEMES = ("nats", "tls", "ws", "wss")
_WEB = ("ws", "wss")
_OWN_OPTIONS = frozenset(
    ("servers", "name", "no_echo", "error_cb", "disconnected_cb", "reconnected_cb", "closed_cb")
)
"""`nats.connect` keywords that the transport sets itself."""


def _full(url: str) -> str:
    """The URL as nats-py reads it: `host:port` or a bare host means `nats://`."""
    return url if "://" in url else f"nats://{url}"


def _check_url(url: str) -> None:
    """A malformed URL would otherwise surface only at start, from inside nats-py."""
    try:
        parts = urlsplit(_full(url))
        parts.port  # noqa: B018 - parsing it is the check (not a number, out of range)
    except ValueError as error:
        raise ValueError(
            f"servers: URL {unsecret(url)!r} is malformed ({error}); pass one such as "
            "'nats://127.0.0.1:4222'"
        ) from None
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise ValueError(
            f"servers: URL {unsecret(url)!r} must name a host with the scheme nats://, tls://, "
            "ws:// or wss://, such as 'nats://127.0.0.1:4222'"
        )


def check_options(options: dict[str, Any]) -> None:
    """Other keywords go to `nats.connect`: an unknown one would fail only at start."""
    known = inspect.signature(Client.connect).parameters
    for key in options:
        if key in _OWN_OPTIONS:
            raise TypeError(
                f"NatsTransport got {key}=..., a nats.connect option that actorkit sets itself: "
                "remove it"
            )
        if key not in known:
            raise TypeError(
                f"NatsTransport got {key}=..., which is not an option of nats.connect: remove it "
                "or fix its spelling (see nats.aio.client.Client.connect)"
            )


def checked(prefix: str, max_buffered: int, tls: ssl.SSLContext | None, servers: list[str]) -> int:
    """`max_buffered` as a plain int, once every argument passed."""
    try:
        validate_topic(prefix)
    except (TypeError, ValueError) as error:
        raise type(error)(f"prefix: {error}") from None
    if "/" in prefix or len(prefix) > 200:
        raise ValueError(
            f"prefix must be a subject of at most 200 characters, without '/': {given(prefix)}"
        )
    number = index_int(max_buffered)
    if number is None:
        raise TypeError(
            f"max_buffered must be an int, got {type(max_buffered).__name__}"
            f"{not_integer(max_buffered)}"
        )
    max_buffered = number
    if not 1 <= max_buffered <= MAX_BUFFERED:
        raise ValueError(f"max_buffered must be from 1 to {MAX_BUFFERED:,}, got {max_buffered!r}")
    if tls is not None and not isinstance(tls, ssl.SSLContext):
        raise TypeError(f"tls must be an ssl.SSLContext, got {type(tls).__name__}")
    plain = [url for url in servers if tls is not None and urlsplit(url).scheme == "ws"]
    if plain:  # nats-py speaks TLS over a websocket for wss:// only, and ignores `tls` else
        raise ValueError(
            f"servers: {given([unsecret(url) for url in plain])} with tls=...: a ws:// websocket "
            "is not encrypted, whatever the tls context; use wss:// URLs"
        )
    return max_buffered


def nats_options(
    connect_timeout: float, credentials: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any]:
    return {
        "max_reconnect_attempts": -1,  # a system outlives NATS outages; see /healthz
        "reconnect_time_wait": 0.5,
        "ping_interval": PING_INTERVAL,
        "max_outstanding_pings": MAX_OUTSTANDING_PINGS,
        "connect_timeout": connect_timeout,  # seconds as given: nats-py waits with wait_for
        **{key: value for key, value in credentials.items() if value is not None},
        **options,
    }
