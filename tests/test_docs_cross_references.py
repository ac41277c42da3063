"""The README's and docs' pointers lead somewhere: a newcomer who follows a link, a file path,
a section number or an install line finds what it names. A reference that dangles costs the
reader more than no reference, since they go looking for a page that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ALL_DOCS = [*DOCS, ROOT / "CHANGELOG.md", ROOT / "tests" / "chaos" / "README.md"]


def ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


def anchors(doc: Path) -> set[str]:
    """GitHub's anchor for each heading: lower case, punctuation dropped, spaces to dashes."""
    found = set()
    for heading in re.findall(r"^#+\s+(.*)$", doc.read_text(), re.M):
        found.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return found


@pytest.mark.parametrize("doc", ALL_DOCS, ids=ids(ALL_DOCS))
def test_every_relative_link_reaches_its_file_and_heading(doc: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_every_section_number_names_a_section_of_the_api_page(doc: Path) -> None:
    """`§N` always means docs/api.md's numbered sections: the only numbered page there is."""
    sections = set(re.findall(r"^## (\d+)\. ", (ROOT / "docs" / "api.md").read_text(), re.M))
    cited = set(re.findall(r"§(\d+)", doc.read_text()))
    assert cited - sections == set()


@pytest.mark.parametrize("doc", DOCS, ids=ids(DOCS))
def test_every_repository_path_in_backticks_exists(doc: Path) -> None:
    where = r"`((?:tests|benchmarks|examples|actorkit|docs)/[\w./*{},\-]+)"
    found = re.findall(where, doc.read_text())
    missing = [p for p in found for one in expand(p) if not list(ROOT.glob(one.rstrip(".")))]
    assert missing == []


def expand(path: str) -> list[str]:
    """`a_{x,y}.py` as the shell reads it: `a_x.py` and `a_y.py`."""
    braces = re.search(r"\{([^}]*)\}", path)
    if braces is None:
        return [path]
    head, tail = path[: braces.start()], path[braces.end() :]
    return [one for part in braces.group(1).split(",") for one in expand(head + part + tail)]


@pytest.mark.parametrize(
    ("doc", "extra"),
    [("docs/distributed.md", "nats"), ("docs/persistence.md", "persistence")],
)
def test_each_optional_extra_is_named_on_the_page_of_what_needs_it(doc: str, extra: str) -> None:
    """`pip install actorkit` leaves out what `actorkit.nats` and `actorkit.persistence` import
    (nats-py, msgspec, aiosqlite, asyncpg): the page a reader starts from says which extra."""
    assert f"pip install 'actorkit[{extra}]'" in (ROOT / doc).read_text()
