"""`top`'s errors: one unwrapped line for a bad URL, a silent endpoint or another server."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from actorkit import ActorSystem

from .cli_support import TOP_ERROR, endpoint
from .processes import communicate


async def top_in_a_pipe(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`top` as a script runs it: output captured, not a terminal, no COLUMNS, where rich
    wraps what it prints at 80 columns."""
    bare = {k: v for k, v in os.environ.items() if k != "COLUMNS" and not k.startswith("ACTORKIT")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "actorkit", "top", "--once", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**bare, **(env or {})},
    )  # fmt: skip
    out, err = await communicate(process)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_every_error_of_top_is_one_unwrapped_line_on_stderr() -> None:
    from aiohttp import web

    async def broken_json(request: web.Request) -> web.Response:
        return web.Response(text="{broken", content_type="application/json")

    async with (
        asyncio.timeout(30),
        endpoint({"/actors": broken_json}) as not_actorkit,
        ActorSystem("fenced") as system,
    ):
        url = (await system.serve_http(port=0, auth=("watcher", "pa55"))).url
        cases = {
            "connection refused": (["http://127.0.0.1:1"], None),
            "401": ([url], None),
            "404": ([f"{url}/[bold]nope"], {"ACTORKIT_HTTP_USER": "watcher",
                                            "ACTORKIT_HTTP_PASSWORD": "pa55"}),
            "bad JSON": ([not_actorkit], None),
            "bad URL": (["http://[::1"], None),
            "bad variable": ([url], {"ACTORKIT_HTTP_USER": "watcher"}),
        }  # fmt: skip
        results = await asyncio.gather(*(top_in_a_pipe(*a, env=e) for a, e in cases.values()))
    said = dict(zip(cases, results, strict=True))
    for case, (code, out, err) in said.items():
        assert (code, out) == (2 if case == "bad URL" else 1, ""), case
        assert err.endswith("\n") and err.count("\n") == 1 and err.startswith(TOP_ERROR), case
        assert "Traceback" not in err
    assert len(said["connection refused"][2]) > 80  # the line rich wrapped
    assert "[Connect call failed" in said["connection refused"][2]
    assert "401 Unauthorized: it takes basic auth" in said["401"][2]
    assert "/[bold]nope/actors answered 404 Not Found" in said["404"][2]  # not read as markup
    assert "/actors is not JSON" in said["bad JSON"][2]
    assert "Invalid IPv6 URL" in said["bad URL"][2]
    assert "basic auth needs both" in said["bad variable"][2]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "the URL is not valid (Invalid IPv6 URL): pass one such as"),
        ("http://127.0.0.1:99999", "the URL is not valid (Port out of range 0-65535)"),
        ("http://127.0.0.1:port", "the URL is not valid (Port could not be cast"),
        ("http://", "http:// names no host: pass one such as"),
        ("http://a b:9464", "'http://a b:9464' holds spaces or control characters"),
        ("http://a\nb:9464", "'http://a\\nb:9464' holds spaces or control characters"),
        ("http://127.0.0.1:1/?x=1", "http://127.0.0.1:1/?x=1 has a query or fragment: pass one"),
        ("http://127.0.0.1:1/#tree", "http://127.0.0.1:1/#tree has a query or fragment: pass one"),
    ],
)
async def test_top_says_what_is_wrong_with_a_url(
    url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10):
        assert await top(url, 1.0, True) == 2  # the command line's, as argparse's are
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(TOP_ERROR) and says in err and err.count("\n") == 1


async def test_top_says_how_long_it_waited_for_an_endpoint_that_does_not_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiohttp import web

    from actorkit import _top

    async def hang(request: web.Request) -> web.Response:
        await answer.wait()
        return web.Response(text="too late")

    answer = asyncio.Event()
    monkeypatch.setattr(_top, "TIMEOUT", 0.2)
    async with asyncio.timeout(10), endpoint({"/actors": hang}) as url:
        try:
            assert await _top.top(url, 1.0, True) == 1
        finally:
            answer.set()
    assert capsys.readouterr().err == f"{TOP_ERROR}cannot read {url}: no answer within 0.2 s\n"


NOT_ACTORKIT = [
    ("[1, 2]", "up 1\n"),
    ('{"actors": []}', "up 1\n"),
    ('{"actors": [{"path": "/a"}]}', "up 1\n"),
    ('{"actors": [{"path": "/a", "children": null}]}', "up 1\n"),
    ("{broken", "up 1\n"),
    ('{"system": "s", "healthy": true, "total": 0, "actors": []}', "garbage{{{ 1 2 3\n"),
    # prometheus_client's parser raises IndexError, not ValueError, on a blank label name
    ('{"system": "s", "healthy": true, "total": 0, "actors": []}', "{, ={{\n"),
    ("[" * 5000 + "]" * 5000, "up 1\n"),  # nested past what the JSON decoder recurses into
]


@pytest.mark.parametrize(("actors", "metrics"), NOT_ACTORKIT)
async def test_top_against_another_server_fails_clearly(
    actors: str, metrics: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiohttp import web

    from actorkit._top import top

    async def answer_actors(request: web.Request) -> web.Response:
        return web.Response(text=actors, content_type="application/json")

    async def answer_metrics(request: web.Request) -> web.Response:
        return web.Response(text=metrics)

    async with (
        asyncio.timeout(10),
        endpoint({"/actors": answer_actors, "/metrics": answer_metrics}) as url,
    ):
        code = await top(url, 1.0, True)
    assert code == 1
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["localhost:9464", "ftp://127.0.0.1:9464"])
async def test_top_says_what_url_to_pass(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10):
        assert await top(url, 1.0, True) == 2
    assert "pass one such as http://127.0.0.1:9464" in capsys.readouterr().err


def test_top_takes_http_and_https_urls_only() -> None:
    from actorkit._top_checks import refused

    assert refused("http://127.0.0.1:9464") is None
    assert refused("https://metrics.example:9464/app") is None
    assert "is not an http:// URL" in (refused("ftp://127.0.0.1:9464") or "")


async def test_top_refuses_actors_served_as_another_content_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A web server's page at /actors is not read as a tree, even a body that parses as one."""
    from aiohttp import web

    from actorkit._top import top

    async def page(request: web.Request) -> web.Response:
        tree = '{"system": "s", "healthy": true, "total": 0, "actors": []}'
        return web.Response(text=tree, content_type="text/html")

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="up 1\n")

    async with asyncio.timeout(10), endpoint({"/actors": page, "/metrics": metrics}) as url:
        assert await top(url, 1.0, True) == 1
    err = capsys.readouterr().err
    assert err == f"{TOP_ERROR}cannot read {url}: /actors is not JSON (Content-Type text/html)\n"
