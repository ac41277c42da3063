"""Where this machine reaches an endpoint (`reached_at`, `HttpServer.url`) for hosts no test
binds: an IPv6 machine's `::` (the bind test is skipped where there is no IPv6 loopback), a
specific address that is not loopback, and a host name. Each fails on a one-token change."""

from __future__ import annotations

from typing import Any, cast

import pytest

from actorkit._http import HttpServer
from actorkit._http_auth import reached_at


@pytest.mark.parametrize(
    ("host", "reached"),
    [
        ("0.0.0.0", "127.0.0.1"),
        ("::", "::1"),
        ("0:0::0", "::1"),  # the unspecified address however it is written
        ("192.0.2.7", "192.0.2.7"),  # one interface's address: its own
        ("2001:db8::7", "2001:db8::7"),
        ("::1", "::1"),
        ("localhost", "localhost"),  # a name is no address: kept as given
        ("metrics.example", "metrics.example"),
    ],
)
def test_only_an_unspecified_address_is_reached_at_loopback(host: str, reached: str) -> None:
    assert reached_at(host) == reached


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("::", "http://[::1]:9464"),
        ("0.0.0.0", "http://127.0.0.1:9464"),
        ("2001:db8::7", "http://[2001:db8::7]:9464"),
        ("localhost", "http://localhost:9464"),
    ],
)
def test_the_url_brackets_the_ipv6_address_it_gives(host: str, url: str) -> None:
    unbound = cast(Any, None)  # `url` reads only the host and port
    assert HttpServer(unbound, host, 9464, None, unbound).url == url
