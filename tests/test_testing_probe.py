"""Probe: it records what arrives, checks it each way, counts what waits and answers asks."""

from __future__ import annotations

import asyncio
import pydoc
from typing import Any, Literal, Optional, Protocol, Union

import pytest

from actorkit import DEFAULT_MAILBOX_SIZE, ActorSystem
from actorkit.testing import Probe


async def test_probe_records_messages_in_order_and_checks_each_way() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system, name="probe")
        assert probe.ref.path == "/probe"
        for message in [1, "two", 3.0, (4,)]:
            probe.ref.tell(message)
        assert await probe.expect(1) == 1  # by equality
        assert await probe.expect(str) == "two"  # by type
        assert await probe.expect(lambda m: m > 2) == 3.0  # by predicate
        assert probe.pending == 1
        with pytest.raises(AssertionError, match=r"probe expected 5, got \(4,\)"):
            await probe.expect(5)
        probe.expect_empty()


async def test_probe_expect_empty_names_the_unexpected_message() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("surprise")
        await probe.receive()
        await probe.ref.ask("another")  # recorded by the time the ask is answered
        with pytest.raises(AssertionError, match="'another'"):
            probe.expect_empty()


async def test_probe_counts_what_still_waits_in_its_mailbox() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("told")  # the probe's actor has not run yet: both wait in its mailbox
        probe.ref.tell("again")
        assert probe.pending == 2
        with pytest.raises(AssertionError, match="probe has 2 unexpected messages, next: 'told'"):
            probe.expect_empty()
        assert [await probe.receive(), await probe.receive()] == ["told", "again"]
        probe.expect_empty()


async def test_probe_counts_an_ask_still_in_its_mailbox_by_its_message() -> None:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        seen: asyncio.Future[tuple[int, str]] = loop.create_future()

        def look() -> None:  # after the ask's first step, before the probe's actor runs
            with pytest.raises(AssertionError) as failed:
                probe.expect_empty()
            seen.set_result((probe.pending, str(failed.value)))

        asked = asyncio.ensure_future(probe.ref.ask("asked"))
        loop.call_soon(look)
        assert await seen == (1, "probe has 1 unexpected message, next: 'asked'")
        assert await asked is None
        assert await probe.receive() == "asked"
        probe.expect_empty()


async def test_probe_answers_asks_with_its_reply() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        assert await probe.ref.ask("q") is None
        probe.reply = 42
        assert await probe.ref.ask("q") == 42
        assert probe.pending == 2


def test_help_of_probe_says_reply_is_the_attribute_asks_are_answered_with() -> None:
    assert "`probe.reply` is an attribute, not a method" in pydoc.render_doc(Probe)


async def test_probe_receive_times_out_and_checks_its_timeout() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        with pytest.raises(TimeoutError, match=r"the probe received nothing within 0\.001 s"):
            await probe.receive(timeout=0.001)  # the safety net itself, nothing to wait for
        with pytest.raises(ValueError, match="timeout"):
            await probe.receive(timeout=-1)


async def test_probe_receive_gives_up_at_its_timeout_not_later() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        async with asyncio.timeout(2.0):  # forty times the probe's own: it must end well before
            with pytest.raises(TimeoutError, match=r"within 0\.05 s"):
                await probe.receive(timeout=0.05)


async def test_probe_expect_by_type_is_by_instance_not_by_conversion() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(0)
        probe.ref.tell("0")
        assert await probe.expect(int) == 0  # an instance, though int(0) is falsy
        with pytest.raises(AssertionError, match="probe expected <class 'int'>, got '0'"):
            await probe.expect(int)


async def test_probe_takes_any_number_of_messages_told_at_once() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        for i in range(DEFAULT_MAILBOX_SIZE + 1):  # more than an actor's default mailbox holds
            probe.ref.tell(i)
        assert probe.pending == DEFAULT_MAILBOX_SIZE + 1


def test_a_probe_made_without_spawn_says_how_to_make_one() -> None:
    probe = Probe()
    with pytest.raises(RuntimeError, match=r"Probe\.spawn"):
        _ = probe.ref
    assert probe.pending == 0  # nothing was told to it: nothing to fail a check with
    probe.expect_empty()


async def test_probe_expect_empty_leaves_the_message_it_names_to_be_received() -> None:
    """A check takes nothing: after it failed, the message it named is still the next."""
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("left over")
        await probe.ref.ask("sync")  # both recorded by the time the ask is answered
        with pytest.raises(AssertionError, match="probe has 2 unexpected messages, next: 'left"):
            probe.expect_empty()
        assert probe.pending == 2
        assert [await probe.receive(), await probe.receive()] == ["left over", "sync"]
        probe.expect_empty()


async def test_probe_expect_by_a_union_of_types_is_by_instance_too() -> None:
    """`int | str` and `Optional[int]` are what `isinstance` takes as well: a message of one
    of their types passes, and one of neither fails naming them, not a conversion's error."""
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        for message in [1, "two", None, 4.0]:
            probe.ref.tell(message)
        assert await probe.expect(int | str) == 1
        assert await probe.expect(int | str) == "two"
        assert await probe.expect(Optional[int]) is None  # noqa: UP045 (what users write)
        with pytest.raises(AssertionError, match=r"probe expected .*int.*, got 4\.0"):
            await probe.expect(Optional[int])  # noqa: UP045


async def test_probe_expect_by_a_parameterized_type_says_what_to_pass_instead() -> None:
    """`list[int]` is no type `isinstance` can check: called as a predicate it built a list of
    the message, so `[]` failed, `[1]` passed and `5` raised a bare `TypeError` of `list`."""
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell([])
        with pytest.raises(TypeError, match=r"list\[int\].*expect\(list\)"):
            await probe.expect(list[int])
        assert await probe.expect(list) == []  # refused before it took the message


class _Named(Protocol):
    """Not `runtime_checkable`: `isinstance` refuses it, a class though it is."""

    name: str


@pytest.mark.parametrize(
    ("expected", "instead"),
    [
        (int | list[int], r"its classes \(expect\(int \| list\)\) or a predicate"),
        (Union[int, list[int]], r"its classes \(expect\(int \| list\)\)"),  # noqa: UP007
        (Optional[dict[str, int]], r"its classes \(expect\(dict \| None\)\)"),  # noqa: UP045
        (int | Literal["x"], r"a predicate$"),  # no class to name for the literal
        (_Named, r"a predicate"),
        (int | _Named, r"a predicate$"),
    ],
)
async def test_probe_expect_by_a_union_with_a_member_isinstance_refuses_says_what_to_pass(
    expected: Any, instead: str
) -> None:
    """`isinstance` refuses such a union only when it reaches that member, after the check
    took the message, or never when a member before it matched; a class it refuses (a
    Protocol not marked `runtime_checkable`) likewise, alone or in a union: each is refused
    up front, the message stays the next, and the error names what to pass instead."""
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("neither")
        with pytest.raises(TypeError, match=rf"isinstance\(\) does not take.*pass {instead}"):
            await probe.expect(expected)
        assert probe.pending == 1
        assert await probe.receive() == "neither"
