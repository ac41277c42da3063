"""A handler answering an ask over NATS raises an exception whose `args` cannot be read (a
property that raises, as a proxy's or a lazily built error's may, or one that gives no
sequence). The reply that carries the error read `error.args`: its failure was sent in the
error's place (the asker got `RuntimeError: no args here` as if the handler had raised it),
and a `BaseException` from the property escaped into the responding actor's receive loop.
The asker gets a `RemoteError` naming the class raised, with its text, and the responder
answers the next ask."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.nats import RemoteError

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Abort(BaseException):
    """A user's own control-flow signal, not an `Exception`."""


class ArgsRaise(Exception):
    @property
    def args(self) -> Any:  # type: ignore[override]  # what a hostile class does
        raise RuntimeError("no args here")

    def __str__(self) -> str:
        return "the handler's error"


class ArgsAbort(ArgsRaise):
    @property
    def args(self) -> Any:  # type: ignore[override]
        raise Abort("no args either")


class ArgsNoSequence(ArgsRaise):
    @property
    def args(self) -> Any:  # type: ignore[override]
        return 5


class Raiser(Actor):
    async def receive(self, message: Any) -> Any:
        if isinstance(message, str) and message.startswith("Args"):
            raise globals()[message]()
        return message


@pytest.mark.parametrize("raised", ["ArgsRaise", "ArgsAbort", "ArgsNoSequence"])
async def test_an_error_whose_args_cannot_be_read_reaches_the_remote_asker(
    server: NatsServer, raised: str
) -> None:
    async with ActorSystem("args", transport=transport(server)) as system:
        system.expose(await system.spawn(Raiser, name="raiser"))
        remote = system.remote("args", "/raiser")
        with pytest.raises(RemoteError) as caught:
            await remote.ask(raised, timeout=SAFETY)
        assert (caught.value.type_name, caught.value.message) == (
            f"{__name__}.{raised}", "the handler's error",
        )  # fmt: skip
        assert await remote.ask("still here", timeout=SAFETY) == "still here"
        assert system.healthy
