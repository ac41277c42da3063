"""A mutation review of the CLI's changes: the demo's `--help` warns that credentials in a
`--nats` URL show in `ps` (docs/distributed.md), where a user about to paste one reads; `top`
tells a new actor at a path by its restarts alone."""

from __future__ import annotations

import pytest

from actorkit._cli import build_parser

from .test_cli3_top_replaced_actor import _rate, _tree


def test_the_demo_s_help_says_credentials_in_the_nats_url_show_in_ps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["demo", "--help"])
    assert exited.value.code == 0
    said = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal
    assert "credentials in the URL show in ps: use a server that needs none" in said
    assert "docs/distributed.md" in said


def test_a_new_actor_told_apart_by_its_restarts_alone_has_no_rate_yet() -> None:
    """Restarted, never failed itself: a one-for-all sibling's failure restarts it too."""
    assert _rate(_tree(5, 1, 0), _tree(7, 0, 0)) == ""
