"""A remote ask raises the remote exception's type where it can be rebuilt safely, else
`RemoteError`, and nothing is ever unpickled or constructed from the other side's classes
(API.md §2, §10; docs/distributed.md "Semantics of a remote ref"). An ask whose handler
never returns ends with `AskTimeout` at its timeout."""

from __future__ import annotations

import asyncio
import pickle
import threading
from typing import Any, ClassVar

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, OneForOne
from actorkit.nats import RemoteError

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport

pytestmark = requires_nats


class Trap(Exception):
    """Counts its constructions and unpicklings: only the raise may build one."""

    built: ClassVar[list[tuple[Any, ...]]] = []

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        Trap.built.append(args)
        self.lock = threading.Lock()  # an attribute pickle could not carry

    def __setstate__(self, state: Any) -> None:
        raise AssertionError("unpickled")


class Odd(Exception):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(a + b)


class Raiser(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "trap":
            raise Trap("sprung", 7)
        if message == "odd":
            raise Odd(1, 2)
        if message == "group":
            raise ExceptionGroup("several", [ValueError("one"), KeyError("two")])
        if message == "not-listed":
            b"\xff".decode()
        if message == "tuple-key":
            raise KeyError(("k", 1))
        if message == "caused":
            try:
                raise OSError(2, "no such file", "/etc/missing")
            except OSError as error:
                raise RuntimeError("wrapped", 3) from error
        return message


def refuse_unpickling(*_: Any, **__: Any) -> Any:
    raise AssertionError("something unpickled a reply")


async def test_remote_exceptions_are_rebuilt_from_the_allow_list_or_reported_by_name(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse_unpickling)
    Trap.built.clear()
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("caller", transport=transport(server)) as caller,
        ActorSystem("callee", transport=transport(server), supervisor=OneForOne(20)) as callee,
    ):
        callee.expose(await callee.spawn(Raiser, name="raiser"))
        raiser = caller.remote("callee", "/raiser")

        async def remote_error(message: str) -> RemoteError:
            with pytest.raises(RemoteError) as caught:
                await raiser.ask(message, timeout=SAFETY)
            assert caught.value.__notes__ == ["raised by callee:/raiser, across NATS"]
            return caught.value

        trap = await remote_error("trap")
        assert (trap.type_name, trap.message) == (f"{__name__}.Trap", "('sprung', 7)")
        assert Trap.built == [("sprung", 7)]  # the raise, and no rebuilding here
        odd = await remote_error("odd")
        assert (odd.type_name, odd.message) == (f"{__name__}.Odd", "3")
        group = await remote_error("group")
        assert group.type_name == "builtins.ExceptionGroup"
        assert group.message == "several (2 sub-exceptions)"
        listed = await remote_error("not-listed")  # a builtin, but not on the allow-list
        assert listed.type_name == "builtins.UnicodeDecodeError"
        assert "can't decode byte 0xff" in listed.message
        with pytest.raises(KeyError) as key:  # on the list; a tuple argument crosses as text
            await raiser.ask("tuple-key", timeout=SAFETY)
        assert key.value.args == ("('k', 1)",)
        with pytest.raises(RuntimeError) as caused:
            await raiser.ask("caused", timeout=SAFETY)
        assert caused.value.args == ("wrapped", 3)
        assert caused.value.__cause__ is None  # the cause stays in the remote crash report
        assert await raiser.ask("still answering", timeout=SAFETY) == "still answering"


async def test_a_remote_ask_whose_handler_never_returns_times_out_on_time(
    server: NatsServer,
) -> None:
    caller_link = transport(server)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("caller", transport=caller_link) as caller,
        ActorSystem("callee", transport=transport(server)) as callee,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        callee.expose(await callee.spawn(Gate, arrived, release, name="gate"))
        gate = caller.remote("callee", "/gate")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(AskTimeout, match=r"no reply from callee:/gate within 0\.5s"):
            await gate.ask("stuck", timeout=0.5)
        elapsed = loop.time() - started
        assert arrived.is_set() and 0.49 <= elapsed < 3.0, elapsed  # never past its bound
        assert caller_link.asks["timeout"] == 1
        release.set()  # the handler returns at last: its late reply is dropped
        assert await gate.ask("after", timeout=SAFETY) == "after"
