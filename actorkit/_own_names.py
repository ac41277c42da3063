"""An actor class's own names against those of actorkit's bases, checked once per class at
spawn (`check_class`) and on its first instance (`check_instance`), never on a message path.

Python lets a subclass's attribute hide its base's without a word. Where the runtime reads
the base's, that breaks the actor far from the mistake, as `self._stop` in a subclass of
`threading.Thread` breaks `join`: a hook assigned on the instance is called or skipped
depending on whether the class has one (a durable actor's instance `on_start` skips its
recovery), a runtime method hidden by data (a dataclass field `stop`) fails only where the
actor calls it, and a name actorkit's bases keep for themselves (`self._journal = []` in an
event-sourced actor) fails recovery with an error about something else. A method overriding a
method is Python's, and allowed; `receive` may be assigned on an instance (api.md §1)."""

from __future__ import annotations

import inspect
import logging
import types
from collections.abc import Iterable
from typing import Any

from ._actor import RUNTIME_OWN, Actor
from ._provided import DESCRIBED
from ._shown import class_qualname

logger = logging.getLogger("actorkit")

_HOOKS = ("on_start", "on_stop")
"""The hooks the runtime learns from the class (whether to await one at all)."""


def check_class(cls: type[Actor]) -> None:
    """Refuse a class attribute of the user's classes that hides one of actorkit's bases:
    a read-only property the runtime provides (`name = "worker"`), a method hidden by data
    (a field `stop: bool = False`), or a private method the runtime calls (`_load`)."""
    mro = cls.__mro__
    ours = _actorkit_bases(cls)
    names = dict.fromkeys(name for mine in mro if mine not in ours for name in vars(mine))
    _check_subclassed(cls, ours)
    for name, owner in _hiding(names, ours):
        holder = next(c for c in mro if name in vars(c))
        if holder in ours:
            continue  # actorkit's own, or set by one of its bases (a durable `on_start`)
        where = f"{class_qualname(holder)}.{name}"
        if name in DESCRIBED:
            raise TypeError(
                f"{where} hides the actor's {DESCRIBED[name]}, provided by the runtime: keep "
                "yours under another attribute name"
            )
        if not inspect.isfunction(vars(owner)[name]):
            continue  # an option (`capabilities`, `snapshot_every`) or a ref's call (`tell`)
        if _private(name):
            raise _replaces(cls, where, owner, name)
        if _data(vars(holder)[name]):
            raise _hides(cls, where, owner, name)


def _check_subclassed(cls: type[Actor], ours: list[type]) -> None:
    """Refuse a class that one of actorkit's bases did not get to set up: a base with an
    `__init_subclass__` of its own (a durable one, which wires recovery into `on_start`)
    marks each subclass (`_subclassed`), which a user's `__init_subclass__` without
    `super()` keeps it from doing. Python runs such a class without a word, and the
    actor would start without its state."""
    setting_up = any("__init_subclass__" in vars(base) for base in ours)
    if not setting_up or vars(cls).get("_subclassed") is cls:
        return
    skipping = next(
        (c for c in cls.__mro__ if c not in ours and "__init_subclass__" in vars(c)), cls
    )
    raise TypeError(
        f"{class_qualname(cls)} was not set up by its base {ours[0].__name__}, whose "
        "__init_subclass__ wires a durable actor's recovery into its on_start: "
        f"{class_qualname(skipping)}.__init_subclass__ must call "
        "super().__init_subclass__(**kwargs)"
    )


def check_instance(actor: Actor) -> None:
    """Refuse what `__init__` set on the first instance over a method or a hook of actorkit's
    bases, or over a name they keep: only `receive` may be assigned (to change behaviour).
    What the runtime set on the instance itself (`RUNTIME_OWN`) must still be what it set:
    its context, whose instance it is, and a durable actor's link to its store, which
    refers back to that context. Read by attribute, never through the instance's
    `__dict__`: reading that makes CPython keep the attributes in a dict of their own, and
    every attribute the actor's handlers read or write then costs twice as much (a tell
    to such an actor, 16% more)."""
    cls = type(actor)
    cell = _read(actor, "_cell")  # a slot's, if the class made `_cell` one
    if getattr(cell, "instance", None) is not actor:
        raise _replaces(cls, "self._cell", Actor, "_cell")
    durable = _read(actor, "_durable")
    if durable is not None and getattr(durable, "cell", None) is not cell:
        raise _replaces(cls, "self._durable", Actor, "_durable")
    ours = _actorkit_bases(cls)
    for name, owner in _hiding(dict.fromkeys(n for base in ours for n in vars(base)), ours):
        if not _set_on(actor, name):
            continue
        where = f"self.{name}"
        if name in _HOOKS:
            raise TypeError(
                f"{class_qualname(cls)} sets {where} on its instance, which the runtime does not "
                f"read as a hook: define `async def {name}(self)` on the class (only receive "
                "may be assigned on an instance, to change how it handles messages)"
            )
        if _private(name):
            raise _replaces(cls, where, owner, name)
        if inspect.isfunction(vars(owner)[name]):
            raise _hides(cls, where, owner, name)


def class_hook(actor: Actor, name: str, path: str) -> Any:
    """The class's hook `name`, bound to `actor`, where the runtime reads it after the
    checks at spawn (`on_stop`, as the actor stops): one that a handler assigned on the
    instance is not the hook, as Python reads `__len__` from the class, so it is passed
    over and logged, saying what to change. Called only when the hook read is not the
    class's own function bound to the actor; that test, once a stop, costs an actor with an
    `on_stop` a bound method (about 0.5% of its spawn and stop), and no message anything."""
    if not _set_on(actor, name):
        return getattr(actor, name)  # the class's, of another kind (a callable object...)
    logger.error(
        "%s (%s) set self.%s on its instance, which the runtime does not read as a hook: "
        "its class's %s runs instead; define `async def %s(self)` on the class (only "
        "receive may be assigned on an instance, to change how it handles messages)",
        path,
        class_qualname(type(actor)),
        name,
        name,
        name,
    )
    kept = inspect.getattr_static(type(actor), name)
    bind = getattr(type(kept), "__get__", None)
    return kept if bind is None else bind(kept, actor, type(actor))


def _set_on(actor: Actor, name: str) -> bool:
    """Whether `actor` holds a value of its own under `name`, which its class also has: read
    is not the class's (a method bound to it, or its plain value). A data descriptor (a
    property) keeps the instance from holding one; another kind is passed over."""
    kept = inspect.getattr_static(type(actor), name)
    if inspect.isfunction(kept):
        got = _read(actor, name)
        return not (
            isinstance(got, types.MethodType) and got.__func__ is kept and got.__self__ is actor
        )
    if hasattr(type(kept), "__get__"):
        return False
    return _read(actor, name, kept) is not kept


def _read(actor: Actor, name: str, default: object = None) -> Any:
    """`getattr` without the class's own `__getattr__` (a proxy's may raise anything)."""
    try:
        return object.__getattribute__(actor, name)
    except AttributeError:
        return default


def _actorkit_bases(cls: type[Actor]) -> list[type]:
    return [
        base
        for base in cls.__mro__
        if issubclass(base, Actor) and base.__module__.partition(".")[0] == "actorkit"
    ]


def _hiding(names: Iterable[str], ours: list[type]) -> list[tuple[str, type]]:
    """The names among `names` that one of actorkit's actor bases `ours` defines too, each
    with the first of them that does; but `receive`, which an instance may assign, and what
    the runtime sets on an instance itself."""
    found = []
    for name in names:
        if name.startswith("__") or name == "receive" or name in RUNTIME_OWN:
            continue
        owner = next((base for base in ours if name in vars(base)), None)
        if owner is not None:
            found.append((name, owner))
    return found


def _private(name: str) -> bool:
    return name.startswith("_")


def _data(value: object) -> bool:
    """A value, or a slot's descriptor (a field of a slotted dataclass or attrs class), not
    something that reads as a method (a function, a staticmethod, a classmethod, a property,
    a callable object)."""
    if isinstance(value, types.MemberDescriptorType):
        return True
    return not callable(value) and not hasattr(type(value), "__get__")


def _hides(cls: type, where: str, owner: type, name: str) -> TypeError:
    return TypeError(
        f"{class_qualname(cls)}: {where} hides {owner.__name__}.{name}(), provided by the runtime: "
        "keep yours under another attribute name"
    )


def _replaces(cls: type, where: str, owner: type, name: str) -> TypeError:
    return TypeError(
        f"{class_qualname(cls)}: {where} replaces {owner.__name__}.{name}, which actorkit uses "
        "itself: rename yours"
    )
