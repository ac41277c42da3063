"""The commands that run until stopped end cleanly however they are stopped: `top` on SIGTERM
as on Ctrl-C, `demo` when the reader of its output goes away (`| head`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from actorkit import Actor, ActorSystem
from actorkit._demo import Driver
from actorkit.testing import ManualClock

from .cli_support import ONE_ACTOR, top_until, watched


async def test_top_ends_on_sigterm_as_on_ctrl_c_with_its_last_frame_and_status_0() -> None:
    """A killed `top` would leave a terminal with its cursor hidden, as rich's live view
    hides it (`test_cli_top_batch` runs it on a terminal). Its polls are counted so that the
    signal comes while it watches."""
    async with watched(ONE_ACTOR) as (url, watching):
        status, out, err = await top_until(url, watching)
    assert (status, err) == (0, b"")
    assert b"watched" in out and b"One" in out  # its frames, printed one after another


def test_demo_whose_reader_goes_away_stops_cleanly() -> None:
    """`demo | head -1`: once head has its line, the demo's next print finds the pipe
    closed; it stops as on Ctrl-C, without a traceback."""
    with tempfile.TemporaryFile() as errors:
        demo = subprocess.Popen(
            [sys.executable, "-m", "actorkit", "demo", "--no-http"],
            stdout=subprocess.PIPE, stderr=errors,
        )  # fmt: skip
        try:
            assert demo.stdout is not None
            first = demo.stdout.readline()
            demo.stdout.close()  # what head does once it has its line
            status = demo.wait(timeout=30)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
        errors.seek(0)
        said = errors.read().decode()
    assert first.startswith(b"actorkit demo running")
    assert "Traceback" not in said
    assert status == 0, said


def test_demo_whose_reader_is_gone_before_its_first_line_exits_0() -> None:
    """`demo | true`: the reader may be gone before the metrics line, printed while the
    system starts, as well as later; the demo then shuts the system down as on Ctrl-C."""
    read, write = os.pipe()
    os.close(read)
    try:
        demo = subprocess.run(
            [sys.executable, "-m", "actorkit", "demo", "--duration", "30", "--port", "0"],
            stdout=write, stderr=subprocess.PIPE, timeout=30, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    said = demo.stderr.decode()
    assert "Traceback" not in said
    assert demo.returncode == 0, said


class Gate(Actor):
    """Spawned after the driver, so stopped before it: its `on_stop` runs once the shutdown
    has begun and submits are refused, while the driver still runs."""

    outcome: object = "not stopped"

    async def on_stop(self) -> None:
        driver = self.system.lookup("/driver")
        assert driver is not None
        try:
            Gate.outcome = await driver.ask("tick", timeout=5.0)
        except Exception as error:  # what the driver's tick raised
            Gate.outcome = error


async def test_a_demo_tick_during_the_shutdown_is_no_failure() -> None:
    """The demo printed an ERROR crash report of its driver at most clean stops: a tick that
    met the shutdown failed on its refused submit (`ActorStopped`)."""
    Gate.outcome = "not stopped"
    async with ActorSystem("demo", clock=ManualClock()) as system:
        await system.spawn(Driver, name="driver")
        await system.spawn(Gate, name="gate")
    assert Gate.outcome is None
