"""Empty, blank or garbled HTTP credentials are refused and never authenticate."""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging

import pytest

from actorkit import ActorSystem
from actorkit._http_auth import BasicAuth, BearerAuth, is_loopback

EMPTY_CREDENTIALS = [
    "",
    "   ",
    " s3cret",
    "s3cret\n",
    ("", ""),
    ("", "pw"),
    ("ops", ""),
    ("ops", " "),
]
"""Each would let in a bare or blank header, or could never be sent in one."""


@pytest.mark.parametrize("auth", EMPTY_CREDENTIALS)
async def test_serve_http_refuses_empty_credentials(auth: str | tuple[str, str]) -> None:
    async with ActorSystem() as system:
        with pytest.raises(ValueError, match=r"auth (token|username|password) must not"):
            await system.serve_http(port=0, auth=auth)


def test_credentials_that_no_header_can_carry_are_refused() -> None:
    with pytest.raises(ValueError, match="':'"):
        BasicAuth("ops:x", "pw")
    with pytest.raises(ValueError, match="valid text"):
        BearerAuth("\udc80")
    with pytest.raises(ValueError, match="empty"):
        BearerAuth("")
    with pytest.raises(TypeError, match="str"):
        BasicAuth("ops", b"pw")  # type: ignore[arg-type]


BLANK_HEADERS = ["", "Basic", "Basic ", "Basic    ", "Bearer", "Bearer ", "Basic Og==", "Basic é"]
"""Empty, blank, `:` alone (base64 `Og==`), and bytes that are not base64 at all."""


@pytest.mark.parametrize("header", [*BLANK_HEADERS, "Bearer \udcff", "Basic \udcff"])
def test_an_empty_or_garbled_header_never_authenticates(header: str) -> None:
    for auth in (BearerAuth("s3cret"), BasicAuth("ops", "pw")):
        assert not auth.accepts(header)


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_a_basic_password_may_hold_colons_and_the_base64_must_be_clean() -> None:
    """Only the username is split off at the first ':' (RFC 7617); stray characters around
    valid base64 make a header no client sends, and it is refused, not cleaned up."""
    auth = BasicAuth("ops", "p:w:")
    assert auth.accepts(basic("ops:p:w:"))
    assert not auth.accepts(basic("ops:p:w"))
    assert not auth.accepts(basic("ops:p:w:") + "!")
    assert not auth.accepts("Basic !" + basic("ops:p:w:").removeprefix("Basic "))


def test_credentials_are_compared_in_constant_time_and_both_basic_parts_always(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wrong username must take as long to refuse as a wrong password: no short cut that
    tells an attacker which of the two was right."""
    compared: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert BearerAuth("s3cret").accepts("Bearer s3cret")
    assert not BearerAuth("s3cret").accepts("Bearer s3creT")
    assert compared == [(b"s3cret", b"s3cret"), (b"s3creT", b"s3cret")]
    compared.clear()
    assert not BasicAuth("ops", "pw").accepts(basic("opz:pw"))
    assert compared == [(b"opz", b"ops"), (b"pw", b"pw")]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LocalHost", True),
        ("localhost.", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", False),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_only_loopback_hosts_count_as_unreachable_from_elsewhere(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


async def test_a_malformed_authorization_line_is_refused_without_logging_its_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp logs a request it cannot parse at ERROR with the offending header line, token
    and all: a client whose token file ends in a control character would put the token in
    every log that collects ERROR lines."""
    token = "s3cret-token-0123"
    caplog.set_level(logging.DEBUG)
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0, auth=token)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        header = f"Authorization: Bearer {token}\x01"
        writer.write(f"GET /metrics HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\n".encode())
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
    assert answer.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400"))
    logged = "\n".join(
        record.getMessage() + (caplog.handler.format(record) if record.exc_info else "")
        for record in caplog.records
    )
    assert token not in logged
    refused = [r for r in caplog.records if "bad HTTP request" in r.getMessage()]
    assert refused and all(r.levelno == logging.DEBUG for r in refused)
