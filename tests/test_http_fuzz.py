"""Every HTTP input yields an answer below 500, or the connection closed, whatever bytes a
client sends: hypothesis drives raw sockets at a live endpoint, on each event loop.

The endpoint runs in a thread with a loop of its own for the whole module (hypothesis is
synchronous, and a server per example would cost more than the examples), with basic auth so
that the credentials check sees garbage too; a well-formed request carries the right
credentials often enough to reach the routes and their query parsing.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.http_exceptions import HttpProcessingError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from actorkit import Actor, ActorSystem

from .conftest import LOOPS

CREDENTIALS = "Basic " + base64.b64encode(b"ops:pw").decode()
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ")
REPLY_TIMEOUT = 5.0
GARBAGE_PATIENCE = 1.0


class Parent(Actor):
    async def on_start(self) -> None:
        for name in ("a", "b", "é"):
            await self.spawn(Leaf, name=name)

    async def receive(self, message: Any) -> None:
        pass


class Leaf(Actor):
    async def receive(self, message: Any) -> None:
        pass


class Endpoint:
    """A system serving HTTP on a free port, in a thread, until `stop`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.port = 0
        self._ready = threading.Event()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=loop.run_until_complete, args=(self._serve(),))

    async def _serve(self) -> None:
        async with ActorSystem("fuzz") as system:
            await system.spawn(Parent, name="parent")
            server = await system.serve_http(port=0, auth=("ops", "pw"))
            self.port = server.port
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(REPLY_TIMEOUT):
            raise TimeoutError("the endpoint did not start")

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(REPLY_TIMEOUT)
        self.loop.close()


@pytest.fixture(scope="module", params=sorted(LOOPS))
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    served = Endpoint(LOOPS[request.param]())
    served.start()
    yield served
    served.stop()


def exchange(port: int, data: bytes, patience: float = REPLY_TIMEOUT) -> bytes:
    """Send `data` and read the first answer (or nothing, if the server closed the
    connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=patience) as sock:
        try:
            sock.sendall(data)
            reply = b""
            while b"\r\n\r\n" not in reply and (chunk := sock.recv(65536)):
                reply += chunk
        except ConnectionResetError:
            return b""
    return reply


def exchange_garbage(port: int, data: bytes) -> bytes:
    """As `exchange`, for bytes that may read as the start of a request still being sent (a
    header block not ended, a body announced): a server waiting for the rest has not failed
    either. The blank line ends most header blocks, so that most examples get an answer."""
    try:
        return exchange(port, data + b"\r\n\r\n", GARBAGE_PATIENCE)
    except TimeoutError:
        return b""


def assert_below_500(reply: bytes) -> None:
    """(`--hypothesis-show-statistics` shows how the answers were spread.)"""
    if not reply:
        event("closed or waiting")
        return  # closed by the server: how aiohttp may end a request it cannot parse
    status = STATUS_LINE.match(reply)
    assert status is not None, reply[:200]
    event(f"status {status.group(1).decode()}")
    assert int(status.group(1)) < 500, reply[:500]


def handler_failure(record: logging.LogRecord) -> bool:
    """aiohttp logs both the requests it cannot parse (answered 400) and the exceptions of
    handlers (answered 500) as errors; only the second kind is a failure here."""
    error = record.exc_info[1] if record.exc_info else None
    return record.levelno >= logging.ERROR and not isinstance(error, HttpProcessingError)


@pytest.fixture(autouse=True)
def no_handler_failures(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.ERROR, logger="aiohttp")
    yield
    failures = [r for r in caplog.get_records("call") if handler_failure(r)]
    assert not failures, failures[0].getMessage()


FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=st.binary(max_size=600))
def test_garbage_bytes_never_yield_a_500(endpoint: Endpoint, data: bytes) -> None:
    assert_below_500(exchange_garbage(endpoint.port, data))
    assert_below_500(exchange_garbage(endpoint.port, b"GET /actors HTTP/1.1\r\n" + data))


texts = st.text(max_size=40)
line_texts = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
    st.text(st.characters(blacklist_characters="\r\n"), max_size=40),
)
tokens = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**300),
    st.floats(),
    st.sampled_from(["²", "٣", "1e3", "0" * 30 + "1", "9" * 5000]),
)
values = st.one_of(texts, numbers.map(str), st.binary(max_size=20))
keys = st.one_of(*[st.sampled_from(["path", "limit"])] * 3, texts)


def encode(part: str | bytes, raw: bool) -> str:
    """Percent-encoded, or as the bytes came (which may break the request line: a 400)."""
    if raw:
        return part.decode("latin-1") if isinstance(part, bytes) else part
    return quote(part, safe="/")


@st.composite
def targets(draw: st.DrawFn) -> str:
    path = draw(
        st.one_of(st.sampled_from(["/metrics", "/healthz", "/actors"]), texts.map("/".__add__))
    )
    raw = draw(st.integers(0, 3)) == 0
    pairs = draw(st.lists(st.tuples(keys, values), max_size=4))
    query = "&".join(f"{encode(k, raw)}={encode(v, raw)}" for k, v in pairs)
    with_path = draw(st.sampled_from(["", "/", "/parent", "/parent/é", "/nobody", "//", "/./."]))
    if with_path:
        query = f"path={quote(with_path, safe='/')}&{query}"
    return f"{encode(path, raw)}?{query}" if query else encode(path, raw)


header_values = st.one_of(
    st.just(CREDENTIALS),
    st.just(CREDENTIALS),
    line_texts,
    st.builds(
        lambda scheme, rest: scheme + rest, st.sampled_from(["Basic ", "Bearer "]), line_texts
    ),
    st.binary(max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode()),
)


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["GET"] * 6 + ["HEAD", "POST", "OPTIONS", "?"]))
    if method == "?":
        method = draw(texts)
    lines = [f"{method} {draw(targets())} HTTP/1.1", "Host: x", "Connection: close"]
    if draw(st.integers(0, 3)):
        lines.append(f"Authorization: {draw(header_values)}")
    for name, value in draw(st.lists(st.tuples(tokens, line_texts), max_size=3)):
        lines.append(f"{name}: {value}")
    if draw(st.integers(0, 9)) == 0:
        lines.append(f"{draw(texts)}: {draw(texts)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("utf-8", "surrogatepass")


@FUZZ
@given(request=requests())
def test_any_request_yields_an_answer_below_500(endpoint: Endpoint, request: bytes) -> None:
    assert_below_500(exchange(endpoint.port, request))


@st.composite
def actors_queries(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(keys, values), min_size=1, max_size=3))
    return "&".join(f"{quote(k, safe='/')}={quote(v, safe='/')}" for k, v in pairs)


@FUZZ
@given(query=actors_queries())
def test_any_actors_query_is_answered_or_refused_in_words(endpoint: Endpoint, query: str) -> None:
    """Past the HTTP parser: `/actors` answers, or says in JSON what was wrong with the query."""
    request = f"GET /actors?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    reply = exchange(endpoint.port, f"{request}Authorization: {CREDENTIALS}\r\n\r\n".encode())
    assert_below_500(reply)
    status = STATUS_LINE.match(reply)
    assert status is not None and status.group(1) in {b"200", b"400", b"404"}, reply[:300]
