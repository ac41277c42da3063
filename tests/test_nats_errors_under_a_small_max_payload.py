"""An error raised by a remote handler reaches its asker as that error under any server
`max_payload`, its text cut to fit: the cut to 16,384 characters fits the default 1 MB, but
a server whose `max_payload` was lowered (as distributed.md advises where memory matters)
turned a long `KeyError` into a `ValueError` about the reply's size, which an
`except KeyError` around the ask did not catch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.nats import RemoteError

from .nats_support import NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats

LIMIT = 4096


class Failing(Actor):
    async def receive(self, message: Any) -> Any:
        kind, size = message
        if kind == "key":
            raise KeyError("k" * size)
        if kind == "value":
            raise ValueError("é" * size)  # two bytes each in UTF-8
        if kind == "own":
            raise OwnError("o" * size)
        return b"r" * size


class OwnError(Exception):
    """Not on the allow-list: it crosses as a `RemoteError`."""


@pytest.fixture
async def asker(tmp_path: Path) -> AsyncIterator[tuple[ActorSystem, ActorSystem]]:
    server = NatsServer()
    server.configure(tmp_path / "small.conf", f"max_payload: {LIMIT}\n")
    server.start()
    try:
        async with (
            ActorSystem("asker", transport=transport(server)) as asking,
            ActorSystem("raiser", transport=transport(server)) as raising,
        ):
            raising.expose(await raising.spawn(Failing, name="f"), group="failing")
            await link_of(raising).flush()
            yield asking, raising
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("kind", "error"), [("key", KeyError), ("value", ValueError), ("own", RemoteError)]
)
@pytest.mark.parametrize("size", [3_000, 20_000])
async def test_a_long_error_crosses_as_itself_cut_to_the_servers_max_payload(
    asker: tuple[ActorSystem, ActorSystem], kind: str, error: type[Exception], size: int
) -> None:
    asking, _ = asker
    for target in (asking.remote("raiser", "/f"), asking.remote_group("failing")):
        async with asyncio.timeout(10):
            with pytest.raises(error) as raised:
                await target.ask((kind, size), timeout=5)
        failure = raised.value
        said = failure.message if isinstance(failure, RemoteError) else failure.args[0]
        # a KeyError's text is its repr, quotes included
        assert said.lstrip("'").startswith({"key": "k", "value": "é", "own": "o"}[kind] * 100)
        assert said.endswith("characters cut to fit the server's max_payload)")
        if isinstance(failure, RemoteError):
            assert failure.type_name.endswith("OwnError")


async def test_an_answer_over_max_payload_is_still_refused_for_its_size(
    asker: tuple[ActorSystem, ActorSystem],
) -> None:
    asking, _ = asker
    async with asyncio.timeout(10):
        with pytest.raises(ValueError, match="the reply of /f encodes to"):
            await asking.remote("raiser", "/f").ask(("answer", LIMIT), timeout=5)
