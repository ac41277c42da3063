"""Errors in the words of whoever reads them: the command line's options on the command line,
plain grammar in a test's failure."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    SupervisorGaveUp,
    Terminated,
)
from actorkit._demo import run_demo
from actorkit._top import top
from actorkit.testing import ManualClock, Probe

from .cli_support import TOP_ERROR


def test_the_demo_on_a_busy_port_advises_its_own_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert run_demo(1, "127.0.0.1", busy.getsockname()[1]) == 1
    said = capsys.readouterr().err
    assert "the port is in use: pass --port 0 for a free port" in said
    assert "port=0" not in said


async def test_giving_up_on_a_permanent_child_that_stops_itself_says_so(
    clock: ManualClock,
) -> None:
    """OTP's rule: a permanent child is restarted whenever it stops, normally too, so a child
    that stops itself uses up restarts with no failure to name."""

    class Quitter(Actor):
        async def receive(self, message: Any) -> None:
            self.stop()

    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)

        class Parent(Actor):
            supervisor_strategy = OneForOne(max_restarts=0, decider={SupervisorGaveUp: "stop"})

            async def on_start(self) -> None:
                spec = ChildSpec(Quitter, name="q")
                inner = await self.spawn(Supervisor, [spec], OneForOne(max_restarts=0), name="s")
                self.watch(inner)

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Parent, name="p")
        quitter = system.lookup("/p/s/q")
        assert quitter is not None
        quitter.tell("stop yourself")
        terminated = await probe.expect(Terminated)
    said = str(terminated.reason)
    assert isinstance(terminated.reason, SupervisorGaveUp)
    assert "None" not in said
    assert "stopped itself normally" in said and "restart='transient'" in said


async def test_a_bad_group_name_is_echoed_like_other_names() -> None:
    async with ActorSystem() as system:
        with pytest.raises(ValueError, match=r"group must be a name .*, got 'a\.b'"):
            system.remote_group("a.b")
        with pytest.raises(ValueError, match=r"group must be a name .*, got ''"):
            system.expose(await system.spawn(Actor), group="")


async def test_top_on_a_refused_http_url_says_nothing_of_ssl(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await top("http://127.0.0.1:1", 1.0, once=True) == 1
    said = capsys.readouterr().err
    assert said.startswith(
        f"{TOP_ERROR}cannot read http://127.0.0.1:1: cannot connect to 127.0.0.1:1 ["
    )
    assert "ssl" not in said


async def test_one_unexpected_message_is_singular() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("a")
        with pytest.raises(AssertionError) as failed:
            probe.expect_empty()
        probe.ref.tell("b")
        with pytest.raises(AssertionError, match="probe has 2 unexpected messages, next: 'a'"):
            probe.expect_empty()
    assert str(failed.value) == "probe has 1 unexpected message, next: 'a'"
