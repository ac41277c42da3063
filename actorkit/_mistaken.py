"""What a wrong argument most likely was meant to be, for the refusals of a value given where
a ref, a factory or a path belongs. The usual mistakes hand over something near the right
thing: the actor instance (`self`) for its ref, a `spawn(...)` whose `await` was forgotten, a
test probe for its `.ref`, an instance for its class, a ref for its path. Python's own words
for them ("got A", "'coroutine' object has no attribute 'tell'") name the wrong thing without
saying what to write instead.

Called only once a refusal is certain, never on a message path: the checks cost nothing to a
call that passes.
"""

from __future__ import annotations

import functools
import inspect
import reprlib
from typing import Any

from ._protocols import Ref
from ._shown import class_qualname, given, named, qualname
from ._unspawned import Unspawned

ACTOR_CLASS: list[type] = []
"""`Actor`, put here by `_actor` as it defines it: this leaf, which the kernel's modules call,
cannot import it."""


def wrong_ref(value: object) -> str:
    """The tail of a refusal of `value` where an `ActorRef` belongs: `got <type> <repr>`, and
    what to pass instead when `value` is a usual stand-in for a ref."""
    return f"got {type(value).__name__} {given(value)}{_meant_ref(value)}"


def not_a_local_ref(call: str, value: object, elsewhere: str = "") -> TypeError:
    """The refusal of `value` by a `call` that needs a local actor's ref (`watch`,
    `subscribe`, `expose`, the testing views), worded alike by each; `elsewhere` says where a
    remote actor is reached instead."""
    return TypeError(
        f"{call} needs the ActorRef of a local actor (such as one returned by spawn), "
        f"{wrong_ref(value)}{elsewhere}"
    )


def wrong_factory(value: object) -> str:
    """The tail of a refusal of `value` where a factory (an `Actor` class or a callable
    returning a new instance) belongs, as `wrong_ref` for refs."""
    if _an_actor(value):
        name = class_qualname(type(value))
        return (
            f"got {given(value)}: an actor instance, not a factory: pass its class "
            f"(spawn({name}, ...)), whose instances the runtime makes, a new one at each "
            "restart"
        )
    return f"got {type(value).__name__} {given(value)}"


def not_an_actor(factory: object, made: object) -> TypeError:
    """The refusal of what a factory returned instead of an actor. A coroutine (an async
    factory's) is closed: left to the collector, it would warn that it was never awaited."""
    if inspect.iscoroutine(made):
        made.close()
        return async_factory(factory)
    return TypeError(
        f"factory {given(factory)} returned {type(made).__name__}, not an Actor; "
        "pass an Actor subclass or a callable that returns an Actor instance"
    )


def async_factory(factory: object) -> TypeError:
    """The refusal of a factory whose call makes a coroutine: `ChildSpec` sees an `async def`
    where it is written, `spawn` any other once the call has made one, in the same words."""
    made_by = factory.func if isinstance(factory, functools.partial) else factory
    called = qualname(made_by) or f"{class_qualname(type(made_by))}.__call__"
    if inspect.iscoroutinefunction(made_by) or inspect.iscoroutinefunction(type(made_by).__call__):
        what, change = "is an async function", "make it a plain function (`def`)"
    else:  # a plain function that hands back a coroutine it made or was given
        what, change = "returned a coroutine", "make it return an Actor instance"
    return TypeError(
        f"factory {given(factory)} makes a coroutine, not an Actor: {called} {what}, and the "
        f"runtime calls a factory without awaiting it; {change}, or pass the Actor subclass "
        "itself (work to await belongs in `on_start`)"
    )


def name_hint(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """A lone str given to an actor class that takes no arguments is most often the actor's
    name, given as other libraries take it."""
    if len(args) == 1 and not kwargs and isinstance(args[0], str):
        return f" (to name the actor, pass name={reprlib.repr(args[0])})"
    return ""


def size_hint(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """A lone int given to `spawn_pool` for a factory that takes no arguments is the pool's
    size, given positionally."""
    if len(args) == 1 and not kwargs and type(args[0]) is int:
        return f" (to size the pool, pass size={args[0]})"
    return ""


def wrong_path(value: object) -> str:
    """The tail of a refusal of `value` where an actor path belongs (`lookup`, `system.ask`):
    its type, and for a ref, that the ref is what a path would be looked up for."""
    if isinstance(value, Ref):
        return (
            f"got {type(value).__name__}: a ref needs no path, use it directly "
            "(await ref.ask(message), ref.tell(message))"
        )
    return f"got {type(value).__name__}"


class RefOnly:
    """`tell`, `send` or `ask` read on an actor instance, as Akka code writes `self.tell(...)`
    (there `self` is the ref): they are its ref's, and the refusal says what to write rather
    than Python's bare "has no attribute". Set on `Actor` for those names alone, so no other
    attribute read pays for it, as each would for an `Actor.__getattr__` (which also keeps
    Python from specializing them). A data descriptor, so that an actor's own attribute of that
    name, set on the instance, stays its state (a snapshot keeps it: `_attributes._cached`),
    while a subclass's own method of that name overrides it as any method does."""

    __slots__ = ("call",)

    def __init__(self, call: str) -> None:
        self.call = call

    def __get__(self, actor: object, owner: type | None = None) -> Any:
        if actor is None:  # read on the class: a dataclass would take it for a field's default
            raise AttributeError(self.call, name=self.call, obj=owner)
        own = actor.__dict__
        if self.call in own:
            return own[self.call]
        raise AttributeError(_ref_only(actor, self.call), name=self.call, obj=actor)

    def __set__(self, actor: object, value: object) -> None:
        actor.__dict__[self.call] = value

    def __delete__(self, actor: object) -> None:
        if actor.__dict__.pop(self.call, RefOnly) is RefOnly:
            raise AttributeError(self.call, name=self.call, obj=actor)


def _ref_only(actor: object, call: str) -> str:
    cls = type(actor)
    said = f"'{cls.__name__}' object has no attribute '{call}': tell, send and ask are a ref's"
    if type(vars(actor).get("_cell")) is Unspawned:
        name = class_qualname(cls)
        return (
            f"{said}, and this {name} was not spawned: ref = await system.spawn({name}), "
            f"then ref.{call}(...)"
        )
    said = f"{said}: write self.ref.{call}(...) inside the actor, or use the ref spawn returned"
    if call == "ask":
        said += (
            " (an actor asking itself from its own handler waits out the timeout: it handles "
            "one message at a time)"
        )
    return said


def _an_actor(value: object) -> bool:
    return isinstance(value, tuple(ACTOR_CLASS))


def _meant_ref(value: object) -> str:
    if _an_actor(value):
        return (
            ": an actor instance, not its ref: pass self.ref inside the actor, or the ref "
            "spawn returned"
        )
    if inspect.iscoroutine(value):
        made_by = named(value)
        return f": a coroutine of {made_by}, not a ref: await it (ref = await system.spawn(...))"
    if type(value) is str and value.startswith("/"):
        return f": a path, not a ref: pass system.lookup({reprlib.repr(value)})"
    if isinstance(getattr(type(value), "ref", None), property):  # a test Probe, a wrapper
        what = type(value).__name__
        return f": a {what}, not a ref: pass {what.lower()}.ref"
    return ""


def returned_by_hook(returned: object, hook: str, path: str) -> None:
    """Refuse a coroutine that `on_start` or `on_stop` returned (`return self.spawn(...)`):
    its work never ran, and the hook would look done. Closed here, so Python has no "never
    awaited" warning left to give, later and elsewhere. Anything else a hook returns is
    ignored, as Python ignores what `__init__` may not return."""
    if not inspect.iscoroutine(returned):
        return
    made_by = named(returned)
    returned.close()
    example = "ref = await self.spawn(...)" if made_by.endswith(".spawn") else "await ..."
    raise TypeError(
        f"{hook} of {path} returned a coroutine of {made_by} instead of awaiting it, so it "
        f"never ran: a missing `await` (write `{example}` in the hook)"
    )
