"""Ports held for the servers the tests start: another xdist worker, or any process, cannot
take one between the moment a test gets it and the moment its server binds it, nor while the
server restarts; an unshared hold is a port where connections are refused."""

from __future__ import annotations

import socket

import pytest

from .port_rivals import assert_held, taken
from .processes import HeldPort


def test_a_held_port_is_given_to_no_one_else_and_refuses_connections() -> None:
    for shared in (False, True):
        hold = HeldPort(shared=shared)
        assert_held(hold.port)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", hold.port)).close()
        hold.release()
        assert taken(hold.port, reuse=True)  # a port no one holds, a rival gets
