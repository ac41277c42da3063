"""`NatsTransport`'s credentials: refused as the transport is built, not at `start()`; and a
`.creds` file nats-py cannot read fails the start with nats-py's own error."""

from __future__ import annotations

import asyncio
import importlib.machinery
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

URL = "nats://127.0.0.1:1"
"""Nothing listens there: every refusal below comes before any connection is tried."""


@pytest.fixture
def nkeys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `nkeys` package, installed or not, is found as installed: what the tests below
    check comes after the transport's check for it."""
    if importlib.util.find_spec("nkeys") is None:
        stub = types.ModuleType("nkeys")
        stub.__spec__ = importlib.machinery.ModuleSpec("nkeys", None)
        monkeypatch.setitem(sys.modules, "nkeys", stub)


@pytest.mark.parametrize(
    ("options", "error", "says"),
    [
        ({"token": 42}, TypeError, "token must be a str or None, got int"),
        ({"user": b"admin", "password": "pw"}, TypeError, "user must be a str or None"),
        ({"password": ""}, ValueError, "password must be a non-empty str without NUL"),
        ({"token": "a\x00b"}, ValueError, "token must be a non-empty str without NUL"),
        ({"token": "a\udcff"}, ValueError, "token must be text UTF-8 can encode"),
        ({"tls_hostname": 42}, TypeError, "tls_hostname must be a str or None"),
        ({"creds": 42}, TypeError, "creds must be the path of a .creds file"),
        ({"creds": "/nonexistent/app.creds"}, ValueError, "creds: no file at '/nonexistent"),
        ({"creds": ("/nonexistent/a.jwt", "/nonexistent/a.nk")}, ValueError, "creds: no file"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_credential_nats_py_could_not_use_is_refused_as_the_transport_is_built(
    options: dict[str, object], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        NatsTransport(URL, **options)  # type: ignore[arg-type]


@pytest.mark.usefixtures("nkeys")
def test_credentials_given_as_they_should_be_are_taken(tmp_path: Path) -> None:
    creds = tmp_path / "app.creds"
    creds.write_text("-----BEGIN NATS USER JWT-----\n")
    NatsTransport(URL, token="s3cret", tls_hostname="nats.internal")
    NatsTransport(URL, user="admin", password="pw", creds=creds)
    NatsTransport(URL, creds=(str(creds), str(creds)))


@pytest.mark.parametrize("option", ["creds", "nkeys_seed", "nkeys_seed_str"])
def test_credentials_nats_py_signs_with_nkeys_need_the_nkeys_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    """nats-py imports `nkeys` only as it connects: its absence read as a connection that
    failed within connect_timeout."""
    monkeypatch.setitem(sys.modules, "nkeys", None)  # not installed, whatever this machine has
    seed = tmp_path / "app.creds"
    seed.write_text("-----BEGIN NATS USER JWT-----\n")
    given = str(seed) if option != "nkeys_seed_str" else "SUAEXAMPLE"
    with pytest.raises(
        ModuleNotFoundError,
        match=rf"NatsTransport\({option}=\.\.\.\) needs the nkeys package.*pip install nkeys",
    ):
        NatsTransport(URL, **{option: given})  # type: ignore[arg-type]
    none: dict[str, Any] = {option: None}  # not given: nats-py signs nothing in then
    NatsTransport(URL, **none)


@pytest.mark.usefixtures("nkeys")
async def test_a_creds_file_nats_py_cannot_read_fails_the_start_with_its_own_error(
    tmp_path: Path,
) -> None:
    """nats-py reads the file before it connects; its close of the connection that never
    opened failed an assertion ("Client.connect must be called first"), raised instead."""
    creds = tmp_path / "garbage.creds"
    creds.write_text("not a creds file\n")
    transport = NatsTransport(URL, creds=str(creds), connect_timeout=2.0)
    async with asyncio.timeout(20):
        with pytest.raises(ConnectionError, match="cannot connect system 'creds'") as failed:
            await ActorSystem("creds", transport=transport).start()
    assert not isinstance(failed.value.__cause__, AssertionError)
    assert "Client.connect must be called first" not in str(failed.value)
