"""Bad input to `spawn`, `spawn_pool`, `ChildSpec` and an actor made without `spawn`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    NameTaken,
    OneForAll,
    OneForOne,
    Supervisor,
)

from .bad_input_support import Case, Plain, after_shutdown, each, not_started, raises_as_documented


class Misspelt(Actor):
    async def recieve(self, message: Any) -> Any:
        return message


class SyncReceive(Actor):
    def receive(self, message: Any) -> Any:
        return message


class ClassAsStrategy(Plain):
    supervisor_strategy = OneForOne  # type: ignore[assignment]  # the slip: no instance


CASES = [
    # spawn
    Case("spawn: not an actor (int)", lambda e: e.system.spawn(42), TypeError, "Actor subclass"),  # type: ignore[arg-type]
    Case("spawn: not an actor (class)", lambda e: e.system.spawn(str), TypeError, "derive it"),  # type: ignore[arg-type]
    Case(
        "spawn: factory returns a non-Actor",
        lambda e: e.system.spawn(lambda: "x"),  # type: ignore[arg-type, return-value]
        TypeError,
        "pass an Actor subclass or a callable that returns an Actor",
    ),
    Case(
        "spawn: a hook that is not async def",
        lambda e: e.system.spawn(SyncReceive),
        TypeError,
        "write `async def receive",
    ),
    Case(
        "spawn: a class with methods but no receive",
        lambda e: e.system.spawn(Misspelt),
        TypeError,
        "Misspelt defines no receive \\(it defines recieve\\).*define `async def receive",
    ),
    Case(
        "spawn: a class attribute supervisor_strategy that is no strategy",
        lambda e: e.system.spawn(ClassAsStrategy),
        TypeError,
        "ClassAsStrategy.supervisor_strategy must be a strategy.*got the class OneForOne: "
        "write OneForOne\\(\\)",
    ),
    Case(
        "Supervisor: a strategy class where an instance belongs",
        lambda e: Supervisor([], strategy=OneForAll),  # type: ignore[arg-type]
        TypeError,
        "got the class OneForAll: write OneForAll\\(\\)",
    ),
    Case(
        "spawn: arguments for a class without __init__",
        lambda e: e.system.spawn(Plain, 1, size=2),
        TypeError,
        "Plain takes no arguments \\(it defines no __init__\\), got 1, size=2: define __init__",
    ),
    Case(
        "spawn_pool: arguments for a class without __init__",
        lambda e: e.system.spawn_pool(Plain, 1),
        TypeError,
        "Plain takes no arguments",
    ),
    Case(
        "ChildSpec: arguments for a class without __init__",
        lambda e: ChildSpec(Plain, "x"),
        TypeError,
        "Plain takes no arguments",
    ),
    Case(
        "Actor: an instance made without spawn",
        lambda e: Plain().ref,
        AttributeError,
        "this Plain was not spawned, .*`await system.spawn\\(Plain\\)`",
    ),
    Case(
        "Actor: timers of an instance made without spawn",
        lambda e: Plain().timers.start_once("k", "x", 1.0),
        AttributeError,
        "this Plain was not spawned",
    ),
    Case("spawn: empty name", lambda e: e.system.spawn(Plain, name=""), ValueError, "name=None"),
    Case(
        "spawn: name with a control character",
        lambda e: e.system.spawn(Plain, name="a\nb"),
        ValueError,
        "printable characters",
    ),
    Case("spawn: name with /", lambda e: e.system.spawn(Plain, name="a/b"), ValueError, "'/'"),
    Case("spawn: name with $", lambda e: e.system.spawn(Plain, name="$x"), ValueError, "'\\$'"),
    Case("spawn: name ..", lambda e: e.system.spawn(Plain, name=".."), ValueError, "'\\.\\.'"),
    Case("spawn: name .", lambda e: e.system.spawn(Plain, name="."), ValueError, "'.', '..' or"),
    Case("spawn: blank name", lambda e: e.system.spawn(Plain, name="  "), ValueError, "blank"),
    Case(
        "spawn: name not str",
        lambda e: e.system.spawn(Plain, name=1),  # type: ignore[arg-type]
        TypeError,
        "must be a str",
    ),
    Case(
        "spawn: name taken",
        lambda e: e.system.spawn(Plain, name="live"),
        NameTaken,
        "choose another name or stop it first",
    ),
    Case(
        "spawn: mailbox_size < 1",
        lambda e: e.system.spawn(Plain, mailbox_size=0),
        ValueError,
        "must be >= 1 \\(or None for unbounded\\)",
    ),
    Case(
        "spawn: mailbox_size not int",
        lambda e: e.system.spawn(Plain, mailbox_size=1.5),  # type: ignore[arg-type]
        TypeError,
        "must be an int or None",
    ),
    Case(
        "spawn: bad restart",
        lambda e: e.system.spawn(Plain, restart="sometimes"),
        ValueError,
        "must be one of \\['permanent', 'temporary', 'transient'\\]",
    ),
    Case(
        "spawn: capabilities a bare str",
        lambda e: e.system.spawn(Plain, capabilities="gpu"),
        TypeError,
        "iterable of strings such as",
    ),
    Case(
        "spawn: capability not a str",
        lambda e: e.system.spawn(Plain, capabilities=["gpu", 3]),  # type: ignore[list-item]
        TypeError,
        "each capability in capabilities must be a non-empty str, got 3",
    ),
    Case(
        "spawn: capability an empty str",
        lambda e: e.system.spawn(Plain, capabilities=[""]),
        ValueError,
        "each capability in capabilities must be a non-empty str, got ''",
    ),
    Case(
        "spawn: before start",
        not_started(lambda s: s.spawn(Plain)),
        RuntimeError,
        "use `async with ActorSystem\\(\\)`",
    ),
    Case(
        "spawn: after shutdown",
        lambda e: after_shutdown(lambda s: s.spawn(Plain)),
        ActorStopped,
        "shut down",
    ),
    # pools
    Case("spawn_pool: size 0", lambda e: e.system.spawn_pool(Plain, size=0), ValueError, ">= 1"),
    Case(
        "spawn_pool: size not an int",
        lambda e: e.system.spawn_pool(Plain, size="3"),  # type: ignore[arg-type]
        TypeError,
        "pool size must be an int >= 1, got str",
    ),
    Case(
        "spawn_pool: supervisor not a strategy",
        lambda e: e.system.spawn_pool(Plain, supervisor="one_for_one"),  # type: ignore[arg-type]
        TypeError,
        "supervisor \\(the members' strategy\\) must be a strategy",
    ),
    Case(
        "spawn_pool: size past the bound",
        lambda e: e.system.spawn_pool(Plain, size=10**9),
        ValueError,
        "use several pools",
    ),
    Case(
        "spawn_pool: size one past the bound",
        lambda e: e.system.spawn_pool(Plain, size=100_001),
        ValueError,
        "must be at most 100000",
    ),
    Case(
        "spawn_pool: unknown routing",
        lambda e: e.system.spawn_pool(Plain, routing="fastest"),
        ValueError,
        "routing must be one of",
    ),
    Case(
        "spawn_pool: consistent_hash without hash_key",
        lambda e: e.system.spawn_pool(Plain, routing="consistent_hash"),
        ValueError,
        "hash_key=lambda msg: msg.user_id",
    ),
    Case(
        "spawn_pool: consistent_hash with a hash_key that is no function",
        lambda e: e.system.spawn_pool(Plain, routing="consistent_hash", hash_key="user_id"),  # type: ignore[arg-type]
        ValueError,
        "needs hash_key=, a function from message to key",
    ),
    Case(
        "spawn_pool: hash_key with another routing",
        lambda e: e.system.spawn_pool(Plain, hash_key=hash),
        ValueError,
        "only used with routing='consistent_hash'",
    ),
    Case(
        "spawn_pool: not an actor",
        lambda e: e.system.spawn_pool(42),  # type: ignore[arg-type]
        TypeError,
        "Actor subclass",
    ),
    Case(  # checked before anything starts: the factory is the mistake, not the taken name
        "spawn_pool: not an actor, under a taken name",
        lambda e: e.system.spawn_pool(42, name="live"),  # type: ignore[arg-type]
        TypeError,
        "Actor subclass",
    ),
    Case(
        "spawn_pool: arguments for a class without __init__, under a taken name",
        lambda e: e.system.spawn_pool(Plain, 1, name="live"),
        TypeError,
        "Plain takes no arguments",
    ),
]


@each(CASES)
async def test_bad_input_raises_the_documented_error_saying_what_to_change(case: Case) -> None:
    await raises_as_documented(case)


class Typo(Actor):
    @property
    def balance(self) -> int:
        return self.acount  # type: ignore[attr-defined, no-any-return]

    async def receive(self, message: Any) -> Any:
        return self.balance


async def test_an_actor_s_own_attribute_error_keeps_its_message() -> None:
    """The message for an actor made without `spawn` must not hide a user's own mistake: the
    error raised inside a property is the one the user sees, spawned or not."""
    async with asyncio.timeout(10):
        async with ActorSystem() as system:
            ref = await system.spawn(Typo)
            with pytest.raises(AttributeError, match="'Typo' object has no attribute 'acount'"):
                await ref.ask("balance")
        with pytest.raises(AttributeError, match="'Typo' object has no attribute 'acount'"):
            Typo().balance  # noqa: B018


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((42,), {}), (("counter", "other"), {}), (("counter",), {"size": 1})],
    ids=["not a str", "two strs", "a str and a keyword"],
)
async def test_only_a_lone_str_given_to_a_class_without_init_is_taken_for_a_name(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """The hint `name=` is for `spawn(A, "counter")` alone: other arguments are no name."""
    async with ActorSystem("hint") as system:
        with pytest.raises(TypeError, match=r"or drop them from spawn$"):
            await system.spawn(Plain, *args, **kwargs)
