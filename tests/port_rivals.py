"""Another worker after a port a test holds: what a held port must withstand."""

from __future__ import annotations

import errno
import socket
import struct
from collections.abc import Callable

IP_LOCAL_PORT_RANGE = 51
"""<linux/in.h>, Linux 6.3: the ports a socket's bind to port 0, or its connect, may pick."""


def _narrows() -> bool:
    with socket.socket() as probe:
        try:
            probe.setsockopt(socket.IPPROTO_IP, IP_LOCAL_PORT_RANGE, struct.pack("I", 0))
        except OSError:
            return False
    return True


NARROWS = _narrows()


def taken(port: int, *, reuse: bool) -> bool:
    """Whether another worker comes by `port`, binding port 0 (a probe, or a listener with
    SO_REUSEADDR) or connecting, its choice narrowed to the port: the race it wins now and then
    it would win every time. A kernel before 6.3 cannot narrow; there the rival names the port
    without SO_REUSEADDR, checked as the kernel checks each port it considers for port 0."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        ways: list[Callable[[socket.socket], None]] = [
            lambda rival: rival.bind(("127.0.0.1", 0)),
            lambda rival: rival.connect(listener.getsockname()),
        ]
        if not NARROWS:
            ways, reuse = [lambda rival: rival.bind(("127.0.0.1", port))], False
        for way in ways:
            with socket.socket() as rival:
                rival.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, int(reuse))
                if NARROWS:
                    narrowed = struct.pack("I", port << 16 | port)
                    rival.setsockopt(socket.IPPROTO_IP, IP_LOCAL_PORT_RANGE, narrowed)
                try:
                    way(rival)
                except OSError as refused:
                    if refused.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                        raise
                    continue
                if rival.getsockname()[1] == port:
                    return True
    return False


def assert_held(port: int) -> None:
    assert not taken(port, reuse=False)
    assert not taken(port, reuse=True)
