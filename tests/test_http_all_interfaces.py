"""An endpoint bound to every interface (`0.0.0.0`, `::`) keeps that as its `.host`, but its
`.url` is one to paste into a browser or give `top`: a loopback address of the same family
(as uvicorn and Jupyter print), not the unspecified one, which names no machine."""

from __future__ import annotations

import socket

import pytest

from actorkit import ActorSystem

from .cli_support import run_cli
from .http_support import fetch


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    ("host", "reached"),
    [
        ("0.0.0.0", "127.0.0.1"),
        pytest.param(
            "::",
            "[::1]",
            marks=pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback here"),
        ),
    ],
)
async def test_the_url_of_an_endpoint_on_every_interface_reaches_it(
    host: str, reached: str
) -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(host=host, port=0, auth="s3cret")
        assert server.host == host
        assert server.url == f"http://{reached}:{server.port}"
        status, _ = await fetch(f"{server.url}/healthz", headers={"Authorization": "Bearer s3cret"})
        assert status == 200
        await server.close()


async def test_the_url_of_an_endpoint_on_one_address_is_that_address() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(host="127.0.0.1", port=0)
        assert server.url == f"http://127.0.0.1:{server.port}"
        await server.close()


def test_the_demo_on_every_interface_prints_a_url_to_reach_it_and_says_where_it_listens() -> None:
    result = run_cli("demo", "--duration", "0.5", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("metrics:")]
    assert line.startswith("metrics: http://127.0.0.1:"), line
    assert "listening on all interfaces (0.0.0.0)" in line, line
    assert "http://0.0.0.0" not in line, line
