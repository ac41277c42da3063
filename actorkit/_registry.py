"""`actorkit.message`: the allow-list of classes that may cross a process boundary.

A transport rebuilds an object from a name it reads off the wire, so the name must map to a
class the receiving program chose to accept: a registry keyed by name, filled only by this
decorator, is that allow-list. Nothing here imports a codec, so registering costs nothing
for programs that never use a transport.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any, TypeVar, overload

from ._exact import exact_str
from ._shown import class_qualname, given

T = TypeVar("T", bound=type)

_by_name: dict[str, type] = {}
_by_class: dict[type, str] = {}
plans: dict[type, Any] = {}
"""What the codec learned of each registered class (`_wire._plan`), kept here so that a class
replaced by a new definition leaves with its plan: a program that defines its classes again
as it runs (a reloaded module, a class made in a function) would keep every old one."""


@overload
def message(cls: T, /, *, name: str | None = None) -> T: ...


@overload
def message(target: str | None = None, /, *, name: str | None = None) -> Callable[[T], T]: ...


def message(target: Any = None, /, *, name: str | None = None) -> Any:
    """Register a dataclass or attrs class as a message type that may cross the wire.

    `@actorkit.message` registers it under its qualified class name (`Outer.Inner`, without
    the module, so a class defined in a script run as `__main__` keeps its name);
    `@actorkit.message("orders.Created")` (or `name=`) picks the name explicitly, which keeps
    the wire format stable when the class is renamed or moved. Register the class in every process
    that sends or receives it. Put the decorator above `@dataclass` / `@attrs.define`.
    """
    if isinstance(target, type):
        return _register(target, class_qualname(target) if name is None else _check_name(name))
    if name is not None:
        if target is not None:
            raise TypeError("give the message type name once, positionally or as name=")
        target = name
    if target is not None:
        target = _check_name(target)

    def decorate(cls: T) -> T:
        if not isinstance(cls, type):
            raise TypeError(f"@actorkit.message decorates classes, got {cls!r}")
        return _register(cls, target or class_qualname(cls))

    return decorate


def _check_name(name: object) -> str:
    """A name given in either form, with the class or to the decorator, is checked alike."""
    if not isinstance(name, str):
        raise TypeError(
            "use @actorkit.message or @actorkit.message('name'), "
            f"got actorkit.message({given(name)})"
        )
    if not name:
        raise ValueError("a message type name must be a non-empty str")
    return exact_str(name)  # the registry's key and every frame's text: not a subclass's


def is_attrs_class(cls: object) -> bool:
    """Without importing attrs: a class can only be an attrs class once attrs is loaded."""
    attr = sys.modules.get("attr")
    return attr is not None and isinstance(cls, type) and bool(attr.has(cls))


def _register(cls: T, name: str) -> T:
    try:
        name.encode()
    except UnicodeEncodeError:
        # Every frame carries the name as UTF-8: refused once here, not at each send.
        raise ValueError(
            f"message type name {name!r} holds a lone surrogate, which UTF-8 cannot encode; "
            f"give it a name of text UTF-8 can encode, such as @actorkit.message('orders.Created')"
        ) from None
    if not (dataclasses.is_dataclass(cls) or is_attrs_class(cls)):
        raise TypeError(
            f"@actorkit.message registers dataclasses and attrs classes; {class_qualname(cls)} is "
            "neither (put @actorkit.message above @dataclass or @attrs.define)"
        )
    if dataclasses.is_dataclass(cls) and _init_vars(cls):
        raise TypeError(
            f"@actorkit.message cannot register {class_qualname(cls)}: its InitVar fields "
            f"({', '.join(_init_vars(cls))}) would not cross, since a receiver rebuilds a message "
            "from its fields without calling __init__; make them fields, or compute them in "
            "__post_init__ from fields"
        )
    taken = _by_name.get(name)
    if taken is not None and taken is not cls:
        if (taken.__module__, class_qualname(taken)) != (cls.__module__, class_qualname(cls)):
            raise ValueError(
                f"message type name {name!r} is already registered for "
                f"{taken.__module__}.{class_qualname(taken)}; give this class its own name with "
                f"@actorkit.message('some.unique.Name')"
            )
        # The same class defined again (a reloaded module): the newest definition wins.
        del _by_class[taken]
        plans.pop(taken, None)
    old = _by_class.get(cls)
    if old is not None and old != name:
        raise ValueError(
            f"{class_qualname(cls)} is already registered as {old!r}; a class has one wire name"
        )
    _by_name[name] = cls
    _by_class[cls] = name
    return cls


def _init_vars(cls: type) -> list[str]:
    """The `InitVar` pseudo-fields, which msgspec cannot rebuild: those that
    `dataclasses.fields` leaves out, other than `ClassVar`s (a string annotation included)."""
    fields = {field.name for field in dataclasses.fields(cls)}
    return [
        name
        for name, field in getattr(cls, "__dataclass_fields__", {}).items()
        if name not in fields
        and (isinstance(field.type, dataclasses.InitVar) or "InitVar" in str(field.type))
    ]


def name_of(cls: type) -> str | None:
    """The wire name of a registered class, None for any other."""
    return _by_class.get(cls)


def class_named(name: str) -> type | None:
    """The registered class for a wire name, None for a name nobody registered."""
    return _by_name.get(name)
