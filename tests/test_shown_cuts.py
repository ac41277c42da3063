"""The cuts and escapes of texts the runtime quotes (`_shown`): a text at its limit is
quoted whole, one past it is cut and says how long it was; what another process chose is
escaped, each character that is not printable, and only those: a name in any script reads as
itself."""

from __future__ import annotations

from actorkit._shown import GIVEN_LENGTH, WIRE_LENGTH, cut, escaped, given, printable


def test_a_text_at_the_limit_is_quoted_whole_and_one_past_it_is_cut() -> None:
    assert cut("a" * 10, 10) == "a" * 10
    assert cut("a" * 11, 10) == "a" * 10 + "... (11 characters)"
    at_limit = "x" * (GIVEN_LENGTH - 2)  # its repr is GIVEN_LENGTH characters
    assert given(at_limit) == repr(at_limit)
    assert printable("b" * WIRE_LENGTH) == "b" * WIRE_LENGTH
    assert printable("b" * (WIRE_LENGTH + 1)) == "b" * WIRE_LENGTH + "... (201 characters)"


def test_printable_escapes_every_character_it_keeps_however_long_the_escapes() -> None:
    """The limit counts the characters sent, not their escapes: a short text is quoted
    whole, escaped, with no cut said of it."""
    text = "\n" * 150
    assert printable(text) == "\\n" * 150
    assert printable("\x1b" * (WIRE_LENGTH + 5)) == "\\x1b" * WIRE_LENGTH + "... (205 characters)"


def test_printable_characters_of_any_script_are_kept_as_they_are() -> None:
    name = "café-日本語-Ωμέγα-✓"
    assert escaped(name) == name
    assert escaped(f"{name}\x07") == f"{name}\\x07"
    assert printable(f"\u200b{name}") == f"\\u200b{name}"  # a zero-width space is no print
