"""The hooks the runtime awaits, checked once per class at spawn, so that a mistake in one
fails where the class is first used, not at the first message (which a supervisor would meet
as a failure, and restart, and meet again): a hook that is no coroutine function, and one
that cannot take what the runtime passes it (`receive` the message, `on_start` and `on_stop`
nothing), which Python would refuse only in the call, as "takes 1 positional argument but 2
were given"."""

from __future__ import annotations

import functools
import inspect
import types

from ._shown import class_qualname

HOOKS = ("on_start", "receive", "on_stop")
"""What the runtime awaits on an instance."""

_PASSED = {"on_start": 0, "receive": 1, "on_stop": 0}
"""How many arguments the runtime passes each hook (`self` apart)."""

_WRITTEN = {"on_start": "(self)", "receive": "(self, message)", "on_stop": "(self)"}


_BOUND = (types.FunctionType, functools.partialmethod)
"""What a class binds to its instance, so that `self` is passed too; a staticmethod, a
classmethod or a callable object gets only what the runtime passes."""


def check_hook(cls: type, hook: str) -> None:
    method = getattr(cls, hook)
    held = inspect.getattr_static(cls, hook)
    if not _gives_a_coroutine(method, held):
        raise TypeError(_not_awaitable(cls, hook, method))
    passed = _PASSED[hook] + isinstance(held, _BOUND)
    try:  # what is called: a wrapper's own parameters, not those of what it wraps
        signature = inspect.signature(method, follow_wrapped=False)
    except (TypeError, ValueError):  # no signature to read (a builtin): let the call tell
        return
    try:
        signature.bind(*[None] * passed)
    except TypeError:
        written = f"`async def {hook}{_WRITTEN[hook]}`"
        what = "must take the message" if hook == "receive" else "takes no arguments"
        raise TypeError(
            f"{class_qualname(cls)}.{hook} {what}: write {written} (it is `{hook}{signature}`)"
        ) from None


def _gives_a_coroutine(method: object, held: object) -> bool:
    """Whether calling the hook gives a coroutine: an `async def` (under decorators that say
    what they wrap), a `partialmethod` of one (which `inspect` sees through on the class only
    from Python 3.13) or an object whose `__call__` is one (as `self.receive = ...` may be)."""
    if isinstance(held, functools.partialmethod):
        method = held.func
    return is_async(inspect.unwrap(method))  # type: ignore[arg-type]


_MARK = (
    "an `async def` wrapper, or one marked with inspect.markcoroutinefunction"
    if hasattr(inspect, "markcoroutinefunction")  # Python 3.12+
    else "an `async def` wrapper"
)


def _not_awaitable(cls: type, hook: str, method: object) -> str:
    written = f"`async def {hook}{_WRITTEN[hook]}`"
    if inspect.isasyncgenfunction(inspect.unwrap(method)):  # type: ignore[arg-type]
        instead = "return the reply instead, from " if hook == "receive" else "write "
        return (
            f"{class_qualname(cls)}.{hook} must be a coroutine function, got an async generator "
            f"(it yields): {instead}{written} without yield"
        )
    return (
        f"{class_qualname(cls)}.{hook} must be a coroutine function, got {method!r}: write "
        f"{written} (a decorator must return {_MARK})"
    )


def hidden(cls: type, base: type, name: str) -> str | None:
    """What to say of a mixin listed after the base whose placeholder it fills in (`class
    A(Actor, Mixin)`): Python finds `base`'s own `name` first and never reaches the mixin's.
    None when `cls` holds something else, or no class after `base` defines `name`."""
    if inspect.getattr_static(cls, name) is not vars(base)[name]:
        return None
    mro = cls.__mro__
    for later in mro[mro.index(base) + 1 :]:
        if name in vars(later):
            mixin, named, own = class_qualname(later), class_qualname(cls), base.__name__
            return (
                f"{mixin}.{name} comes after {own} in its bases, and Python never reaches it; "
                f"list the mixin first, class {named}({mixin}, {own})"
            )
    return None


def is_async(function: object) -> bool:
    """An `async def`, a partial of one, or an object whose `__call__` is one: given where
    the runtime calls a plain function and never awaits it (a pool's `hash_key`, a strategy's
    `decider`), it would get a coroutine instead of the answer."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        type(function).__call__
    )
