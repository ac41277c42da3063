"""`python -m actorkit demo`: a run with and without HTTP, and flags the system refuses:
2 for a flag no system can take, 1 for one this one could not (a port in use)."""

from __future__ import annotations

import socket
import subprocess
import sys

from .cli_support import DEMO_ERROR, run_cli


def test_demo_runs_three_seconds_and_exits_cleanly_with_a_summary() -> None:
    result = run_cli("demo", "--duration", "3", "--port", "0")
    assert result.returncode == 0, result.stderr
    assert "metrics: http://127.0.0.1:" in result.stdout
    assert "msgs/s" in result.stdout
    summary = [line for line in result.stdout.splitlines() if line.startswith("summary:")]
    assert len(summary) == 1
    assert "tasks done" in summary[0]
    assert "Traceback" not in result.stderr


def test_demo_without_http() -> None:
    result = run_cli("demo", "--duration", "0.2", "--no-http")
    assert result.returncode == 0, result.stderr
    assert "metrics:" not in result.stdout
    assert "summary:" in result.stdout


def test_demo_flags_the_system_refuses_are_one_line_errors_with_advice() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        cases = [
            (["--port", port], ["address already in use", "the port is in use"]),
            (["--host", "a b"], ["host must be an address", "--host"]),
            (["--no-http", "--name", "a/b"], ["system name must be", "pass another --name"]),
            (["--no-http", "--name", ""], ["system name must be", "got ''", "another --name"]),
        ]
        for flags, advice in cases:
            result = run_cli("demo", "--duration", "1", *flags)
            assert result.returncode == (1 if "--port" in flags else 2), result.stderr
            assert "Traceback" not in result.stderr
            [line] = result.stderr.strip().splitlines()
            assert line.startswith(f"{DEMO_ERROR}cannot serve" if "--port" in flags else DEMO_ERROR)
            for words in advice:
                assert words in line


def test_demo_on_a_host_that_does_not_resolve_says_so_not_port_in_use() -> None:
    result = run_cli("demo", "--duration", "1", "--host", "no-such-host.invalid")
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{DEMO_ERROR}cannot serve on no-such-host.invalid:9464")
    # "does not resolve", or where DNS never answers, the bind timeout's "resolving the host"
    assert "resolv" in line
    assert "in use" not in line


def test_demo_refuses_a_name_no_system_on_nats_may_have_before_connecting() -> None:
    # Nothing listens on port 1: a name that got past the check would wait out the connect
    # timeout and fail with "cannot connect", not with advice about --name.
    for name in ["a.b", "a/b", "east 1", ""]:
        flags = ["--nats", "nats://127.0.0.1:1", "--name", name, "--no-http"]
        result = run_cli("demo", "--duration", "1", *flags)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(DEMO_ERROR)
        assert repr(name) in line
        assert "pass another --name" in line
        assert "cannot connect" not in line


def test_demo_refuses_a_malformed_nats_url_in_one_line_not_a_traceback() -> None:
    for url in ["nats://h:port", "http://h:4222", "nats://a\x01", ""]:
        result = run_cli("demo", "--duration", "1", "--no-http", "--nats", url)
        assert result.returncode == 2, (url, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"{DEMO_ERROR}servers")
        assert line.endswith("(set by --nats)")


WITHOUT_THE_NATS_EXTRA = """
import runpy, sys

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("nats", "msgspec"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Uninstalled())
runpy.run_module("actorkit", run_name="__main__", alter_sys=True)
"""


def test_demo_on_nats_without_the_extra_says_what_to_install() -> None:
    flags = ["demo", "--nats", "nats://127.0.0.1:1", "--no-http", "--duration", "1"]
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_NATS_EXTRA, *flags],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{DEMO_ERROR}--nats needs the NATS extra (")
    assert line.endswith("is missing): pip install 'actorkit[nats]'")
