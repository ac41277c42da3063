"""The wire codec on its own, the payloads a receiver decodes: what a hostile payload can (not)
make it do, errors rebuilt by name from the allow-list only, and an object its class here
refuses (another version's) told apart from garbage, naming the field."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import actorkit
from actorkit._nats._frames import error_frame, rebuild_error
from actorkit._wire import BadPayload, Codec
from actorkit.nats import RemoteError

from .nats_codec_support import built, roundtrip


def ext(code: int, payload: Any) -> msgspec.msgpack.Ext:
    return msgspec.msgpack.Ext(code, msgspec.msgpack.encode(payload))


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"", "DecodeError"),
        (b"\xc1", "DecodeError"),
        (msgspec.msgpack.encode(5), "non-empty array"),
        (msgspec.msgpack.encode([ext(1, ["os.system", {"command": "rm"}])]), "unknown message"),
        (msgspec.msgpack.encode([ext(1, ["Point", {"x": "1", "y": 2}])]), "Expected `int`"),
        (msgspec.msgpack.encode([ext(1, ["Point", {"x": 1}])]), "missing required field"),
        (msgspec.msgpack.encode([ext(1, "Point")]), "malformed object"),
        (msgspec.msgpack.encode([ext(2, {"not": "a list"})]), "malformed tuple"),
        (msgspec.msgpack.encode([ext(99, [])]), "unknown extension"),
        (b"\x91" * 100_000 + b"\xc0", "Error"),  # nesting far past any recursion limit
    ],
)
def test_hostile_payloads_raise_bad_payload_and_build_nothing(
    payload: bytes, complaint: str
) -> None:
    built.clear()
    with pytest.raises(BadPayload, match=complaint):
        Codec().decode(payload)
    assert built == []


def test_exceptions_are_rebuilt_by_name_from_the_allow_list_only() -> None:
    def cross(error: BaseException) -> BaseException:
        frame = roundtrip(error_frame(error))
        return rebuild_error(*frame[1:])

    key_error = cross(KeyError("k"))
    assert type(key_error) is KeyError and key_error.args == ("k",)
    assert type(cross(actorkit.MailboxFull("full"))) is actorkit.MailboxFull
    assert type(cross(actorkit.NotDelivered("not handled"))) is actorkit.NotDelivered
    nested = cross(RemoteError("x.Y", "inner"))
    assert type(nested) is RemoteError and (nested.type_name, nested.message) == ("x.Y", "inner")
    system_exit = cross(SystemExit(3))
    assert type(system_exit) is RemoteError and system_exit.type_name == "builtins.SystemExit"
    odd = cross(ValueError(object()))
    assert type(odd) is ValueError and "object" in odd.args[0]
    assert type(rebuild_error("builtins.UnicodeDecodeError", ["x"], "t")) is RemoteError
    with pytest.raises(BadPayload):
        rebuild_error(1, [], "t")


def _object(name: str, fields: dict[str, Any]) -> bytes:
    encode = msgspec.msgpack.encode
    return encode([msgspec.msgpack.Ext(1, encode([name, fields]))])


@pytest.mark.parametrize(
    ("name", "fields", "field"),
    [
        ("Point", {"x": 1}, "y"),  # missing
        ("Point", {"x": 1, "y": "2"}, "y"),  # of another type
        ("codec.Tagged", {"tags": ["a", 2]}, "tags[1]"),  # deeper in a field
        ("codec.Nobody", {}, None),  # a name no class here is registered under
    ],
)
def test_an_object_its_class_here_refuses_is_incompatible_naming_the_field(
    name: str, fields: dict[str, Any], field: str | None
) -> None:
    """What a process of another version of the class sends: told apart from garbage, with
    the field, so the transport can say so; its error rebuilt on the asker's side too."""
    from actorkit._nats._refusals import refused_request
    from actorkit._wire import Incompatible
    from actorkit.nats import IncompatibleMessage

    with pytest.raises(Incompatible) as refused:
        Codec().decode(_object(name, fields))
    assert (refused.value.type_name, refused.value.field) == (name, field)
    sent = refused_request("here", refused.value, "/k")
    rebuilt = rebuild_error(*error_frame(sent)[1:])
    assert type(rebuilt) is IncompatibleMessage and isinstance(rebuilt, TypeError)
    assert (rebuilt.type_name, rebuilt.field, str(rebuilt)) == (name, field, str(sent))
    assert "another version" in str(rebuilt)
