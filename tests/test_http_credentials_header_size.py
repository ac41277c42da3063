"""A credential whose `Authorization` header is longer than the 8,190 bytes a header value may
take at the endpoint is refused when the server starts, saying what to change, as one that a
header could never carry is: every request bearing it would be refused 400 by the request
parser before the credentials are checked, so the endpoint could never be read. The longest
that fits is taken, and read with."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from actorkit import ActorSystem
from actorkit._http_auth import BasicAuth, BearerAuth

LONGEST = 8190
"""Bytes of a header value the endpoint reads (aiohttp's `max_field_size`)."""


def basic_header(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def longest_password(user: str) -> str:
    """The longest password (of ASCII) whose basic header still fits."""
    size = 1
    while len(basic_header(user, "p" * (size + 1))) <= LONGEST:
        size += 1
    return "p" * size


async def test_the_longest_credentials_that_fit_are_taken_and_read_with() -> None:
    token = "t" * (LONGEST - len("Bearer "))
    password = longest_password("ops")
    async with ActorSystem(metrics=False) as system:
        for auth, header in (
            (token, f"Bearer {token}"),
            (("ops", password), basic_header("ops", password)),
        ):
            server = await system.serve_http(port=0, auth=auth)
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{server.url}/healthz", headers={"Authorization": header}) as response,
            ):
                assert response.status == 200
            await server.close()


@pytest.mark.parametrize(
    "auth",
    [
        "t" * (LONGEST - len("Bearer ") + 1),
        "é" * 4100,  # 8,200 bytes of UTF-8
        ("ops", longest_password("ops") + "pppp"),
        ("o" * 7000, "pw"),
    ],
    ids=["token", "token-utf8", "password", "username"],
)
async def test_serve_http_refuses_credentials_no_header_could_carry(auth: object) -> None:
    async with ActorSystem(metrics=False) as system:
        with pytest.raises(ValueError, match="longer than the 8190 bytes") as refused:
            await system.serve_http(port=0, auth=auth)  # type: ignore[arg-type]
        assert "shorter" in str(refused.value)
        assert "ttt" not in str(refused.value) and "ppp" not in str(refused.value)


def test_the_auth_classes_refuse_them_too() -> None:
    with pytest.raises(ValueError, match="longer than the 8190 bytes"):
        BearerAuth("t" * LONGEST)
    with pytest.raises(ValueError, match="longer than the 8190 bytes"):
        BasicAuth("ops", "p" * LONGEST)


@pytest.mark.parametrize(
    ("token", "user", "password", "says"),
    [
        ("t" * LONGEST, None, None, "ACTORKIT_HTTP_TOKEN makes an Authorization header of"),
        (None, "ops", "p" * LONGEST, "ACTORKIT_HTTP_USER and ACTORKIT_HTTP_PASSWORD make an"),
    ],
    ids=["token", "basic"],
)
async def test_top_refuses_such_credentials_before_sending_them(
    token: str | None,
    user: str | None,
    password: str | None,
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What `serve_http` refuses, `top` refuses before anything is sent (docs/observability.md),
    naming the variables to change, not answered 400 by the endpoint's parser."""
    from actorkit._top import top

    async with ActorSystem("guarded", metrics=False) as system:
        server = await system.serve_http(port=0, auth="s3cret")
        assert await top(server.url, 1.0, True, None, token, user, password) == 1
    err = capsys.readouterr().err
    assert says in err and "shorter" in err
    assert "ttt" not in err and "ppp" not in err
