"""Every example runs, so none of them rots."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .nats_support import NatsServer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def run_main(name: str) -> Any:
    return await load(name).main()


async def test_hello(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_main("hello") == ["Ada", "Grace"]
    assert "Hello, Grace!" in capsys.readouterr().out


async def test_supervision(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_main("supervision") == 2
    assert "parsed since the restart: 2 restarts: 1\n" in capsys.readouterr().out
    assert any("supervisor decided: restart" in r.getMessage() for r in caplog.records)


def test_supervision_run_as_a_script_shows_its_crash_report() -> None:
    """The crash it heals is the example's point: run as the README says, the reader sees the
    report on stderr, though the `actorkit` logger has only a `NullHandler` of its own."""
    script = str(EXAMPLES / "supervision.py")
    result = subprocess.run(
        [sys.executable, script], capture_output=True, text=True, timeout=30, check=True
    )
    assert "parsed since the restart: 2 restarts: 1" in result.stdout
    assert "supervisor decided: restart" in result.stderr


async def test_pubsub_chat() -> None:
    result = await run_main("pubsub_chat")
    assert result["ada"] == ["[general] bob: hi ada"]
    assert result["bob"] == ["[general] ada: hello all"]
    assert result["moderator"] == 4


async def test_web_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_main("web_app") == [1, 2, 1]
    assert 'actorkit_asks_total{actor_type="Visits",outcome="ok"} 3.0' in capsys.readouterr().out


async def test_agents() -> None:
    result = await run_main("agents")
    assert result["translations"] == ["bonjour", "thank you", "merci", "hello"]
    assert result["render_order"] == [0, 2, 1]
    assert result["retried"] >= 1
    assert result["by_status"]["succeeded"] == 7


async def test_bank_balances_survive_a_restart(tmp_path: Path) -> None:
    database = str(tmp_path / "bank.db")
    assert await load("bank").main(database) == {"alice": 70, "bob": 30}
    assert await load("bank").main(database) == {"alice": 140, "bob": 60}


async def test_cluster_over_nats(server: NatsServer) -> None:
    result = await load("cluster").main(server.url)
    assert result["left"] == {"apple": 7}  # the refused reservation resumed, not restarted
    assert set(result["packed_by"]) <= {"shop", "warehouse"}  # NATS places each at random
    assert result["audited"] == 7
