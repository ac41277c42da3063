"""Bad input to `ActorSystem`, `serve_http`, and the calls that reach other systems."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .bad_input_support import (
    Case,
    Env,
    after_shutdown,
    each,
    not_started,
    raises_as_documented,
)


async def start_twice(env: Env) -> None:
    await env.system.start()


async def busy_port(env: Env) -> None:
    server = await env.system.serve_http(port=0)
    await env.system.serve_http(port=server.port)


CASES = [
    # serve_http
    Case("serve_http: port -1", lambda e: e.system.serve_http(port=-1), ValueError, "0 to 65535"),
    Case(
        "serve_http: port not an int",
        lambda e: e.system.serve_http(port="9464"),  # type: ignore[arg-type]
        TypeError,
        "0 to 65535 \\(0 picks a free one\\), got str '9464'",
    ),
    Case("serve_http: port in use", busy_port, OSError, "pass port=0 for a free port"),
    Case(
        "serve_http: bad auth",
        lambda e: e.system.serve_http(port=0, auth=42),  # type: ignore[arg-type]
        TypeError,
        "bearer token str, a \\(username, password\\) tuple",
    ),
    Case(
        "serve_http: before start",
        not_started(lambda s: s.serve_http(port=0)),
        RuntimeError,
        "is not started",
    ),
    # ActorSystem
    Case(
        "ActorSystem: blocked_threshold 0",
        lambda e: ActorSystem(blocked_threshold=0),
        ValueError,
        "must be > 0 seconds",
    ),
    Case(
        "ActorSystem: blocked_threshold under a hundredth of a second",
        lambda e: ActorSystem(blocked_threshold=1e-6),
        ValueError,
        "at least 0.01 seconds",
    ),
    Case(
        "ActorSystem: blocked_threshold infinite",
        lambda e: ActorSystem(blocked_threshold=math.inf),
        ValueError,
        "and finite",
    ),
    Case(
        "ActorSystem: blocked_threshold not a number",
        lambda e: ActorSystem(blocked_threshold="1"),  # type: ignore[arg-type]
        TypeError,
        "must be a number of seconds",
    ),
    Case("ActorSystem: empty name", lambda e: ActorSystem(""), ValueError, "non-empty str"),
    Case("ActorSystem: name with '/'", lambda e: ActorSystem("a/b"), ValueError, "without '/'"),
    Case("ActorSystem: name over 255", lambda e: ActorSystem("s" * 256), ValueError, "at most 255"),
    Case("ActorSystem: a NUL in the name", lambda e: ActorSystem("a\x00"), ValueError, "printable"),
    Case(
        "ActorSystem: supervisor not a strategy",
        lambda e: ActorSystem(supervisor=42),  # type: ignore[arg-type]
        TypeError,
        "OneForOne\\(max_restarts=3, within=5.0\\)",
    ),
    Case(
        "ActorSystem: transport not a transport",
        lambda e: ActorSystem(transport=42),  # type: ignore[arg-type]
        TypeError,
        "NatsTransport",
    ),
    Case("ActorSystem.start: twice", start_twice, RuntimeError, "already started"),
    Case(
        "ActorSystem.start: after shutdown",
        lambda e: after_shutdown(ActorSystem.start),
        RuntimeError,
        "has shut down and cannot start again: create a new ActorSystem\\('closed'\\)",
    ),
    # other systems
    Case(
        "expose: without a transport",
        lambda e: e.system.expose(e.ref),
        RuntimeError,
        "needs a transport: ActorSystem\\(name, transport=",
    ),
    Case(
        "NatsTransport: send_timeout not a number",
        lambda e: NatsTransport("nats://127.0.0.1:4222", send_timeout="1"),  # type: ignore[arg-type]
        TypeError,
        "send_timeout must be a number of seconds",
    ),
    Case(
        "NatsTransport: connect_timeout 0",
        lambda e: NatsTransport("nats://127.0.0.1:4222", connect_timeout=0),
        ValueError,
        "connect_timeout must be > 0 seconds",
    ),
    Case(
        "NatsTransport: a malformed server URL",
        lambda e: NatsTransport("nats://127.0.0.1:port"),
        ValueError,
        "servers: URL 'nats://127.0.0.1:port' is malformed",
    ),
    Case(
        "NatsTransport: an option nats.connect does not take",
        lambda e: NatsTransport("nats://127.0.0.1:4222", ping_intervall=5),
        TypeError,
        "ping_intervall=..., which is not an option of nats.connect: remove it",
    ),
    Case(
        "NatsTransport: an option actorkit sets itself",
        lambda e: NatsTransport("nats://127.0.0.1:4222", error_cb=print),
        TypeError,
        "error_cb=..., a nats.connect option that actorkit sets itself",
    ),
    Case(
        "remote: a system name no ActorSystem can have",
        lambda e: e.system.remote("s" * 256, "/a"),
        ValueError,
        "system name must be a non-empty str without '/' of at most 255 printable characters",
    ),
    Case(
        "remote: a path no actor can have",
        lambda e: e.system.remote("other", "/a//b"),
        ValueError,
        "path must be an actor path such as '/parent/child': names of 1 to 255 characters, "
        "each after one '/', got '/a//b'",
    ),
    Case(
        "remote: without a transport",
        lambda e: e.system.remote("other", "/a"),
        RuntimeError,
        "needs a transport",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)


def test_the_remote_calls_of_a_system_not_started_are_refused_as_spawn_is() -> None:
    """A transport not connected yet reaches no one: the words of `spawn` and `submit`."""
    system = ActorSystem("linked", transport=NatsTransport("nats://127.0.0.1:4222"))
    calls: dict[str, Callable[[], object]] = {
        "remote": lambda: system.remote("other", "/actor"),
        "remote_group": lambda: system.remote_group("workers"),
    }
    for name, call in calls.items():
        with pytest.raises(RuntimeError, match=f"not started, so {name} cannot run yet"):
            call()
