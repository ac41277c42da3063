"""What `serve_http`'s endpoints answer, to the field and status, where mutants of `_http`
and `_http_auth` survived the endpoint tests."""

from __future__ import annotations

import base64
import json
from typing import Any, cast

from actorkit import ActorSystem, OneForOne
from actorkit._http_auth import BasicAuth, BearerAuth
from actorkit._http_endpoints import _Endpoints
from actorkit.testing import ManualClock

from .http_support import Echo


def served(system: ActorSystem) -> _Endpoints:
    root = system._running_root("serve_http")  # noqa: SLF001  # what serve_http hands its endpoints
    return _Endpoints(system, root, None)


async def healthz(endpoints: _Endpoints) -> tuple[int, dict[str, Any]]:
    response = await endpoints.healthz(cast(Any, None))
    return response.status, json.loads(cast(str, response.text))


async def test_healthz_names_the_failure_of_a_failed_system_and_none_of_a_healthy_one(
    clock: ManualClock,
) -> None:
    system = await ActorSystem("sick", clock=clock, supervisor=OneForOne(max_restarts=0)).start()
    try:
        endpoints = served(system)
        status, body = await healthz(endpoints)
        assert (status, body) == (200, {"status": "ok", "system": "sick", "actors": 0})
        (await system.spawn(Echo)).tell("crash")
        await clock.advance(0)
        status, body = await healthz(endpoints)
        assert (status, body["status"]) == (503, "failed")
        assert body["failure"] == repr(system.failure)
        assert "crash on purpose" in body["failure"]
    finally:
        await system.shutdown()


def basic(credentials: bytes) -> str:
    return base64.b64encode(credentials).decode()


def test_the_scheme_is_read_case_insensitively_and_only_its_own_is_accepted() -> None:
    """RFC 9110: the scheme is case-insensitive. The credentials of the other scheme, or of
    a scheme neither takes, let nobody in."""
    bearer, pair = BearerAuth("s3cret"), BasicAuth("ops", "pw")
    for scheme in ("Bearer", "bearer", "BEARER"):
        assert bearer.accepts(f"{scheme} s3cret")
    for scheme in ("Basic", "basic", "BASIC"):
        assert pair.accepts(f"{scheme} {basic(b'ops:pw')}")
    for header in ("Basic s3cret", "Token s3cret", "s3cret", "Bearers3cret"):
        assert not bearer.accepts(header), header
    for header in (f"Bearer {basic(b'ops:pw')}", f"Token {basic(b'ops:pw')}", basic(b"ops:pw")):
        assert not pair.accepts(header), header


def test_basic_credentials_that_are_not_utf8_are_refused_not_a_500() -> None:
    assert not BasicAuth("ops", "pw").accepts("Basic " + basic(b"ops:\xff"))


def test_no_password_or_token_is_shown_in_a_repr() -> None:
    assert "s3cret" not in repr(BearerAuth("s3cret"))
    shown = repr(BasicAuth("ops", "pa55"))
    assert "ops" in shown and "pa55" not in shown
