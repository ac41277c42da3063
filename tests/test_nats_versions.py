"""A rolling deploy: two systems run different versions of the same message classes
(`versions_messages`), one of them through `versions_support.another_version`. Compatible
changes are delivered; an incompatible message is never delivered as a wrong value: an ask
or send fails at once with `IncompatibleMessage` naming the type and the field, a tell or
publish is a dead letter `incompatible` on the receiving side, logged once per type."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorRef, ActorSystem
from actorkit.nats import IncompatibleMessage, RemoteError
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .nats_systems_support import metric
from .versions_messages import (
    NEW,
    AddedNew,
    AddedOld,
    LevelNew,
    LevelOld,
    OnlyNew,
    OptionalNew,
    OptionalOld,
    RemovedNew,
    RemovedOld,
    RenamedNew,
    RenamedOld,
    RequiredNew,
    RequiredOld,
    RetypedNew,
    RetypedOld,
    WidenedNew,
    WidenedOld,
)
from .versions_support import another_version

pytestmark = requires_nats


class NewOnlyError(Exception):
    """An exception class the asker's version does not have (nor could rebuild)."""


class Keeper(Actor):
    """Keeps what it gets and answers with it; "raise" raises a class of its own."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return list(self.got)
        if message == "raise":
            raise NewOnlyError("only the new version has this error")
        if message == "only-new":
            return OnlyNew(1)  # in the new version, which registers it
        self.got.append(message)
        return message


class Versions:
    """Two systems, `old` (the registered classes) and `new` (`NEW`), each exposing a
    Keeper `/k` and a pool of Keepers in the group `<name>-pool`."""

    def __init__(self, old: ActorSystem, new: ActorSystem) -> None:
        self.old = old
        self.new = new
        self.keepers: dict[str, ActorRef] = {}
        self.pools: dict[str, Any] = {}

    async def got(self, name: str) -> list[Any]:
        """What the Keeper and the pool's members of system `name` got, asked locally."""
        got: list[Any] = list(await self.keepers[name].ask("got"))
        pool = self.pools[name]
        for member in pool.members:
            got += await member.ask("got")
        return got


@asynccontextmanager
async def two_versions(server: NatsServer) -> AsyncIterator[Versions]:
    async with (
        asyncio.timeout(SAFETY * 2),
        ActorSystem("old", transport=transport(server)) as old,
        ActorSystem("new", transport=transport(server)) as new,
    ):
        another_version(new, NEW)
        versions = Versions(old, new)
        for system in (old, new):
            keeper = versions.keepers[system.name] = await system.spawn(Keeper, name="k")
            system.expose(keeper)
            pool = versions.pools[system.name] = await system.spawn_pool(Keeper, size=2)
            system.expose(pool, group=f"{system.name}-pool")
            await link_of(system).flush()
        yield versions


REFUSED: list[tuple[str, Callable[[], object], str, str | None]] = [
    # (the sender's version, the message, its wire name, the field the receiver refuses)
    ("old", lambda: RequiredOld(1), "rolling.Required", "b"),  # added without a default
    ("old", lambda: RenamedOld(1), "rolling.Renamed", "quantity"),
    ("old", lambda: RetypedOld(1), "rolling.Retyped", "n"),
    ("new", lambda: RemovedNew(1), "rolling.Removed", "b"),  # removed, required by old
    ("new", lambda: RenamedNew(1), "rolling.Renamed", "qty"),
    ("new", lambda: RetypedNew("1"), "rolling.Retyped", "n"),
    ("new", lambda: WidenedNew(1.5), "rolling.Widened", "n"),  # a float for an int
    ("new", lambda: WidenedNew(2.0), "rolling.Widened", "n"),  # even a whole one
    ("new", lambda: OptionalNew(None), "rolling.Optional", "n"),
    ("new", lambda: LevelNew("urgent"), "rolling.Level", "level"),  # a member old lacks
    ("new", lambda: OnlyNew(1), "rolling.OnlyNew", None),  # a name old never registered
]


def refused_text(error: BaseException, name: str, field: str | None) -> None:
    assert isinstance(error, IncompatibleMessage) and isinstance(error, TypeError)
    assert (error.type_name, error.field) == (name, field)
    text = str(error)
    assert name in text and "another version" in text, text
    if field is not None:
        assert f"`{field}`" in text, text


@pytest.mark.parametrize("how", ["ask", "send", "group ask", "group send"])
async def test_an_incompatible_ask_or_send_fails_at_once_naming_the_type_and_field(
    server: NatsServer, how: str
) -> None:
    """It was a plain TypeError (`bad 'rolling.Required': Object missing required field
    `b``), which neither said that the receiver runs another version nor could be told apart
    from the other TypeErrors of an ask."""
    async with two_versions(server) as versions:
        for sender, make, name, field in REFUSED:
            system = versions.old if sender == "old" else versions.new
            other = "new" if sender == "old" else "old"
            ref: Any = (
                system.remote_group(f"{other}-pool")
                if how.startswith("group")
                else system.remote(other, "/k")
            )
            with pytest.raises(IncompatibleMessage) as refused:
                if how.endswith("ask"):
                    await ref.ask(make(), timeout=SAFETY)
                else:
                    await ref.send(make())
            refused_text(refused.value, name, field)
            assert "was not handled" in str(refused.value)
        assert await versions.got("old") == []
        assert await versions.got("new") == []
        assert versions.new.dead_letters.by_reason == {"incompatible": 3}
        assert versions.old.dead_letters.by_reason == {"incompatible": 8}


async def test_a_reply_of_another_version_fails_the_ask_naming_the_type_and_field(
    server: NatsServer,
) -> None:
    """The handler ran: the error says so, since a retry would run it again."""
    async with two_versions(server) as versions:
        with pytest.raises(IncompatibleMessage) as refused:
            # old reads it as RequiredOld(1) (b dropped) and answers with that
            await versions.new.remote("old", "/k").ask(RequiredNew(1, 2), timeout=SAFETY)
        refused_text(refused.value, "rolling.Required", "b")
        assert "was handled" in str(refused.value)
        assert await versions.got("old") == [RequiredOld(1)]
        assert versions.new.dead_letters.by_reason == {"incompatible": 1}
        with pytest.raises(IncompatibleMessage) as unknown:
            await versions.old.remote("new", "/k").ask("only-new", timeout=SAFETY)
        refused_text(unknown.value, "rolling.OnlyNew", None)
        assert "was handled" in str(unknown.value)
        (letter,) = versions.old.dead_letters.recent
        assert (letter.reason, letter.recipient) == ("incompatible", "new:/k")
        assert (
            await metric(versions.new, 'actorkit_nats_rejected_total{reason="incompatible"}') == 1
        )


async def test_refused_tells_and_publishes_are_dead_letters_logged_once_per_type(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Each was logged as a WARNING (`new rejected a payload on actorkit.actor.new: bad
    'rolling.Required': ...`): one per message, a flood for the length of a deploy. Its dead
    letter was a `bad_payload` for the subject, not the actor."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    async with two_versions(server) as versions:
        old, new = versions.old, versions.new
        letters = await Probe.spawn(new)
        new.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        listener = await new.spawn(Keeper)
        new.subscribe(listener, "events")
        await link_of(new).flush()
        k = old.remote("new", "/k")
        for i in range(3):  # no await: one batch, the refused frames among the others
            k.tell(AddedOld(i))
            k.tell(RequiredOld(i))
            k.tell(RetypedOld(i))
            old.publish("events", AddedOld(i))
            old.publish("events", RequiredOld(i))
        old.remote_group("new-pool").tell(RequiredOld(9))
        seen = [await letters.receive(SAFETY) for _ in range(10)]
        assert {letter.reason for letter in seen} == {"incompatible"}
        assert Counter(letter.recipient for letter in seen) == {
            "/k": 6,
            "topic events": 3,
            "group new-pool": 1,
        }
        assert await versions.keepers["new"].ask("got") == [AddedNew(i) for i in range(3)]
        assert await listener.ask("got") == [AddedNew(i) for i in range(3)]
        assert new.dead_letters.by_reason == {"incompatible": 10}
        assert await metric(new, 'actorkit_nats_rejected_total{reason="incompatible"}') == 10
        assert await metric(new, 'actorkit_dead_letters_total{reason="incompatible"}') == 10
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and "rolling." in record.getMessage()
    ]
    assert len(warnings) == 2, warnings  # one per type, not one per message
    required = next(text for text in warnings if "rolling.Required" in text)
    assert "`b`" in required and "another version" in required, required
    retyped = next(text for text in warnings if "rolling.Retyped" in text)
    assert "`n`" in retyped, retyped


async def test_compatible_changes_are_delivered(server: NatsServer) -> None:
    async with two_versions(server) as versions:
        old, new = versions.old, versions.new
        to_new, to_old = old.remote("new", "/k"), new.remote("old", "/k")
        # added with a default, removed, widened, a member both know: each way
        assert await to_new.ask(AddedOld(1), timeout=SAFETY) == AddedOld(1)  # and back
        to_new.tell(RemovedOld(1, 2))
        await to_new.send(WidenedOld(2))
        old.publish("nowhere", LevelOld("high"))
        to_new.tell(OptionalOld(3))  # in order with the ask after it
        assert await to_new.ask(LevelOld("high"), timeout=SAFETY) == LevelOld("high")
        got = await versions.got("new")
        assert got == [
            AddedNew(1, 7),
            RemovedNew(1),
            WidenedNew(2.0),
            OptionalNew(3),
            LevelNew("high"),
        ]
        assert type(got[2].n) is float
        assert await to_old.ask(AddedNew(1, 9), timeout=SAFETY) == AddedNew(1, 7)
        to_old.tell(RequiredNew(1, 2))
        to_old.tell(OptionalNew(4))
        await to_old.send(LevelNew("low"))
        assert await versions.got("old") == [
            AddedOld(1),
            RequiredOld(1),
            OptionalOld(4),
            LevelOld("low"),
        ]
        assert old.dead_letters.count == new.dead_letters.count == 0


async def test_an_exception_the_asker_does_not_know_arrives_as_remote_error(
    server: NatsServer,
) -> None:
    async with two_versions(server) as versions:
        with pytest.raises(RemoteError) as failed:
            await versions.old.remote("new", "/k").ask("raise", timeout=SAFETY)
        assert failed.value.type_name.endswith("NewOnlyError")
        assert failed.value.message == "only the new version has this error"


async def test_a_refused_publish_on_a_topic_nobody_here_wants_is_no_dead_letter_here(
    server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Every system gets every publish: each system of the other version recorded and
    logged one that none of its actors would have got (a compatible one is no dead letter
    there either)."""
    caplog.set_level(logging.WARNING, logger="actorkit")
    async with two_versions(server) as versions:
        old, new = versions.old, versions.new
        letters = await Probe.spawn(new)
        new.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        events = await Probe.spawn(new)
        new.subscribe(events.ref, "events")
        await link_of(new).flush()
        old.publish("quiet.orders", RequiredOld(1))  # no actor of new subscribes to it
        old.publish("events", RequiredOld(2))
        old.publish("events", AddedOld(3))  # one connection: handled after the others
        await events.expect(AddedNew(3), SAFETY)
        letter = await letters.receive(SAFETY)
        assert (letter.recipient, letter.reason) == ("topic events", "incompatible")
        letters.expect_empty()
        assert new.dead_letters.by_reason == {"incompatible": 1}
    warned = [record.getMessage() for record in caplog.records if "rolling." in record.getMessage()]
    assert len(warned) == 1 and "topic events" in warned[0], warned


def test_the_warnings_are_bounded_by_the_number_of_types(caplog: pytest.LogCaptureFixture) -> None:
    """The names come off the wire: a sender making up one per message gets `SAID_LIMIT`
    warnings, then DEBUG lines, each still a dead letter."""
    from actorkit._nats._refusals import SAID_LIMIT, Refusals
    from actorkit._wire import Incompatible

    rejected: list[str] = []

    class Core:
        system_name = "here"

        def reject(self, reason: str, message: object, recipient: str) -> None:
            rejected.append(reason)

    caplog.set_level(logging.DEBUG, logger="actorkit")
    refusals = Refusals(Core())  # type: ignore[arg-type]
    for i in [0, 0, *range(SAID_LIMIT + 5)]:
        refusals.payload(b"x", "/k", Incompatible(f"made.Up{i}", None))
    levels = Counter(record.levelname for record in caplog.records)
    assert levels == {"WARNING": SAID_LIMIT, "DEBUG": 7}
    assert rejected == ["incompatible"] * (SAID_LIMIT + 7)
