"""A handler's error whose text or arguments are large (an input echoed in it) still reaches
a remote asker as its own type, or as `RemoteError`, its text cut: its reply carried the text
twice (its one argument, and its text) and, past the server's `max_payload`, every such error
reached the asker as a `ValueError` about the reply's size, so an `except KeyError` or a retry
on `ActorStopped` missed it (docs/distributed.md, "Semantics of a remote ref")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne
from actorkit._nats._frames import ERROR_TEXT
from actorkit.nats import RemoteError

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats

BIG = 600_000
"""Characters: a reply of one such text fits the default `max_payload`, of two it does not."""


class Echoed(Exception):
    """A user's error: no class the asker rebuilds."""


class Large(Exception):
    """Short in its text, large in its arguments."""

    def __str__(self) -> str:
        return "large arguments"


class Raises(Actor):
    async def receive(self, message: Any) -> None:
        kind, size = message
        big = "k" * size
        raise {
            "key": KeyError(big),
            "stopped": ActorStopped(big),
            "user": Echoed(big),
            "args": Large(big, b"x" * size),
        }[kind]


@pytest.mark.parametrize(
    ("kind", "arrives_as"),
    [("key", KeyError), ("stopped", ActorStopped), ("user", RemoteError), ("args", RemoteError)],
)
async def test_a_large_error_reaches_the_asker_as_its_own_type_its_text_cut(
    server: NatsServer, kind: str, arrives_as: type[Exception]
) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("asker", transport=transport(server)) as asker,
        ActorSystem(
            "raiser", transport=transport(server), supervisor=OneForOne(max_restarts=10)
        ) as raiser,
    ):
        raiser.expose(await raiser.spawn(Raises, name="raises"))
        with pytest.raises(arrives_as) as raised:
            await asker.remote("raiser", "/raises").ask((kind, BIG), timeout=SAFETY)
        error = raised.value
        assert type(error) is arrives_as
        text = error.message if isinstance(error, RemoteError) else str(error)
        assert len(text) <= ERROR_TEXT + 100
        if kind != "args":
            assert "kkkk" in text[:10] and "characters cut" in text
        # one as large as it may be crosses whole
        with pytest.raises(arrives_as) as whole:
            await asker.remote("raiser", "/raises").ask((kind, 1_000), timeout=SAFETY)
        said = whole.value.message if isinstance(whole.value, RemoteError) else str(whole.value)
        assert "cut" not in said
