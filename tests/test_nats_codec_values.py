"""The wire codec on its own, the values a sender hands it: plain data and registered classes
round trip, and what may not cross (a set, an int past 64 bits, an actor ref) is refused at
send time, naming the type."""

from __future__ import annotations

import copy
import pickle
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import actorkit
from actorkit._nats._frames import OK
from actorkit._wire import Codec
from actorkit.nats import NatsTransport, RemoteRef

from .nats_codec_support import Point, Shape, Tagged, roundtrip


def test_plain_data_and_registered_classes_roundtrip() -> None:
    value = {
        "none": None,
        "flags": [True, False],
        "numbers": [0, -1, 2**63 - 1, 1.5],
        "text": "héllo",
        "raw": b"\x00\xff",
        "tuple": (1, (2, "three")),
        "shape": Shape([Point(1, 2), Point(3, 4)], "square"),
        "tagged": Tagged(("a", "b"), {"k": [Point(0, 0)]}),
        7: "int keys work",
    }
    assert roundtrip(value) == value
    assert type(roundtrip((1, 2))) is tuple


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.binary(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner) | st.tuples(inner),
        max_leaves=20,
    )
)
def test_any_plain_value_roundtrips(value: Any) -> None:
    assert roundtrip(value) == value


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (object(), "cannot encode a builtins.object"),
        ({1, 2}, "cannot encode a builtins.set"),
        ([Point(1, 2), frozenset()], "builtins.frozenset"),
        (2**64, "64 bits"),
        (Point(2**64, 0), "64 bits"),  # inside a registered class: encoded by `wire` itself
        ([(1, -(2**63) - 1)], "64 bits"),  # inside a tuple, likewise
    ],
)
def test_what_may_not_cross_is_refused_naming_the_type(value: Any, complaint: str) -> None:
    codec = Codec()
    with pytest.raises(TypeError, match=complaint):
        codec.encode([OK, codec.wire(value)])


def test_a_ref_in_a_message_is_refused_as_pickle_refuses_it_saying_how_to_cross() -> None:
    remote = RemoteRef(NatsTransport(["nats://127.0.0.1:4222"]), "s", "/cart", "shop:/cart")
    assert copy.copy(remote) is remote and copy.deepcopy([remote])[0] is remote
    with pytest.raises(TypeError, match=r"cannot pickle <RemoteRef shop:/cart>: actor refs"):
        pickle.dumps(remote)
    with pytest.raises(
        TypeError,
        match=r"cannot encode <RemoteRef shop:/cart> at \['reply_to'\]: actor refs cannot cross "
        r"to another process or into a store: send the actor's path instead",
    ):
        Codec().wire({"reply_to": remote})


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 generics are Python 3.12+")
def test_a_generic_dataclass_of_pep_695_crosses() -> None:
    """Python before 3.12.4 cannot resolve its postponed `T` (`typing.get_type_hints`
    raises NameError), which msgspec can: the class crosses all the same, its fields
    converted instead of checked by type alone (`_wire_admits`)."""
    source = (
        "from __future__ import annotations\n"
        "import dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Box[T]:\n"
        "    item: T\n"
    )
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(source, namespace)  # the syntax does not parse on 3.11
    box = actorkit.message(name="codec.Box")(namespace["Box"])
    assert roundtrip([box("x"), box(Point(1, 2))]) == [box("x"), box(Point(1, 2))]
