"""The codec: values as msgpack (msgspec), limited to plain data and registered classes.

Safety comes from what the decoder can build, not from trusting the sender: msgpack decodes
to None, bool, int, float, str, bytes, lists and dicts only, and the two extension types
below add tuples and instances of classes registered with `actorkit.message`, built by
`msgspec.convert`, which checks every field against the class's annotations. No pickle, no
import by name, no arbitrary callable: a hostile payload can at worst construct a registered
message with wrong-but-typed data, which is what any sender could do anyway.

A frame is a msgpack array; what its slots mean is up to the user of the codec (the NATS
transport's frames are in `actorkit._nats._frames`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import msgspec

from ._registry import class_named, name_of, plans
from ._shown import class_qualname, said, shown
from ._wire_admits import ScalarFields, admitted, rounding, scalar_fields
from ._wire_kept import LEAST, MOST, refuse_rounded, refuse_unkept
from ._wire_refusals import BadPayload as BadPayload  # where the transport and stores import it
from ._wire_refusals import Incompatible as Incompatible
from ._wire_refusals import (
    Unset,
    leaf,
    not_text,
    too_big,
    too_deep,
    unreadable,
    unrebuildable,
)

_EXT_OBJECT = 1
_EXT_TUPLE = 2

SCALARS = frozenset({str, int, float, bool, type(None), bytes})
"""Types that cross as they are; everything else is a container or a registered class."""


Plan = tuple[tuple[str, ...], ScalarFields, bool, frozenset[str] | None, tuple[str, ...]]
_plans: dict[type, Plan] = plans
"""A registered class's plan, which the registry drops with the class: its field names that
cross, its `ScalarFields`, whether those also tell that the annotations admit the fields
(`_wire_admits`), all its fields when one has a default (a stored field renamed to it would
silently read it instead), then the fields that make a float of an int (`refuse_rounded`)."""


def _plan(cls: type) -> Plan:
    """A registered class's `Plan`. The fields that cross are its init fields and those without
    a default (computed in `__post_init__`), which `msgspec.convert` requires since it sets
    fields instead of calling `__init__`. A class it cannot build is refused here, once."""
    plan = _plans.get(cls)
    if plan is None:
        try:
            msgspec.msgpack.Decoder(cls)  # what `msgspec.convert` checks the class's types by
        except Exception as error:  # an unsupported annotation, a name it cannot resolve
            raise unrebuildable(cls, error) from None
        if dataclasses.is_dataclass(cls):
            missing = dataclasses.MISSING
            every = dataclasses.fields(cls)
            names = tuple(
                f.name
                for f in every
                if f.init or (f.default is missing and f.default_factory is missing)
            )
            defaults = any(
                f.default is not missing or f.default_factory is not missing for f in every
            )
        else:
            import attrs  # loaded already: `cls` is an attrs class

            every = attrs.fields(cls)
            names = tuple(a.name for a in every if a.init or a.default is attrs.NOTHING)
            defaults = any(a.default is not attrs.NOTHING for a in every)
        table = admitted(cls, names)
        known = frozenset(f.name for f in every) if defaults else None
        floats = () if table is None else rounding(cls, names)
        plan = _plans[cls] = (names, scalar_fields(names, table), table is not None, known, floats)
    return plan


def _ext_frames() -> tuple[bytes, ...]:
    """What msgpack writes before an object of each size below 256 bytes in a one-slot frame
    (the array's header, then the extension's), taken from msgspec itself."""
    encode = msgspec.msgpack.Encoder().encode
    return tuple(
        encode([msgspec.msgpack.Ext(_EXT_OBJECT, bytes(size))])[: -size or None]
        for size in range(256)
    )


_FRAMES = _ext_frames()


class _Unencodable(Exception):
    """Raised where `_wire` meets what may not cross, with no message: the entry point finds
    that node again (`Codec._located`) to say what and where, so a success pays nothing."""


_FAILURES = (_Unencodable, OverflowError, UnicodeEncodeError, AttributeError)
"""What encoding raises for a value that may not cross (AttributeError: a registered class's
field never set): `_located` then says what and where."""


def _key(key: object) -> object:
    """A dict key crosses only as a scalar: a tuple or a message crosses as an extension
    value, which no decoded dict could hash back into a key."""
    if type(key) in SCALARS:
        return key
    raise _Unencodable


def _children(value: Any) -> Iterator[tuple[str, Any]] | None:
    """The items of a container that `Codec._wire` descends into, each with its step in a
    path; None for a leaf."""
    cls = type(value)
    if cls is dict:
        return ((f"[{shown(key)}]", item) for key, item in value.items())
    if cls is list or cls is tuple:
        return ((f"[{index}]", item) for index, item in enumerate(value))
    if name_of(cls) is not None:
        return ((f".{field}", getattr(value, field, Unset(cls, field))) for field in _plan(cls)[0])
    return None


class Codec:
    """Encodes values after checking every node against the allow-list (so the error names
    the offending type at send time), and decodes with only the allowed constructors."""

    def __init__(self) -> None:
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(ext_hook=self._ext)
        self.dropped: list[tuple[str, frozenset[str]]] | None = None
        """When a list, what `decode` met of stored fields the class no longer has, by its
        registered name, for a store to tell (a message from another version keeps quiet)."""

    def _wire(self, value: Any) -> Any:
        cls = type(value)
        if cls in SCALARS:
            return value
        if cls is list:
            return [self._wire(item) for item in value]
        if cls is dict:
            return {_key(key): self._wire(item) for key, item in value.items()}
        if cls is tuple:
            return msgspec.msgpack.Ext(
                _EXT_TUPLE, self._encoder.encode([self._wire(item) for item in value])
            )
        name = name_of(cls)
        if name is None:
            raise _Unencodable
        fields = {field: self._wire(getattr(value, field)) for field in _plan(cls)[0]}
        return msgspec.msgpack.Ext(_EXT_OBJECT, self._encoder.encode([name, fields]))

    def encode(self, frame: list[Any]) -> bytes:
        """`frame` is a list of plain values whose last message-carrying slot was already
        passed through `wire`; raises TypeError for what may not cross."""
        try:
            return self._encoder.encode(frame)
        except OverflowError:
            raise too_big() from None
        except UnicodeEncodeError:
            raise not_text() from None

    def wire(self, value: Any) -> Any:
        """`value` checked and made plain for `encode`; a registered class or a tuple inside
        it is encoded here already, so an int too big for msgpack fails here too."""
        try:
            return self._wire(value)
        except _FAILURES:
            raise self._located(value) from None
        except RecursionError:
            raise too_deep() from None

    def _fails(self, value: Any) -> bool:
        try:
            self._encoder.encode(self._wire(value))
        except _FAILURES:
            return True
        return False

    def _located(self, value: Any) -> TypeError:
        """The error for the first node of `value` that may not cross, with its path from
        the root (`Order.lines[2]`, `['items']`): walked again only after encoding failed."""
        path = class_qualname(type(value)) if name_of(type(value)) is not None else ""
        while True:
            children = _children(value)
            if children is None:
                return leaf(value, path)
            for step, item in children:
                if self._fails(item):
                    path, value = path + step, item
                    break
            else:  # every item crosses, so a key does not (only a dict's can)
                key = next(k for k in value if type(k) not in SCALARS or self._fails(k))
                return leaf(key, path, key=True)

    def encode_value(self, value: Any) -> bytes:
        """The one-slot frame `encode([wire(value)])` a store keeps, byte for byte; raises
        TypeError for what may not cross, and for what `decode` would refuse: a value its
        class's annotations refuse (a `bool` in an `int` field) would fail every recovery.
        A registered class whose fields hold scalars (most events) is one msgspec call: its
        fields in one dict, the frame's headers from a table, and its read-back the table
        of what its annotations admit, or the `msgspec.convert` that decoding makes."""
        cls = type(value)
        plan = _plans.get(cls)
        name = name_of(cls)
        encode = self._encoder.encode
        try:
            fields = None if plan is None or name is None else plan[1](value)
            if fields is None:
                payload = encode([self._wire(value)])
                _kept(value, self.decode(payload)[0])
                return payload
            body = encode([name, fields])
        except _FAILURES:
            raise self._located(value) from None
        except RecursionError:
            raise too_deep() from None
        except BadPayload as error:
            raise unreadable(str(error)) from None
        if not plan[2]:  # type: ignore[index]  # `fields` came from it
            try:
                back = msgspec.convert(fields, cls)  # what `_ext` makes of them
            except Exception as error:  # its annotations, or a failing `__post_init__`
                raise unreadable(f"bad {name!r}: {error}") from None
            _kept(value, back)
        else:
            for field in plan[4]:  # type: ignore[index]  # an int a float may round
                item = fields[field]
                if type(item) is int and not LEAST <= item <= MOST:
                    refuse_rounded(cls, field, item)
        if len(body) < 256:
            return _FRAMES[len(body)] + body
        return encode([msgspec.msgpack.Ext(_EXT_OBJECT, body)])

    def _ext(self, code: int, data: memoryview) -> Any:
        if code == _EXT_TUPLE:
            items = self._decoder.decode(data)
            if type(items) is not list:
                raise BadPayload("malformed tuple")
            return tuple(items)
        if code == _EXT_OBJECT:
            decoded = self._decoder.decode(data)
            if (
                type(decoded) is not list
                or len(decoded) != 2
                or type(decoded[0]) is not str
                or type(decoded[1]) is not dict
            ):
                raise BadPayload("malformed object")
            name, fields = decoded
            cls = class_named(name)
            if cls is None:
                raise Incompatible(name, None)
            try:
                value: Any = msgspec.convert(fields, cls)
            except msgspec.ValidationError as error:
                raise Incompatible(name, str(error)) from None
            if self.dropped is not None:
                known = (_plans.get(cls) or _plan(cls))[3]
                if known is not None and not fields.keys() <= known:
                    self.dropped.append((name, frozenset(fields.keys() - known)))
            return value
        raise BadPayload(f"unknown extension type {code}")

    def decode(self, payload: bytes) -> list[Any]:
        """A frame, or BadPayload for anything malformed, unknown or hostile."""
        try:
            frame = self._decoder.decode(payload)
        except BadPayload:
            raise
        except BaseException as error:  # msgspec's, a RecursionError, a failing __post_init__
            if isinstance(error, KeyboardInterrupt | SystemExit):  # the owner's
                raise
            raise BadPayload(f"{type(error).__name__}: {said(error)}") from None
        if type(frame) is not list or not frame:
            raise BadPayload("a frame is a non-empty array")
        return frame


def _kept(given: Any, got: Any) -> None:
    """A value a store keeps reads back as itself, or is refused (`_wire_kept`). Equal, it
    is (a list is never equal to a tuple): the walk only for NaN, a class's own `__eq__`,
    or a refusal."""
    try:
        if given == got:
            return
    except Exception:  # a class's own `__eq__`: the walk decides
        pass
    refuse_unkept(given, got, _field_names)


def _field_names(cls: type) -> tuple[str, ...]:
    return _plan(cls)[0]
