"""Events, snapshots, state and reminder messages as stored bytes: one value in a one-slot
frame of the NATS codec (`actorkit._wire`), so a store row decodes with the same allow-list
as a message from another system: registered classes and plain data, never pickle.
"""

from __future__ import annotations

from collections.abc import Callable

from .._wire import BadPayload, Codec

_codec = Codec()
dropped: list[tuple[str, frozenset[str]]] = []
"""Stored fields that decoding met and their classes no longer have (`_evolution`)."""
_codec.dropped = dropped


encode: Callable[[object], bytes] = _codec.encode_value
"""Bytes of one value; TypeError (naming the offending type) for a value the codec may not
carry, or that recovery could not read back: once written, such a value would fail every
recovery of its actor. The codec's own method, so an event's encoding costs no call of
this module's."""


def decode(payload: bytes) -> object:
    """BadPayload for bytes that are not one encoded value of this process's types."""
    frame = _codec.decode(payload)
    if len(frame) != 1:
        raise BadPayload(f"a stored value is a one-slot frame, got {len(frame)} slots")
    return frame[0]
