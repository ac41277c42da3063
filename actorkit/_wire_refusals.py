"""The codec's refusals (`actorkit._wire`): what may not cross, said with where it sits in
the value (`at Order.lines[2]`) and what to send instead."""

from __future__ import annotations

import dataclasses

from ._protocols import REFS_STAY, is_ref_class
from ._registry import is_attrs_class


def _at(path: str) -> str:
    return f" at {path}" if path else ""


def too_big(path: str = "", what: str = "an int") -> TypeError:
    return TypeError(
        f"{what}{_at(path)} does not fit in 64 bits (msgpack holds -2**63 to 2**64 - 1): "
        "send or store it as a str"
    )


def not_text(path: str = "", what: str = "a str") -> TypeError:
    return TypeError(
        f"{what}{_at(path)} holds a lone surrogate (such as '\\udcff', which os.fsdecode makes "
        "of bytes that are not UTF-8), which UTF-8 cannot encode: send or store the bytes, or "
        "text made with errors='backslashreplace'"
    )


def too_deep() -> TypeError:
    """A value that holds itself, or nests past Python's recursion limit: no path to say."""
    return TypeError(
        "a value that holds itself or nests deeper than Python's recursion limit cannot cross: "
        "send or store it flatter (a list of records, ids instead of references)"
    )


def leaf(value: object, path: str, key: bool = False) -> TypeError:
    """The error for a value with no children that does not cross (a key of a dict, if `key`)."""
    cls = type(value)
    if cls is int:
        return too_big(path, "an int dict key" if key else "an int")
    if cls is str:
        return not_text(path, "a str dict key" if key else "a str")
    return refuse_key(value, path) if key else refuse(value, path)


class Unset:
    """What `Codec._located` finds in a registered class's field that was never set (a field with
    `init=False` and no default that `__post_init__` did not assign)."""

    __slots__ = ("field", "owner")

    def __init__(self, owner: type, field: str) -> None:
        self.owner = owner
        self.field = field


def refuse(value: object, path: str) -> TypeError:
    cls = type(value)
    if isinstance(value, Unset):
        owner = value.owner
        return TypeError(
            f"cannot encode {owner.__module__}.{owner.__qualname__}{_at(path)}: its field "
            f"{value.field!r} was never set (a field(init=False) without a default that __init__ "
            "and __post_init__ left unset): set it in __post_init__ or give it a default"
        )
    if is_ref_class(cls):
        return TypeError(f"cannot encode {value!r}{_at(path)}: {REFS_STAY}")
    if dataclasses.is_dataclass(cls) or is_attrs_class(cls):
        return TypeError(
            f"{cls.__module__}.{cls.__qualname__}{_at(path)} is not a registered message type: "
            "decorate it with @actorkit.message in every process that sends, receives, stores "
            "or recovers it"
        )
    return TypeError(
        f"cannot encode a {cls.__module__}.{cls.__qualname__}{_at(path)}: values that cross to "
        "another system or into a store are None, bool, int, float, str, bytes, lists, "
        "tuples, dicts and @actorkit.message dataclasses or attrs classes"
    )


def refuse_key(key: object, path: str) -> TypeError:
    return TypeError(
        f"cannot encode a dict keyed by {type(key).__module__}.{type(key).__qualname__}"
        f"{_at(path)}: keys cross as None, bool, int, float, str or bytes; use str keys or a "
        "list of (key, value) pairs"
    )


def unrebuildable(cls: type, error: Exception) -> TypeError:
    """A registered class whose annotations msgspec cannot rebuild it by: every receiver and
    every recovery would reject it, so the first send or write is refused instead."""
    return TypeError(
        f"{cls.__module__}.{cls.__qualname__} cannot cross: a receiver rebuilds it from its "
        f"fields by their annotations (msgspec), which refuse it ({type(error).__name__}: "
        f"{error}); annotate a field that holds one of several message classes `Any`, and "
        "import the names annotations use at run time, not only under TYPE_CHECKING"
    )


def unreadable(why: str) -> TypeError:
    """A value that encodes but that its class's annotations refuse on the way back (a
    `bool` in an `int` field, a subclass in a field annotated with its base class)."""
    return TypeError(
        f"it would not be read back ({why}): a registered class is rebuilt from its fields by "
        "their annotations, so give each field a value of its annotated type, and annotate "
        "`Any` a field that holds subclasses or several types"
    )
