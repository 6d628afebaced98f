"""`inv version`: every part named, and a part that cannot be asked says why
instead of failing the report."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import invoke
import pytest

import dockhand
from dockhand._version import DISTRIBUTION, __version__
from dockhand.commands import version
from dockhand.config.settings import load
from dockhand.session import Session
from helpers import FakeRunner


def session(tmp_path: Path, reply: tuple[int, str, str]) -> Session:
    return Session(
        load({"root": str(tmp_path), "project": "shop"}),
        FakeRunner(reply=lambda argv: reply),
    )


def test_the_json_names_each_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    version.version(session(tmp_path, (0, "5.6.1\n", "")), as_json=True)
    rows = json.loads(capsys.readouterr().out)
    assert rows["dockhand"] == f"{DISTRIBUTION} {__version__}"
    here = Path(dockhand.__file__).resolve().parent
    assert rows["from"] == f"{here} (run by {sys.executable})"
    assert rows["python"].endswith(platform.python_version())
    assert rows["invoke"] == invoke.__version__
    assert rows["compose"] == "docker compose 5.6.1"
    assert rows["engine"].startswith("not reachable")


def test_a_missing_compose_is_a_row_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    version.version(session(tmp_path, (127, "", "not found")))
    out = capsys.readouterr().out
    assert "compose   not available: Docker Compose was not found" in out
    assert out.splitlines()[0] == f"dockhand  {DISTRIBUTION} {__version__}"


@pytest.mark.parametrize(
    ("pinned", "row"),
    [
        (None, None),
        (__version__, f"{DISTRIBUTION} {__version__} (requirements.txt)"),
        ("0.0.1", f"{DISTRIBUTION} 0.0.1 (requirements.txt, not this one)"),
    ],
)
def test_the_pinned_version_is_a_row_when_the_project_pins_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pinned: str | None,
    row: str | None,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    if pinned:
        (tmp_path / "requirements.txt").write_text(f"{DISTRIBUTION}=={pinned}\n")
    version.version(session(tmp_path, (0, "5.6.1\n", "")), as_json=True)
    rows = json.loads(capsys.readouterr().out)
    assert rows.get("pinned") == row
    assert list(rows)[:2] == ["dockhand", "from"]
