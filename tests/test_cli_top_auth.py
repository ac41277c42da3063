"""`top` against a guarded endpoint: credentials from the environment, never shown."""

from __future__ import annotations

import asyncio
import sys
from typing import TypedDict

import pytest

from actorkit import ActorSystem


async def test_top_sends_the_bearer_token_from_the_environment_and_never_shows_it() -> None:
    async with ActorSystem("guarded") as system:
        server = await system.serve_http(port=0, auth="s3cret-token")
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", server.url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"COLUMNS": "120", "PATH": "", "ACTORKIT_HTTP_TOKEN": "s3cret-token"},
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await top.communicate()
    assert top.returncode == 0, err.decode()
    assert "guarded" in out.decode()
    assert b"s3cret" not in out + err


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (None, "401 Unauthorized: set ACTORKIT_HTTP_TOKEN to the token it is served with"),
        ("  ", "401 Unauthorized: set ACTORKIT_HTTP_TOKEN"),  # an empty variable is none
        ("wrong-token", "401 Unauthorized: it refused the bearer token in ACTORKIT_HTTP_TOKEN"),
        ("two\nlines", "ACTORKIT_HTTP_TOKEN must be one line of printable text"),
    ],
)
async def test_top_says_what_an_endpoint_that_wants_a_token_needs(
    token: str | None, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("guarded") as system:
        server = await system.serve_http(port=0, auth="s3cret-token")
        assert await top(server.url, 1.0, True, token=token) == 1
    shown = capsys.readouterr().err
    assert says in shown
    assert "wrong" not in shown and "lines" not in shown


async def test_top_sends_basic_auth_from_the_environment_and_never_shows_it() -> None:
    async with ActorSystem("fenced") as system:
        server = await system.serve_http(port=0, auth=("watcher", "pa55 word"))
        env = {"ACTORKIT_HTTP_USER": "watcher", "ACTORKIT_HTTP_PASSWORD": "pa55 word"}
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", server.url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"COLUMNS": "120", "PATH": "", **env},
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await top.communicate()
    assert top.returncode == 0, err.decode()
    assert "fenced" in out.decode()
    assert b"pa55" not in out + err


USER, PASSWORD = "ACTORKIT_HTTP_USER", "ACTORKIT_HTTP_PASSWORD"


class Credentials(TypedDict, total=False):
    """What `top` is given of the credentials, as its keywords."""

    token: str
    user: str
    password: str


@pytest.mark.parametrize(
    ("url", "given", "says"),
    [
        ("", {}, f"401 Unauthorized: it takes basic auth: set {USER} and {PASSWORD}"),
        ("", {"token": "s3cret"}, f"it takes basic auth: set {USER} and {PASSWORD}"),
        ("", {"user": "watcher", "password": "s3cret"}, "it refused the user and password in"),
        ("", {"user": "watcher"}, f"basic auth needs both {USER} and {PASSWORD}"),
        ("", {"user": "watcher", "password": "pw", "token": "t"}, "not both: an endpoint takes"),
        ("", {"user": "wat:cher", "password": "s3cret"}, f"{USER} must not contain ':'"),
        ("", {"user": "watcher", "password": "s3\ncret"}, f"{PASSWORD} must be one line"),
        ("watcher:s3cret@", {}, f"put the user and password in {USER} and {PASSWORD}, not in"),
    ],
)
async def test_top_says_what_an_endpoint_with_basic_auth_needs(
    url: str, given: Credentials, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("fenced") as system:
        server = await system.serve_http(port=0, auth=("watcher", "pa55"))
        address = server.url.replace("http://", f"http://{url}")
        refused = 2 if "@" in url else 1  # the command line's, or the environment's
        assert await top(address, 1.0, True, **given) == refused
    shown = capsys.readouterr().err
    assert says in shown
    assert "s3" not in shown and "cher" not in shown
