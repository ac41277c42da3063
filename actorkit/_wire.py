"""What crosses the wire: msgpack frames (msgspec) of plain data and registered classes.

Safety comes from what the decoder can build, not from trusting the sender: msgpack decodes
to None, bool, int, float, str, bytes, lists and dicts only, and the two extension types
below add tuples and instances of classes registered with `actorkit.message`, built by
`msgspec.convert`, which checks every field against the class's annotations. No pickle, no
import by name, no arbitrary callable: a hostile payload can at worst construct a registered
message with wrong-but-typed data, which is what any sender could do anyway.

Frames (all msgpack arrays):
- to an actor or a group: `[kind, path, body, timeout]`, kind one of TELL, ASK, SEND, PING;
- to a topic: `[body]`;
- replies: `[OK, value]`, `[ERROR, type_name, args, text]` or `[STOPPED, text]`.
"""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any

import attrs
import msgspec

from . import _errors
from ._errors import ActorError
from ._registry import class_named, name_of

TELL, ASK, SEND, PING = 0, 1, 2, 3
OK, ERROR, STOPPED = 0, 1, 2

_EXT_OBJECT = 1
_EXT_TUPLE = 2

_SCALARS = frozenset({str, int, float, bool, type(None), bytes})

_BUILTIN_ERRORS = (
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BufferError",
    "EOFError",
    "FileExistsError",
    "FileNotFoundError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "OverflowError",
    "PermissionError",
    "RecursionError",
    "RuntimeError",
    "TimeoutError",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
    "ConnectionError",
)
_ACTORKIT_ERRORS: tuple[type[BaseException], ...] = (
    _errors.ActorError,
    _errors.MailboxFull,
    _errors.ActorStopped,
    _errors.AskTimeout,
    _errors.NameTaken,
    _errors.SystemFailed,
    _errors.SupervisorGaveUp,
    _errors.DeadlineExceeded,
    _errors.TaskCancelled,
)


class RemoteError(ActorError):
    """A remote actor raised an exception whose type is not rebuilt on this side (a user
    class, or one outside the allow-list). `type_name` is its qualified class name and
    `message` its text; the traceback stays in the remote system's crash report."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}"


_ALLOWED_ERRORS: dict[str, type[BaseException]] = {
    **{f"builtins.{name}": getattr(builtins, name) for name in _BUILTIN_ERRORS},
    **{f"actorkit.{cls.__name__}": cls for cls in _ACTORKIT_ERRORS},
    "actorkit.nats.RemoteError": RemoteError,
}
"""Exception types rebuilt by name on the caller's side, with the arguments they were raised
with. Only classes whose constructor takes plain arguments and has no side effect belong
here; anything else arrives as `RemoteError`."""
_ERROR_NAMES = {cls: name for name, cls in _ALLOWED_ERRORS.items()}


class BadPayload(Exception):
    """A frame that did not decode into something this process accepts."""


_fields: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _fields.get(cls)
    if names is None:
        if dataclasses.is_dataclass(cls):
            names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        else:
            names = tuple(a.name for a in attrs.fields(cls) if a.init)
        _fields[cls] = names
    return names


def _refuse(value: object) -> TypeError:
    cls = type(value)
    if dataclasses.is_dataclass(cls) or attrs.has(cls):
        return TypeError(
            f"{cls.__module__}.{cls.__qualname__} is not a registered message type: decorate it "
            "with @actorkit.message in every process that sends or receives it"
        )
    return TypeError(
        f"cannot send a {cls.__module__}.{cls.__qualname__} to another system: messages are "
        "None, bool, int, float, str, bytes, lists, tuples, dicts and @actorkit.message "
        "dataclasses or attrs classes"
    )


class Codec:
    """Encodes values after checking every node against the allow-list (so the error names
    the offending type at send time), and decodes with only the allowed constructors."""

    def __init__(self) -> None:
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(ext_hook=self._ext)

    def _wire(self, value: Any) -> Any:
        cls = type(value)
        if cls in _SCALARS:
            return value
        if cls is list:
            return [self._wire(item) for item in value]
        if cls is dict:
            return {self._wire(key): self._wire(item) for key, item in value.items()}
        if cls is tuple:
            return msgspec.msgpack.Ext(
                _EXT_TUPLE, self._encoder.encode([self._wire(item) for item in value])
            )
        name = name_of(cls)
        if name is None:
            raise _refuse(value)
        fields = {field: self._wire(getattr(value, field)) for field in _field_names(cls)}
        return msgspec.msgpack.Ext(_EXT_OBJECT, self._encoder.encode([name, fields]))

    def encode(self, frame: list[Any]) -> bytes:
        """`frame` is a list of plain values whose last message-carrying slot was already
        passed through `wire`; raises TypeError for what may not cross."""
        try:
            return self._encoder.encode(frame)
        except OverflowError:
            raise TypeError(
                "an int in the message does not fit in 64 bits; send it as a str"
            ) from None

    def wire(self, value: Any) -> Any:
        return self._wire(value)

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
                raise BadPayload(
                    f"unknown message type {name!r}: register it with @actorkit.message "
                    "in the receiving process too"
                )
            try:
                return msgspec.convert(fields, cls)
            except msgspec.ValidationError as error:
                raise BadPayload(f"bad {name!r}: {error}") from None
        raise BadPayload(f"unknown extension type {code}")

    def decode(self, payload: bytes) -> list[Any]:
        """A frame, or BadPayload for anything malformed, unknown or hostile."""
        try:
            frame = self._decoder.decode(payload)
        except BadPayload:
            raise
        except Exception as error:  # msgspec errors, RecursionError, a failing __post_init__
            raise BadPayload(f"{type(error).__name__}: {error}") from None
        if type(frame) is not list or not frame:
            raise BadPayload("a frame is a non-empty array")
        return frame


def error_frame(error: BaseException) -> list[Any]:
    cls = type(error)
    name = _ERROR_NAMES.get(cls)
    if name is None and cls.__module__.startswith("actorkit."):
        # The runtime's private subclasses (NotDelivered) travel as their public base.
        name = next((_ERROR_NAMES[base] for base in cls.__mro__ if base in _ERROR_NAMES), None)
    args = list(error.args)
    if not all(type(arg) in _SCALARS for arg in args):
        args = [str(error)]
    return [ERROR, name or f"{cls.__module__}.{cls.__qualname__}", args, str(error)]


def rebuild_error(type_name: object, args: object, text: object) -> BaseException:
    """The remote exception as its own type when the allow-list has it, else RemoteError."""
    if not (isinstance(type_name, str) and isinstance(text, str) and type(args) is list):
        raise BadPayload("malformed error reply")
    cls = _ALLOWED_ERRORS.get(type_name)
    if cls is not None:
        try:
            return cls(*args)
        except Exception:
            pass  # arguments this constructor does not take: report it as a RemoteError
    return RemoteError(type_name, text)
