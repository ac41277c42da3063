"""`serve_http`'s host is an address or a host name alone: one written with its port, a
scheme, a path or URL brackets (`127.0.0.1:9464`, `http://127.0.0.1`, `[::1]`) is no host any
system could bind. It is refused as a wrong argument, saying so, before any resolver is asked,
not sent to DNS and reported as a name that "does not resolve" with the advice to pass an IP
address the user thinks they passed; and `demo --host` exits 2 for it, as for any host no
system can take (docs/observability.md)."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit._http_auth import check_address

from .cli_support import DEMO_ERROR, run_cli

NOT_ALONE = ["127.0.0.1:9464", "0.0.0.0:80", "localhost:9464", "http://127.0.0.1", "[::1]", "a/b"]
ONE_MARK = ["admin@127.0.0.1", "[127.0.0.1", "127.0.0.1]"]
"""Each with one mark of a URL alone (its user, one bracket): none may hide behind another."""


@pytest.mark.parametrize("host", NOT_ALONE + ONE_MARK)
async def test_a_host_with_a_port_scheme_or_brackets_is_refused_saying_so(host: str) -> None:
    async with asyncio.timeout(10), ActorSystem("hosts") as system:
        with pytest.raises(ValueError, match="no port, scheme, path or brackets") as refused:
            await system.serve_http(host=host, port=0)
    assert repr(host) in str(refused.value)
    assert "resolve" not in str(refused.value)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1%1", "localhost", "metrics-1.example"]
)
def test_an_address_or_a_host_name_alone_is_taken(host: str) -> None:
    assert check_address(host, 0) == (host, 0)


def test_demo_exits_2_for_a_host_given_with_its_port() -> None:
    result = run_cli("demo", "--duration", "1", "--host", "127.0.0.1:9464")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(DEMO_ERROR)
    assert "'127.0.0.1:9464'" in line and "no port, scheme, path or brackets" in line
    assert "--host" in line
