"""`pip install actorkit` leaves out what `actorkit.nats` and `actorkit.persistence` need: their
import says which extra to install, as `demo --nats` does, rather than naming a module the
reader never asked for."""

from __future__ import annotations

import subprocess
import sys

import pytest

HIDE_AND_IMPORT = """
import sys
sys.modules[{hidden!r}] = None  # as if the extra were not installed
import actorkit
try:
    import {module}
except ModuleNotFoundError as error:
    print(error.name)
    print(error)
"""


@pytest.mark.parametrize(
    ("module", "hidden", "extra"),
    [
        ("actorkit.persistence", "msgspec", "persistence"),
        ("actorkit.nats", "msgspec", "nats"),
        ("actorkit.nats", "nats", "nats"),
    ],
)
def test_an_optional_part_without_its_extra_names_the_install_line(
    module: str, hidden: str, extra: str
) -> None:
    code = HIDE_AND_IMPORT.format(hidden=hidden, module=module)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    name, message = result.stdout.splitlines()
    assert (
        name == hidden.partition(".")[0]
    )  # still a ModuleNotFoundError about that module, for code that checks
    assert f"{module} needs the {extra} extra ({hidden} is missing)" in message
    assert f"pip install 'actorkit[{extra}]'" in message
