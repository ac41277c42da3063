"""A real PostgreSQL server for the tests: a cluster in a temporary directory, on a loopback
port held for it, run as an unprivileged user (postgres refuses to run as root), removed
afterwards.

Durability is PostgreSQL's default (fsync on); only `initdb` skips syncing the files of a
cluster that is thrown away anyway. Without the server binaries the tests that need it fail
with the package to install: CI installs Debian's `postgresql`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.processes import HeldPort

INSTALL = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's `postgresql` "
    "package (apt-get install postgresql); .ci/run does"
)

SPARE = 32
"""Empty schemas `fresh()` makes at a time."""


def bindir() -> Path:
    """Where initdb and pg_ctl live; RuntimeError saying what to install when nowhere."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=30)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if directory and all(Path(directory, tool).is_file() for tool in ("initdb", "pg_ctl")):
            return Path(directory)
    raise RuntimeError(INSTALL)


def _unprivileged() -> str | None:
    """The user to run the server as when we are root (None when we are not)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL")


class PostgresServer:
    """Start with `start()`, stop with `stop()` (start again keeps the data), `remove()` at the
    end. `dsn(database)` for clients; `fresh()` gives each test its own schema."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.user = _unprivileged()
        self.root = Path(tempfile.mkdtemp(prefix="actorkit-pg-"))
        self.data = self.root / "data"
        self._port = HeldPort(shared=True)  # until remove(): a restart finds it free
        self.port = self._port.port
        self._spare: list[str] = []
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def _run(self, tool: str, *args: str) -> str:
        command = [str(self.bin / tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=60, cwd=self.root, check=False
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}{tail}")
        return done.stdout

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c shared_buffers=16MB -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # it was stopped already
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self._port.release()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Every process of the server stopped (SIGSTOP) and continued on exit: its sockets
        stay open and nothing answers, as with a server that hangs (a frozen VM, a stuck
        disk). The postmaster stops first, so it forks no process that would be missed."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGSTOP)
        stopped = [postmaster]
        try:
            for child in _children(postmaster):
                os.kill(child, signal.SIGSTOP)
                stopped.append(child)
            yield
        finally:
            for pid in reversed(stopped):  # the postmaster last: until then it reaps no child
                os.kill(pid, signal.SIGCONT)

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def fresh(self) -> str:
        """The DSN of a new, empty schema (a test's own tables, much faster than a database).
        Schemas are made `SPARE` at a time: each `psql` costs about 20 ms, a test's own
        schema about a millisecond of that."""
        if not self._spare:
            self._spare = ["t" + uuid.uuid4().hex[:16] for _ in range(SPARE)]
            self.psql("; ".join(f"CREATE SCHEMA {name}" for name in self._spare))
        return f"{self.dsn()}?options=-csearch_path%3D{self._spare.pop()}"

    def psql(self, command: str, dsn: str | None = None) -> str:
        return self._run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                         "-d", dsn or self.dsn(), "-c", command)  # fmt: skip


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:  # it ended meanwhile
            continue
        if stat and int(stat.rpartition(")")[2].split()[1]) == parent:
            found.append(int(entry.name))
    return found
