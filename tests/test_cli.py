"""The command line, run as a user would: in a subprocess."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
from typing import Any

import pytest
from rich.console import Console

from actorkit import Actor, ActorSystem
from actorkit._cli import build_parser
from actorkit._top_frame import Snapshot, render
from actorkit.testing import actor_tree


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "actorkit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout
    assert "top" in result.stdout


def test_bad_flags_give_argparse_errors() -> None:
    result = run_cli("demo", "--duration", "soon")
    assert result.returncode == 2
    assert "expected seconds" in result.stderr
    assert run_cli("demo", "--port", "99999").returncode == 2
    assert run_cli("nonsense").returncode == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--duration", "inf"],
        ["demo", "--duration", "1e300"],
        ["top", "--interval", "inf"],
        ["top", "--interval", "nan"],
    ],
)
def test_seconds_flags_refuse_what_the_library_refuses(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    assert "must be > 0 seconds and finite" in capsys.readouterr().err


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
    result = run_cli("demo", "--duration", "1", "--no-http")
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
        ]
        for flags, advice in cases:
            result = run_cli("demo", "--duration", "1", *flags)
            assert result.returncode == 1, result.stderr
            assert "Traceback" not in result.stderr
            [line] = result.stderr.strip().splitlines()
            assert line.startswith("demo: cannot serve" if "--port" in flags else "demo: ")
            for words in advice:
                assert words in line


def test_demo_on_a_host_that_does_not_resolve_says_so_not_port_in_use() -> None:
    result = run_cli("demo", "--duration", "1", "--host", "no-such-host.invalid")
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("demo: cannot serve on no-such-host.invalid:9464")
    # "does not resolve", or where DNS never answers, the bind timeout's "resolving the host"
    assert "resolv" in line
    assert "in use" not in line


class Busy(Actor):
    async def on_start(self) -> None:
        await self.spawn(Busy if self.parent is None else Leaf, name="child")

    async def receive(self, message: Any) -> Any:
        return message


class Leaf(Actor):
    pass


async def test_top_renders_a_frame_of_a_running_system() -> None:
    async with ActorSystem("observed") as system:
        server = await system.serve_http(port=0)
        await system.spawn(Busy, name="busy")
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", server.url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"COLUMNS": "120", "PATH": ""},
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await top.communicate()
    assert top.returncode == 0, err.decode()
    assert err == b""
    frame = out.decode()
    assert "observed" in frame
    assert "healthy" in frame
    for name in ("busy", "child", "Busy", "Leaf", "running"):
        assert name in frame


def test_top_help_states_the_default_url() -> None:
    result = run_cli("top", "--help")
    assert result.returncode == 0
    assert "(default: http://127.0.0.1:9464)" in result.stdout


async def top_in_a_pipe(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`top` as a script runs it: output captured, not a terminal, no COLUMNS, where rich
    wraps what it prints at 80 columns."""
    bare = {k: v for k, v in os.environ.items() if k != "COLUMNS" and not k.startswith("ACTORKIT")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "actorkit", "top", "--once", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**bare, **(env or {})},
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_every_error_of_top_is_one_unwrapped_line_on_stderr() -> None:
    from aiohttp import web

    async def broken_json(request: web.Request) -> web.Response:
        return web.Response(text="{broken", content_type="application/json")

    app = web.Application()
    app.router.add_get("/actors", broken_json)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        async with asyncio.timeout(30), ActorSystem("fenced") as system:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            not_actorkit = f"http://127.0.0.1:{runner.addresses[0][1]}"
            url = (await system.serve_http(port=0, auth=("watcher", "pa55"))).url
            cases = {
                "connection refused": (["http://127.0.0.1:1"], None),
                "401": ([url], None),
                "404": ([f"{url}/[bold]nope"], {"ACTORKIT_HTTP_USER": "watcher",
                                                "ACTORKIT_HTTP_PASSWORD": "pa55"}),
                "bad JSON": ([not_actorkit], None),
                "bad URL": (["http://[::1"], None),
                "bad variable": ([url], {"ACTORKIT_HTTP_USER": "watcher"}),
            }  # fmt: skip
            results = await asyncio.gather(*(top_in_a_pipe(*a, env=e) for a, e in cases.values()))
    finally:
        await runner.cleanup()
    said = dict(zip(cases, results, strict=True))
    for case, (code, out, err) in said.items():
        assert (code, out) == (1, ""), case
        assert err.endswith("\n") and err.count("\n") == 1 and err.startswith("top: "), case
        assert "Traceback" not in err
    assert len(said["connection refused"][2]) > 80  # the line rich wrapped
    assert "[Connect call failed" in said["connection refused"][2]
    assert "401 Unauthorized: it takes basic auth" in said["401"][2]
    assert "/[bold]nope/actors answered 404 Not Found" in said["404"][2]  # not read as markup
    assert "/actors is not JSON" in said["bad JSON"][2]
    assert "Invalid IPv6 URL" in said["bad URL"][2]
    assert "basic auth needs both" in said["bad variable"][2]


def test_a_bad_top_flag_is_an_argparse_error_on_stderr() -> None:
    result = run_cli("top", "--interval", "0", "--once")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1].startswith(
        "python -m actorkit top: error: argument --interval: the value must be > 0 seconds"
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "the URL is not valid (Invalid IPv6 URL): pass one such as"),
        ("http://127.0.0.1:99999", "the URL is not valid (Port out of range 0-65535)"),
        ("http://127.0.0.1:port", "the URL is not valid (Port could not be cast"),
        ("http://", "http:// names no host: pass one such as"),
        ("http://a b:9464", "'http://a b:9464' holds spaces or control characters"),
        ("http://a\nb:9464", "'http://a\\nb:9464' holds spaces or control characters"),
        ("http://127.0.0.1:1/?x=1", "http://127.0.0.1:1/?x=1 has a query or fragment: pass one"),
        ("http://127.0.0.1:1/#tree", "http://127.0.0.1:1/#tree has a query or fragment: pass one"),
    ],
)
async def test_top_says_what_is_wrong_with_a_url(
    url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10):
        assert await top(url, 1.0, True) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("top: ") and says in err and err.count("\n") == 1


async def test_top_says_how_long_it_waited_for_an_endpoint_that_does_not_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiohttp import web

    from actorkit import _top

    async def hang(request: web.Request) -> web.Response:
        await answer.wait()
        return web.Response(text="too late")

    answer = asyncio.Event()
    app = web.Application()
    app.router.add_get("/actors", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    monkeypatch.setattr(_top, "TIMEOUT", 0.2)
    try:
        async with asyncio.timeout(10):
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            assert await _top.top(url, 1.0, True) == 1
    finally:
        answer.set()
        await runner.cleanup()
    assert capsys.readouterr().err == f"top: cannot read {url}: no answer within 0.2 s\n"


async def test_top_shows_names_with_brackets_as_written() -> None:
    async def receive(self: Actor, message: Any) -> Any:
        return message

    async with asyncio.timeout(10), ActorSystem("sys[bold]") as system:
        await system.spawn(type("Plain", (Actor,), {"receive": receive}), name="[red]job[7]")
        await system.spawn(type("Gen[/]", (Actor,), {"receive": receive}), name="queue[bold]")
        frame = Snapshot(actor_tree(system), "", 0.0)
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(render(frame, None))
    shown = console.export_text()
    for written in ("sys[bold]", "[red]job[7]", "Plain", "queue[bold]", "Gen[/]"):
        assert written in shown


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("metrics", [False, True])
async def test_top_shows_what_metrics_do_not_export_as_unknown_not_zero(metrics: bool) -> None:
    from prometheus_client import generate_latest

    async with asyncio.timeout(10), ActorSystem("counted", metrics=metrics) as system:
        echo = await system.spawn(Echo, name="echo")
        for n in range(10):
            await echo.ask(n)
        exported = generate_latest(system.metrics.registry).decode() if metrics else ""
        frame = Snapshot(actor_tree(system), exported, 0.0)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(render(frame, None))
    header, *table = console.export_text().splitlines()
    assert "actors 1 " in header  # /actors' total, with or without metrics
    if metrics:
        assert "processed 10 " in header and "dead letters 0 " in header
    else:
        for unknown in ("processed —", "restarts —", "dead letters —", "mean loop lag —"):
            assert unknown in header
    [row] = [line for line in table if "echo" in line]
    assert row.split("│")[5].strip() == "10"  # its own processed count, from /actors


NOT_ACTORKIT = [
    ("[1, 2]", "up 1\n"),
    ('{"actors": []}', "up 1\n"),
    ('{"actors": [{"path": "/a"}]}', "up 1\n"),
    ('{"actors": [{"path": "/a", "children": null}]}', "up 1\n"),
    ("{broken", "up 1\n"),
    ('{"system": "s", "healthy": true, "actors": []}', "garbage{{{ 1 2 3\n"),
]


@pytest.mark.parametrize(("actors", "metrics"), NOT_ACTORKIT)
async def test_top_against_another_server_fails_clearly(
    actors: str, metrics: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiohttp import web

    from actorkit._top import top

    async def answer_actors(request: web.Request) -> web.Response:
        return web.Response(text=actors, content_type="application/json")

    async def answer_metrics(request: web.Request) -> web.Response:
        return web.Response(text=metrics)

    app = web.Application()
    app.router.add_get("/actors", answer_actors)
    app.router.add_get("/metrics", answer_metrics)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        async with asyncio.timeout(10):
            await site.start()
            code = await top(f"http://127.0.0.1:{runner.addresses[0][1]}", 1.0, True)
    finally:
        await runner.cleanup()
    assert code == 1
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["localhost:9464", "ftp://127.0.0.1:9464"])
async def test_top_says_what_url_to_pass(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10):
        assert await top(url, 1.0, True) == 1
    assert "pass one such as http://127.0.0.1:9464" in capsys.readouterr().err


async def test_top_sends_the_bearer_token_from_the_environment_and_never_shows_it() -> None:
    async with ActorSystem("guarded") as system:
        server = await system.serve_http(port=0, auth="s3cret-token")
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", server.url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"COLUMNS": "120", "PATH": "", "ACTORKIT_HTTP_TOKEN": "s3cret-token"},
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await top.communicate()
    assert top.returncode == 0, err.decode()
    assert "guarded" in out.decode()
    assert b"s3cret" not in out + err


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (None, "401 Unauthorized: set ACTORKIT_HTTP_TOKEN to the token it is served with"),
        ("  ", "401 Unauthorized: set ACTORKIT_HTTP_TOKEN"),  # an empty variable is none
        ("wrong-token", "401 Unauthorized: it refused the bearer token in ACTORKIT_HTTP_TOKEN"),
        ("two\nlines", "ACTORKIT_HTTP_TOKEN must be one line of printable text"),
    ],
)
async def test_top_says_what_an_endpoint_that_wants_a_token_needs(
    token: str | None, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("guarded") as system:
        server = await system.serve_http(port=0, auth="s3cret-token")
        assert await top(server.url, 1.0, True, token=token) == 1
    shown = capsys.readouterr().err
    assert says in shown
    assert "wrong" not in shown and "lines" not in shown


async def test_top_sends_basic_auth_from_the_environment_and_never_shows_it() -> None:
    async with ActorSystem("fenced") as system:
        server = await system.serve_http(port=0, auth=("watcher", "pa55 word"))
        env = {"ACTORKIT_HTTP_USER": "watcher", "ACTORKIT_HTTP_PASSWORD": "pa55 word"}
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "top", server.url, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"COLUMNS": "120", "PATH": "", **env},
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await top.communicate()
    assert top.returncode == 0, err.decode()
    assert "fenced" in out.decode()
    assert b"pa55" not in out + err


USER, PASSWORD = "ACTORKIT_HTTP_USER", "ACTORKIT_HTTP_PASSWORD"


@pytest.mark.parametrize(
    ("url", "given", "says"),
    [
        ("", {}, f"401 Unauthorized: it takes basic auth: set {USER} and {PASSWORD}"),
        ("", {"token": "s3cret"}, f"it takes basic auth: set {USER} and {PASSWORD}"),
        ("", {"user": "watcher", "password": "s3cret"}, "it refused the user and password in"),
        ("", {"user": "watcher"}, f"basic auth needs both {USER} and {PASSWORD}"),
        ("", {"user": "watcher", "password": "pw", "token": "t"}, "not both: an endpoint takes"),
        ("", {"user": "wat:cher", "password": "s3cret"}, f"{USER} must not contain ':'"),
        ("", {"user": "watcher", "password": "s3\ncret"}, f"{PASSWORD} must be one line"),
        ("watcher:s3cret@", {}, f"put the user and password in {USER} and {PASSWORD}, not in"),
    ],
)
async def test_top_says_what_an_endpoint_with_basic_auth_needs(
    url: str, given: dict[str, str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from actorkit._top import top

    async with asyncio.timeout(10), ActorSystem("fenced") as system:
        server = await system.serve_http(port=0, auth=("watcher", "pa55"))
        address = server.url.replace("http://", f"http://{url}")
        assert await top(address, 1.0, True, **given) == 1
    shown = capsys.readouterr().err
    assert says in shown
    assert "s3" not in shown and "cher" not in shown


async def test_top_shows_no_negative_rate_for_an_actor_replaced_at_its_path() -> None:
    """A stopped actor and a new one of the same name share a path, not a count: the new
    one's lower `processed` is no negative rate; it has no rate yet, as an actor at a path
    not seen before."""
    async with asyncio.timeout(10), ActorSystem("replaced") as system:
        echo = await system.spawn(Echo, name="echo")
        for n in range(10):
            await echo.ask(n)
        before = Snapshot(actor_tree(system), "", 0.0)
        await echo.stop()
        await (await system.spawn(Echo, name="echo")).ask(0)
        now = Snapshot(actor_tree(system), "", 1.0)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(render(now, before))
    [row] = [line for line in console.export_text().splitlines() if "echo" in line]
    assert row.split("│")[6].strip() == ""  # msgs/s
