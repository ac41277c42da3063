"""A registered class's field that was never set (`field(init=False)` without a default that
nothing assigned) is a value that cannot cross, named with its type and field, as any other."""

from __future__ import annotations

import dataclasses

import attrs
import pytest

import actorkit
from actorkit._wire import Codec

from .test_wire_values import Anything


@actorkit.message("wire_values.Unset")
@dataclasses.dataclass
class Unset:
    n: int
    twice: int = dataclasses.field(init=False)  # which nothing sets


@actorkit.message("wire_values.AttrsUnset")
@attrs.define
class AttrsUnset:
    n: int
    twice: int = attrs.field(init=False)


def test_a_field_left_unset_is_refused_naming_the_type_and_the_field() -> None:
    """Not an AttributeError from reading it, on the first call and on the fast path."""
    codec = Codec()
    said = (
        "cannot encode tests.test_wire_unset_fields.{} at {}: its field 'twice' was never set (a "
        "field(init=False) without a default that __init__ and __post_init__ left unset): set it "
        "in __post_init__ or give it a default"
    )
    cases = [
        (Unset(1), said.format("Unset", "Unset.twice")),
        (AttrsUnset(1), said.format("AttrsUnset", "AttrsUnset.twice")),
        (Anything([Unset(1)]), said.format("Unset", "Anything.value[0].twice")),
        ({"k": AttrsUnset(1)}, said.format("AttrsUnset", "['k'].twice")),
    ]
    for value, error in cases:
        for _ in range(2):  # the first call plans the class, the second takes the fast path
            with pytest.raises(TypeError) as stored:
                codec.encode_value(value)
            assert str(stored.value) == error
            with pytest.raises(TypeError) as sent:
                codec.wire(value)
            assert str(sent.value) == error
