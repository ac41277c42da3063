"""Mutants of this session's edge handling that survived the suite: NATS bytes that are not
UTF-8 in a refused publish's subject and in a reply subject, `top`'s 401 past redirects,
and `journal` meeting a missing module that no extra brings."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from aiohttp import web

from actorkit import ActorSystem
from actorkit.testing import Probe

from .cli_support import TOP_ERROR, endpoint
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .test_nats_hostile_bytes import Echo, frame, pub, send_raw


@requires_nats
async def test_a_refused_payload_on_a_subject_not_utf8_names_it_escaped(
    server: NatsServer,
) -> None:
    """A broken batch and a frame that does not decode are refused before the topic is: their
    records show its bytes escaped, as a bad_topic's does, not as lone surrogates."""
    async with ActorSystem("bytes", transport=transport(server)) as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "events.>")
        await link_of(system).flush()
        subject = b"actorkit.topic.events.\xff"
        await send_raw(
            server,
            pub(subject, b"\x92\x04\xc1"),
            pub(subject, b"\xc1"),
            pub(b"actorkit.topic.events.ok", frame("after")),  # heard once both were read
        )
        await probe.expect("after", timeout=SAFETY)
        assert system.dead_letters.by_reason == {"bad_payload": 2}
        recipients = [letter.recipient for letter in system.dead_letters.recent]
        assert recipients == [r"topic events.\xff"] * 2


@requires_nats
async def test_an_answer_is_not_sent_to_a_reply_subject_its_bytes_were_dropped_from(
    server: NatsServer,
) -> None:
    """`_INBOX.k\\xff` is not `_INBOX.k`: the answer to it reaches no one, and the first
    answer `_INBOX.k` hears is the one asked of it."""
    system = ActorSystem("target", transport=transport(server))
    async with asyncio.timeout(SAFETY), system as target:
        target.expose(await target.spawn(Echo, name="echo"))
        await link_of(target).flush()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            await reader.readline()  # INFO
            writer.write(b'CONNECT {"verbose":false}\r\nSUB _INBOX.k 1\r\nPING\r\n')
            while await reader.readline() != b"PONG\r\n":
                pass
            await send_raw(
                server,
                pub(b"actorkit.actor.target", frame(1, "/echo", "stray", 1.0), b"_INBOX.k\xff"),
                pub(b"actorkit.actor.target", frame(1, "/echo", "asked", 1.0), b"_INBOX.k"),
            )
            while not (line := await reader.readline()).startswith(b"MSG _INBOX.k 1 "):
                assert line, "the server closed the raw connection"
            size = int(line.split()[-1])
            answer = (await reader.readexactly(size + 2))[:size]
        finally:
            writer.close()
        assert b"asked" in answer and b"stray" not in answer, answer


async def test_no_credentials_past_a_redirect_are_not_said_to_be_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With none set, a 401 past a redirect to another origin says what to set."""
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("behind") as system:
        served = (await system.serve_http(port=0, auth="s3cret")).url

        async def moved(request: web.Request) -> web.Response:
            raise web.HTTPMovedPermanently(f"{served}{request.rel_url}")

        async with endpoint({"/actors": moved}) as front:
            assert await top(front, 1.0, True) == 1
    assert capsys.readouterr().err == (
        f"{TOP_ERROR}cannot read {front}: 401 Unauthorized: set ACTORKIT_HTTP_TOKEN to the "
        "token it is served with\n"
    )


async def test_a_redirect_within_the_origin_then_to_another_names_the_url_first_passed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two hops, the first on the same origin, the last with a query holding a '/': the URL
    passed and the other origin are named, each without its path or query."""
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("behind") as system:
        served = (await system.serve_http(port=0, auth="s3cret")).url

        async def hop(request: web.Request) -> web.Response:
            raise web.HTTPFound("/hop/actors")

        async def moved(request: web.Request) -> web.Response:
            raise web.HTTPMovedPermanently(f"{served}/actors?via=/hop")

        async with endpoint({"/actors": hop, "/hop/actors": moved}) as front:
            assert await top(front, 1.0, True, token="s3cret") == 1
    assert capsys.readouterr().err == (
        f"{TOP_ERROR}cannot read {front}: 401 Unauthorized from {served}, which {front} "
        f"redirected to: top sends credentials to the URL's own origin only; pass {served}\n"
    )


async def test_a_401_past_a_redirect_within_the_origin_is_a_refused_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """aiohttp keeps `Authorization` on the same origin: the endpoint saw the token."""
    from actorkit._top import top

    async def hop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/hop/actors")

    async def refuse(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer wrong"
        return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})

    async with asyncio.timeout(10), endpoint({"/actors": hop, "/hop/actors": refuse}) as url:
        assert await top(url, 1.0, True, token="wrong") == 1
    assert capsys.readouterr().err == (
        f"{TOP_ERROR}cannot read {url}: 401 Unauthorized: it refused the bearer token in "
        "ACTORKIT_HTTP_TOKEN\n"
    )


MISSING_OWN = """
import runpy, sys

class Lost:
    def find_spec(self, name, path=None, target=None):
        if name == "actorkit.persistence._journal":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Lost())
runpy.run_module("actorkit", run_name="__main__", alter_sys=True)
"""


def test_journal_missing_a_module_of_its_own_shows_the_traceback(tmp_path: object) -> None:
    """Not an extra to install but a broken install of actorkit: the error goes on whole."""
    store = f"sqlite:///{tmp_path}/app.db"
    result = subprocess.run(
        [sys.executable, "-c", MISSING_OWN, "journal", store, "/alice"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Traceback"), result.stderr
    assert result.stderr.endswith(
        "ModuleNotFoundError: No module named 'actorkit.persistence._journal'\n"
    ), result.stderr
