"""A message class registered again under its name (a reloaded module, a class defined in a
function) replaces the old one: the codec lets go of the old class and what it learned of it,
so a program that redefines its classes as it runs keeps only the newest of each."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import actorkit
from actorkit._wire import Codec


def define() -> type:
    @actorkit.message("soakhunt.Replaced")
    @dataclasses.dataclass
    class Replaced:
        value: int

    return Replaced


def test_a_replaced_class_once_encoded_and_decoded_is_freed() -> None:
    codec = Codec()
    old = define()
    assert codec.decode(codec.encode_value(old(1))) == [old(1)]  # its plan, both ways
    gone = weakref.ref(old)
    new = define()
    del old
    gc.collect()
    assert gone() is None
    assert codec.decode(codec.encode_value(new(2))) == [new(2)]


def test_classes_redefined_in_a_loop_keep_only_the_newest() -> None:
    codec = Codec()
    made: list[weakref.ref[type]] = []
    for i in range(50):
        cls = define()
        assert codec.decode(codec.encode_value(cls(i))) == [cls(i)]
        made.append(weakref.ref(cls))
    del cls
    gc.collect()
    assert [ref() is not None for ref in made] == [False] * 49 + [True]
