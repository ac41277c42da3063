"""A rolling deploy, asks and sends: an incompatible message is never delivered as a wrong value,
an ask or send fails at once with `IncompatibleMessage` naming the type and the field, as
does a reply of another version; an exception class the asker does not know arrives as
`RemoteError`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from actorkit.nats import IncompatibleMessage, RemoteError

from .nats_support import SAFETY, NatsServer, requires_nats
from .nats_systems_support import metric
from .nats_versions_support import two_versions
from .versions_messages import (
    LevelNew,
    OnlyNew,
    OptionalNew,
    RemovedNew,
    RenamedNew,
    RenamedOld,
    RequiredNew,
    RequiredOld,
    RetypedNew,
    RetypedOld,
    WidenedNew,
)

pytestmark = requires_nats


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


async def test_an_exception_the_asker_does_not_know_arrives_as_remote_error(
    server: NatsServer,
) -> None:
    async with two_versions(server) as versions:
        with pytest.raises(RemoteError) as failed:
            await versions.old.remote("new", "/k").ask("raise", timeout=SAFETY)
        assert failed.value.type_name.endswith("NewOnlyError")
        assert failed.value.message == "only the new version has this error"
