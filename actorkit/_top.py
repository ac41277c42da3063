"""`python -m actorkit top [URL]`: a live terminal view of a running system, like Erlang's
observer or htop, built from its `/actors` and `/metrics` endpoints."""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import anyio
from aiohttp.http_exceptions import HttpProcessingError
from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text

from ._cli_errors import BAD_ARGUMENTS, FAILED, fail, one_line, silenced, unwritable
from ._http_auth import TOKEN_VARIABLE
from ._top_checks import BASIC, authorization, refused
from ._top_console import TopConsole, print_whole, shown
from ._top_frame import ROWS, NotAnEndpoint, Snapshot, render

TIMEOUT = 5.0
"""Seconds one poll may take, connecting included."""


async def fetch(session: aiohttp.ClientSession, url: str, limit: int = ROWS) -> Snapshot:
    """One poll, both requests within `TIMEOUT`: the session's timeout is per request, so a
    slow /actors and a silent /metrics would take twice as long."""
    async with asyncio.timeout(TIMEOUT):
        async with session.get(f"{url}/actors", params={"limit": str(limit)}) as response:
            response.raise_for_status()
            if "json" not in response.content_type:
                raise NotAnEndpoint(f"/actors is not JSON (Content-Type {response.content_type})")
            text = await _text(response, "/actors")
            try:
                tree = json.loads(text)
            except (ValueError, RecursionError) as error:  # broken, or nested past the decoder
                raise NotAnEndpoint(f"/actors is not JSON ({error})") from None
        async with session.get(f"{url}/metrics") as response:
            response.raise_for_status()
            text = await _text(response, "/metrics")
    return Snapshot(tree, text, time.monotonic())


MAX_BODY = 64 << 20
"""Bytes read of one answer: far beyond forty actors' nodes or a system's metrics. An endpoint
that sends without end fails the poll once past it, not after filling memory for TIMEOUT
(hundreds of MB a second over loopback)."""


async def _text(response: aiohttp.ClientResponse, path: str) -> str:
    """The body as text, or NotAnEndpoint: past MAX_BODY, or not in its charset (UTF-8, as
    JSON and the Prometheus text format are, unless it names another)."""
    body = bytearray()
    async for chunk in response.content.iter_any():
        body += chunk
        if len(body) > MAX_BODY:
            raise NotAnEndpoint(f"{path} sent more than {MAX_BODY >> 20} MiB")
    charset = response.charset or "utf-8"
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError) as error:
        raise NotAnEndpoint(f"{path} is not {charset} text ({error})") from None


WHICH_PORT = "is that the port serve_http serves?"


def _redirected(error: aiohttp.ClientResponseError) -> str | None:
    """A 401 past a redirect to another origin (another host or port, https for http): aiohttp
    sends no `Authorization` there, as a client must not, so the endpoint refused none sent,
    not the credentials set. None for a 401 with no such redirect."""
    last = error.request_info.url
    if all(hop.url.origin() == last.origin() for hop in error.history):  # none: no redirect
        return None
    first = error.history[0].url
    came, went = (str(url.with_query(None)).rsplit("/", 1)[0] for url in (first, last))
    return (
        f"401 Unauthorized from {went}, which {came} redirected to: top sends credentials to "
        f"the URL's own origin only; pass {went}"
    )


ENDPOINTS = ("/metrics", "/actors", "/healthz")


def _endpoint_given(error: aiohttp.ClientResponseError) -> str:
    """For a 404 of an endpoint's URL given as the system's (the demo prints its /metrics
    URL first), the system's URL to pass instead; "" for any other answer."""
    url = error.request_info.url
    for endpoint in ENDPOINTS if error.status == 404 else ():
        if url.path.endswith(f"{endpoint}/actors"):
            system = url.with_path(url.path.removesuffix(f"{endpoint}/actors")).with_query(None)
            own = str(system).rstrip("/")
            return f": that is the system's {endpoint} URL; pass the system's own: {own}"
    return ""


NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE"})
"""OpenSSL's reasons (by version) for a first answer to its hello that is no TLS record."""


def _unreadable(error: Exception, sent: str | None) -> str:
    """Why a poll failed, and for a 401 what to set: the endpoint's challenge says which
    scheme it takes."""
    if isinstance(error, TimeoutError):  # aiohttp's total timeout has no text of its own
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(error, aiohttp.ClientConnectorSSLError) and (
        getattr(error.os_error, "reason", None) in NOT_TLS
    ):  # not a certificate's error: those say what they are
        return (
            f"no TLS answered ({error.os_error.reason}): serve_http serves http://: pass the "
            "URL with http://, unless a proxy that speaks TLS should answer there"
        )
    if isinstance(error, aiohttp.ClientConnectorError) and not isinstance(
        error, aiohttp.ClientSSLError
    ):  # without aiohttp's "ssl:default", which reads as TLS for an http:// URL
        why = error.os_error.strerror or error.os_error
        return f"cannot connect to {error.host}:{error.port} [{why}]"
    if isinstance(error, aiohttp.ClientConnectionResetError):  # the request was never sent
        return (
            "the connection closed before the request went out (a server that is not HTTP "
            f"speaks first, or it hung up): {WHICH_PORT}"
        )
    if not isinstance(error, aiohttp.ClientResponseError):
        return str(error)
    if isinstance(error.__cause__, HttpProcessingError):  # aiohttp calls it a 400 of its own
        return (
            f"{error.request_info.url.path}: the answer is not HTTP ({error.message}): {WHICH_PORT}"
        )
    if isinstance(error, aiohttp.TooManyRedirects):  # no status of its own: it reads 0
        return (
            f"{error.request_info.url.path} was redirected {len(error.history)} times and never "
            "answered (a redirect loop): pass the URL the system is served on"
        )
    if error.status != 401:
        said = f"{error.request_info.url.path} answered {error.status} {error.message}"
        return said + _endpoint_given(error)
    if sent is not None and (elsewhere := _redirected(error)) is not None:
        return elsewhere
    challenge = error.headers.get("WWW-Authenticate", "") if error.headers else ""
    if challenge.lower().startswith("basic"):
        if sent is None or not sent.startswith("Basic "):
            return f"401 Unauthorized: it takes basic auth: set {BASIC}"
        return f"401 Unauthorized: it refused the user and password in {BASIC}"
    if sent is None or not sent.startswith("Bearer "):
        return f"401 Unauthorized: set {TOKEN_VARIABLE} to the token it is served with"
    return f"401 Unauthorized: it refused the bearer token in {TOKEN_VARIABLE}"


def _fail(message: str, status: int = FAILED) -> int:
    return fail("top", message, status)


async def top(
    url: str,
    interval: float,
    once: bool,
    console: Console | None = None,
    token: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> int:
    """`token` is sent as `Authorization: Bearer`, `user` and `password` as basic auth. What
    it cannot read exits 1, a URL it does not take 2, each with one line on stderr
    (`_cli_errors`); frames go to `console` (stdout)."""
    console = console or TopConsole()
    try:
        sent = authorization(token, user, password)
    except ValueError as error:
        return _fail(str(error))
    said = refused(url)
    if said is not None:
        return _fail(said, BAD_ARGUMENTS)
    url = url.rstrip("/")
    headers = {"Authorization": sent} if sent is not None else None
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    # Stopped by SIGTERM as by Ctrl-C, from the first poll on (which may wait TIMEOUT):
    # leaving the live view shows the cursor it hid.
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            first = await _first(session, url, signals)
            if first is None:
                return 0
            if isinstance(first, Exception):
                return _fail(f"cannot read {url}: {_unreadable(first, sent)}")
            try:
                if once:
                    shown(console, render(first, None))
                else:
                    await _watch(console, session, url, first, interval, sent, signals)
            except BrokenPipeError:  # `| head`: the reader has seen enough
                silenced(console.file)
            except OSError as error:  # a full disk: rich writes a file's frame as it stops
                return _fail(str(unwritable(console.file, error)))
    return 0


async def _watch(
    console: Console,
    session: aiohttp.ClientSession,
    url: str,
    first: Snapshot,
    interval: float,
    sent: str | None,
    signals: AsyncIterator[signal.Signals],
) -> None:
    """Poll every `interval` until a signal: a terminal gets the live view, any other stdout
    each frame after the last, as `top -b` prints them (rich's live view writes nothing there
    until it stops: `top | head` would never end, `top > file` would stay empty)."""
    if console.is_terminal:
        with Live(render(first, None), console=console, refresh_per_second=4) as live:
            await _poll(session, url, first, interval, sent, signals, live.update)
    else:
        print_whole(console, render(first, None))  # rich flushes each print
        printed = functools.partial(print_whole, console)  # a lost poll's line whole too
        await _poll(session, url, first, interval, sent, signals, printed)


async def _poll(
    session: aiohttp.ClientSession,
    url: str,
    first: Snapshot,
    interval: float,
    sent: str | None,
    signals: AsyncIterator[signal.Signals],
    show: Callable[[RenderableType], None],
) -> None:
    """`show` each poll's frame until a signal. What `show` raises (a reader gone, a full
    disk) is raised as itself, not in the task group's ExceptionGroup, for `top` to catch."""
    failed: list[OSError] = []
    async with anyio.create_task_group() as group:

        async def watch(before: Snapshot) -> None:
            while True:
                await anyio.sleep(interval)
                frame: RenderableType
                try:
                    now = await fetch(session, url)
                except UNREADABLE as error:
                    frame = Text(one_line(f"lost {url}: {_unreadable(error, sent)}"), style="red")
                else:
                    frame, before = render(now, before), now
                try:
                    show(frame)
                except OSError as error:
                    failed.append(error)
                    group.cancel_scope.cancel()
                    return

        group.start_soon(watch, first)
        async for _ in signals:
            group.cancel_scope.cancel()
            break
    if failed:
        raise failed[0]


UNREADABLE = (aiohttp.ClientError, TimeoutError, NotAnEndpoint)


async def _first(
    session: aiohttp.ClientSession, url: str, signals: AsyncIterator[signal.Signals]
) -> Snapshot | Exception | None:
    """The first poll, or why it failed, or None when a signal came before either."""
    outcome: list[Snapshot | Exception] = []
    async with anyio.create_task_group() as group:

        async def poll() -> None:
            try:
                outcome.append(await fetch(session, url))
            except UNREADABLE as error:
                outcome.append(error)
            group.cancel_scope.cancel()

        group.start_soon(poll)
        async for _ in signals:
            group.cancel_scope.cancel()
            break
    return outcome[0] if outcome else None
