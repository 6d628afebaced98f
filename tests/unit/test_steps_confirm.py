"""The confirmation before data is destroyed: what goes is shown as named."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.session import Session
from dockhand.steps.confirm import confirm
from helpers import FakeRunner


def test_what_goes_is_shown_as_named_never_as_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database or volume named with brackets: no markup, no backslash."""
    s = Session(
        settings=settings.load({"root": str(tmp_path), "project": "proj"}),
        runner=FakeRunner(),
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    assert confirm(
        s,
        yes=True,
        action="inv db.reset",
        warning="db.reset drops database 'a[b]' and every row in it:",
        items=["database 'a[b]' (8 MB)", "[bold]x"],
        what="reset the database",
    )
    assert capsys.readouterr().err == (
        "warning: db.reset drops database 'a[b]' and every row in it:\n"
        "  database 'a[b]' (8 MB)\n"
        "  [bold]x\n"
    )
