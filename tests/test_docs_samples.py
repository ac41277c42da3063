"""The README's and docs' code samples run as printed. A sample that leaves names to the
reader (a `Database` actor, a `Deposit` message, the `system` it runs in) gets them from a
prelude written here; the sample's own text is never edited, except a fixed metrics port
turned into `port=0` so that the test cannot collide with anything listening, and a NATS
server's address turned into that of the server the tests start. Samples that
register message types run in a process of their own: their names (`bank.Deposited`) are
those `examples/bank.py` registers in this one. The README's first example and its testing
example are run by `test_readme.py`."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from actorkit import ActorSystem, OneForOne
from actorkit.testing import accepting

from .nats_support import NatsServer, requires_nats

ROOT = Path(__file__).resolve().parent.parent

IMPORTS = """\
import asyncio
from dataclasses import dataclass

import actorkit
from actorkit import *
from actorkit.persistence import *
"""

ACTORS = """\
class Database(Actor):
    async def receive(self, message: object) -> object:
        return message

class Cache(Database):
    pass

class Worker(Actor):
    def __init__(self, arg: str) -> None:
        self.arg = arg

    async def receive(self, message: object) -> object:
        return (self.arg, message)

class Counter(Actor):
    def __init__(self) -> None:
        self.count = 0

    async def receive(self, message: object) -> object:
        if message == "get":
            return self.count
        self.count += 1

def translate(text: str) -> str:
    return text.upper()

job = order = "job"
"""

MESSAGES = """\
@actorkit.message("docs.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int

@dataclass(frozen=True)
class Deposit:
    amount: int

@dataclass(frozen=True)
class Rename:
    name: str

@actorkit.message("docs.SendInvoice")
@dataclass(frozen=True)
class SendInvoice:
    pass

@actorkit.message("docs.Sweep")
@dataclass(frozen=True)
class Sweep:
    pass

class Translator(Actor):
    async def receive(self, message: object) -> object:
        return message.payload if isinstance(message, Task) else None
"""


RUN_MAIN = "\nasyncio.run(main(None))\n"


def sample(doc: str, heading: str, index: int = 0) -> str:
    """The `index`-th python block after `heading` in `doc`."""
    text = (ROOT / doc).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text[text.index(heading) :], re.S)
    return str(blocks[index]).replace("port=9464", "port=0")


def inside(code: str, name: str = "sample") -> str:
    """`code` as the body of `async def name(system)`, returning its locals."""
    body = textwrap.indent(code + "\nreturn locals()\n", "    ")
    return f"async def {name}(system):\n{body}"


async def run_in_system(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_sample"}
    exec(compile(IMPORTS + ACTORS + inside(code), "<sample>", "exec"), namespace)
    async with ActorSystem("docs") as system:
        found: dict[str, Any] = await namespace["sample"](system)
        return found


async def test_readme_supervision_sample_starts_the_tree() -> None:
    code = sample("README.md", "## Supervision")
    code += "alive = [system.lookup(p).is_alive for p in ('/storage/db', '/storage/cache')]\n"
    found = await run_in_system(code)
    assert found["alive"] == [True, True]
    assert isinstance(found["Parent"].supervisor_strategy, OneForOne)


async def test_readme_pool_sample_routes_and_resizes() -> None:
    code = sample("README.md", "## Pools") + "members = len(pool.members)\n"
    found = await run_in_system(code)
    assert found["members"] == found["pool"].size == 8


async def test_readme_tasks_sample_prints_the_result(capsys: pytest.CaptureFixture[str]) -> None:
    await run_in_system(sample("README.md", "## Tasks for agents"))
    assert capsys.readouterr().out == "HELLO succeeded 1\n"


async def test_readme_pubsub_sample_reaches_the_subscriber() -> None:
    code = sample("README.md", "## Pub-sub")
    code += "await system.spawn(Audit)\nreached = system.publish('orders.eu.created', order)\n"
    found = await run_in_system(code)
    assert found["reached"] == 1


async def test_readme_http_sample_serves() -> None:
    found = await run_in_system(sample("README.md", "## Observability"))
    assert found["server"].port > 0


async def test_observability_http_sample_serves_and_closes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = await run_in_system(sample("docs/observability.md", "## HTTP"))
    port = found["server"].port
    assert capsys.readouterr().out == f"http://127.0.0.1:{port} {port}\n"


async def test_readme_threads_sample_hands_calls_to_the_loop() -> None:
    """The lines after its comment run in another thread, as the comment says."""
    code = sample("README.md", "## Threads")
    here, there = code.split("# in the other thread:\n")
    setup = "ref = await system.spawn(Counter)\n" + here
    other = "def other():\n" + textwrap.indent(there + "return reply\n", "    ")
    found = await run_in_system(setup + other + "reply = await asyncio.to_thread(other)\n")
    assert found["reply"] == 1
    assert not found["system"].healthy  # the sample's last line shut the system down


async def test_readme_anyio_lifespan_sample_shuts_down_before_its_scope_is_left() -> None:
    code = "from contextlib import asynccontextmanager\n" + sample("README.md", "**anyio hosts**")
    namespace: dict[str, Any] = {"__name__": "docs_sample"}
    exec(compile(IMPORTS + ACTORS + code, "<sample>", "exec"), namespace)
    app = SimpleNamespace(state=SimpleNamespace())
    async with asyncio.timeout(30):
        with anyio.CancelScope() as scope:
            async with namespace["lifespan"](app):
                ref = await app.state.system.spawn(namespace["Counter"])
                ref.tell("add")
                assert await ref.ask("get") == 1
                scope.cancel()
                await asyncio.Event().wait()
    assert scope.cancelled_caught
    assert not accepting(app.state.system) and not ref.is_alive


def run_script(tmp_path: Path, *args: str) -> str:
    """`python *args` in `tmp_path`, which must exit 0; its stdout."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr  # mypy reports on stdout
    return result.stdout


def run_durable(tmp_path: Path, code: str, then: str = "") -> str:
    """`code` at a module's top level inside `async def main()`, then `then`."""
    main = inside(code + "\n" + then, "main")
    return run_script(tmp_path, "-c", IMPORTS + MESSAGES + main + RUN_MAIN)


def journal(tmp_path: Path, *args: str) -> str:
    return run_script(tmp_path, "-m", "actorkit", "journal", *args)


def test_api_first_sample_runs_its_asserts(tmp_path: Path) -> None:
    run_script(tmp_path, "-c", sample("docs/api.md", "## 1. System and actors"))


def test_api_durable_sample_persists(tmp_path: Path) -> None:
    run_durable(tmp_path, sample("docs/api.md", "## 11. Durable actors"))
    assert "Deposited(amount=5)" in journal(tmp_path, "sqlite:///bank.db", "/acct-42")


def test_readme_durable_sample_recovers_and_the_journal_prints_it(tmp_path: Path) -> None:
    again = """
async with ActorSystem("bank", store=SQLiteStore("bank.db")) as system:
    acct = await system.spawn(Account, name="alice")
    assert await acct.ask(Deposit(5)) == 5
async with ActorSystem("bank", store=SQLiteStore("bank.db")) as system:
    assert await (await system.spawn(Account, name="alice")).ask("balance") == 5
"""
    run_durable(tmp_path, sample("README.md", "## Durable actors"), again)
    assert "bank.Deposited(amount=5)" in journal(tmp_path, "sqlite:///bank.db", "/alice")


def test_persistence_samples_run(tmp_path: Path) -> None:
    """Event sourcing (then the history reader), durable state, reminders, agents' history."""
    doc = "docs/persistence.md"
    account = sample(doc, "## Event sourcing") + (
        "\nasync with ActorSystem('bank', store=SQLiteStore('bank.db')) as system:\n"
        "    assert await (await system.spawn(Account, name='acct-42')).ask(Deposit(5)) == 5\n"
    )
    reader = sample(doc, "## Stores")
    profile = sample(doc, "## Durable state") + (
        "\nasync with ActorSystem('p', store=MemoryStore()) as system:\n"
        "    profile = await system.spawn(Profile)\n"
        "    assert await profile.ask(Rename('ada')) == {'name': 'ada'}\n"
    )
    reminders = (
        "class Owner(EventSourced):\n    def apply(self, event): pass\n"
        "    async def receive(self, message):\n"
        + textwrap.indent(sample(doc, "## Reminders"), "        ")
        + "\n        return True\n"
        "async with ActorSystem('r', store=MemoryStore()) as system:\n"
        "    assert await (await system.spawn(Owner)).ask('go')\n"
    )
    history = sample(doc, "## Agents' state history")
    out = run_durable(tmp_path, "\n".join([account, reader, profile, reminders, history]))
    lines = out.splitlines()
    assert re.fullmatch(r"1 \d+\.\d+ Deposited\(amount=5\)", lines[0]), out
    assert [line.split()[1:] for line in lines[1:]] == [["idle", "None"]], out


NATS_ACTORS = """\
packed = asyncio.Event()

class Stock(Actor):
    async def receive(self, message: object) -> object:
        return message.count

class Packer(Actor):
    async def receive(self, message: object) -> object:
        packed.set()

Cart = Stock
"""


@requires_nats
def test_nats_samples_run_against_a_server(tmp_path: Path, server: NatsServer) -> None:
    """distributed.md's two processes as one (the second inside the first's `...`), then the
    README's shop against the same warehouse."""
    first, second = sample("docs/distributed.md", "# Beyond one process").split("# process 2\n")
    shop = sample("README.md", "## Beyond one process")
    inner = "\n".join(
        [second, shop, "await asyncio.wait_for(packed.wait(), 10.0)", "finished = True"]
    )
    code = first.replace("    ...\n", textwrap.indent(inner, "    ") + "\n")
    code = code.replace("nats://10.0.0.5:4222", server.url) + "\nassert finished\n"
    run_script(tmp_path, "-c", IMPORTS + NATS_ACTORS + inside(code, "main") + RUN_MAIN)
