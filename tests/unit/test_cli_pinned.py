"""The pin warning: said once a process, on stderr, only when the pinned
version is not the running one, never while the shell completes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand import __version__, namespace
from dockhand.cli import pinned
from dockhand.ui import console


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pinned, "_looked", False)
    monkeypatch.setattr(console, "program", "dockhand")


def pin(folder: Path, version: str) -> Path:
    (folder / "requirements.txt").write_text(f"dockhand-compose=={version}\n")
    return folder


def test_another_version_is_said_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pin(tmp_path, "0.0.1")
    pinned.warn_once(tmp_path, ["dockhand", "ps"])
    pinned.warn_once(tmp_path, ["dockhand", "ps"])
    namespace(tmp_path)  # what `inv` and a project's tasks.py call
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "warning: this project pins dockhand-compose 0.0.1 (requirements.txt); "
        f"running {__version__} from {Path(pinned.__file__).resolve().parents[1]}: "
        "`uv tool install dockhand-compose==0.0.1` puts that one on PATH"
    ]


def test_namespace_says_it_for_inv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "program", "inv")
    (tmp_path / "uv.lock").write_text(
        '[[package]]\nname = "dockhand-compose"\nversion = "0.0.1"\n'
    )
    monkeypatch.setattr("sys.argv", ["/venv/bin/inv", "up"])
    namespace(tmp_path)
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("`uv run inv up` runs the project's own"), line


@pytest.mark.parametrize("version", [__version__, f"v{__version__}"])
def test_the_running_version_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    pinned.warn_once(pin(tmp_path, version), ["dockhand", "ps"])
    assert capsys.readouterr().err == ""


def test_no_pin_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    pinned.warn_once(tmp_path, ["dockhand", "ps"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("flag", ["--complete", "--print-completion-script"])
def test_completion_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    pinned.warn_once(pin(tmp_path, "0.0.1"), ["dockhand", flag, "--", "dockhand"])
    assert capsys.readouterr().err == ""
