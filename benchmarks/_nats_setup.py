"""What the NATS benchmarks share: a nats-server of their own, and the summary with targets."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.__main__ import summarize
from benchmarks._harness import Figure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def start_server() -> Iterator[str]:
    """A nats-server on a free loopback port for the duration; yields its URL."""
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    port = str(free_port())
    server = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", port], stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stderr is not None
        for line in server.stderr:
            if "Server is ready" in line:
                break
        # Drained, not closed: a Go program dies writing its next log line (a slow consumer
        # under load) to a closed pipe, and the benchmark would lose its server mid-run.
        threading.Thread(target=server.stderr.read, daemon=True).start()
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


@contextmanager
def responder(url: str, script: str) -> Iterator[None]:
    """`script --serve URL` in a process of its own, the other side of the measured asks,
    ready once it said so; it ends when its stdin closes."""
    process = subprocess.Popen(
        [sys.executable, script, "--serve", url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the responder did not start")
        yield
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def report(figures: list[Figure], check: bool) -> int:
    """The summary table on stderr; under `check`, 1 when a target was missed."""
    if figures:
        summarize(figures)
    misses = [figure for figure in figures if figure.passed is False]
    for figure in misses:
        print(f"MISSED {figure.bench}.{figure.metric.name}: ratio {figure.ratio}", file=sys.stderr)
    return 1 if check and misses else 0
