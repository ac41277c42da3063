"""docs/architecture.md's layer diagram is the import-linter contract in pyproject.toml,
drawn: each module the contract layers is in the diagram, at its layer, so a module added
to the contract (as `lint-imports` requires, the contract being exhaustive) is drawn too."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contract() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = (c["layers"] for c in config["tool"]["importlinter"]["contracts"] if "layers" in c)
    return [{m.strip() for m in re.split(r"[:|]", layer)} for layer in layers]


def _diagram() -> list[set[str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    drawn = text[text.index("public API") :]
    drawn = drawn[: drawn.index("```")]
    layers: list[set[str]] = []
    for line in drawn.splitlines():
        if line.strip() in ("", "│"):
            continue
        if not line.startswith(" "):
            layers.append(set())
            line = line.split(None, 1)[1] if line.startswith("public API") else line
            line = re.sub(r"^\w+\s", "", line)
        names = re.sub(r"\([^)]*\)", "", line).replace(",", " ").split()
        layers[-1] |= {name.rstrip("/").removesuffix(" (__init__)") for name in names}
    return layers


def test_the_layer_diagram_draws_each_layered_module_at_its_layer() -> None:
    contract, diagram = _contract(), _diagram()
    assert len(diagram) == len(contract)
    for depth, (modules, drawn) in enumerate(zip(contract, diagram, strict=True)):
        assert modules - drawn == set(), f"layer {depth}"


def test_the_receive_loop_is_as_long_as_the_page_says() -> None:
    """The page tells why `_receive.run` stays one long function and gives its length: a
    length that no longer holds misleads whoever weighs splitting it."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    said = int(re.search(r"`run` is\s+one long function \(about (\d+) lines\)", text)[1])  # type: ignore[index]
    source = (ROOT / "actorkit" / "_receive.py").read_text()
    (run,) = (node for node in ast.parse(source).body if getattr(node, "name", None) == "run")
    assert run.end_lineno is not None
    length = run.end_lineno - run.lineno + 1
    assert abs(length - said) <= said // 10, f"run is {length} lines, the page says about {said}"
