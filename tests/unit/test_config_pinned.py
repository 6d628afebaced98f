"""Which dockhand a project pins: each file's form read, ranges and other
packages ignored, the first file in order wins, versions compared as
versions, and the hint names the way to run the pinned one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.config.pinned import (
    Pin,
    candidates,
    find,
    hint,
    read_pin,
    same_version,
    warning,
)

UV_LOCK = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "docker"
version = "7.1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "dockhand-compose"
version = "0.1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "docker" },
]
"""
POETRY_LOCK = """\
[[package]]
name = "dockhand-compose"
version = "0.1.1"
description = "A developer command line for Docker Compose projects"
optional = false
"""
PYPROJECT = """\
[project]
name = "shop"
dependencies = [
    "requests>=2",
    'dockhand-compose[extra] == 0.1.2 ; python_version >= "3.10"',  # the tool
]
"""


@pytest.mark.parametrize(
    ("name", "text", "version"),
    [
        ("uv.lock", UV_LOCK, "0.1.0"),
        ("poetry.lock", POETRY_LOCK, "0.1.1"),
        ("pylock.toml", '[[packages]]\nname = "dockhand-compose"\nversion = "0.4"\n', "0.4"),
        ("pyproject.toml", PYPROJECT, "0.1.2"),
        ("requirements.txt", "dockhand-compose==0.1.3\n", "0.1.3"),
        ("requirements.txt", "Dockhand_Compose===0.1.3\n", "0.1.3"),
        ("requirements-dev.txt", "requests==2.0  # http\ndockhand.compose==1.0 \\\n    --hash=sha256:ab\n", "1.0"),
        ("requirements.txt", "dockhand-compose[x]==0.5;python_version>'3' # ok\n", "0.5"),
        # the project itself in its own lock: editable, no version
        ("uv.lock", '[[package]]\nname = "dockhand-compose"\nsource = { editable = "." }\n', None),
        ("requirements.txt", "dockhand-compose>=0.1,<0.3\n", None),
        ("requirements.txt", "dockhand-compose==0.2.*\n", None),
        ("requirements.txt", "dockhand-compose @ git+https://example.org/d.git\n", None),
        ("requirements.txt", "# dockhand-compose==0.1.0\n", None),
        ("requirements.txt", "dockhand==1.0\ndockhand-compose-extra==1.0\n", None),
        ("pyproject.toml", '[project]\nname = "dockhand-compose"\nversion = "9"\n', None),
        ("uv.lock", '[[package]]\nname = "dockhand"\nversion = "1.0"\n', None),
    ],
)  # fmt: skip
def test_each_form_is_read(name: str, text: str, version: str | None) -> None:
    assert read_pin(name, text) == version


def test_the_files_are_read_locks_first_requirements_by_name_pyproject_last() -> None:
    listing = [
        "pyproject.toml", "requirements-test.txt", "requirements.txt", "poetry.lock",
        "uv.lock", "requirements_base.txt", "compose.yaml", "requirements.in",
        "pylock.toml", "requirements", "README.md",
    ]  # fmt: skip
    assert candidates(listing) == [
        "uv.lock", "pylock.toml", "poetry.lock", "requirements.txt",
        "requirements-test.txt", "requirements_base.txt", "pyproject.toml",
    ]  # fmt: skip
    assert candidates(["compose.yaml", ".env"]) == []


def test_the_first_file_that_pins_wins(tmp_path: Path) -> None:
    assert find(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert find(tmp_path) == Pin("0.1.2", "pyproject.toml")
    (tmp_path / "requirements-dev.txt").write_text("pytest==8\n")  # pins no dockhand
    assert find(tmp_path) == Pin("0.1.2", "pyproject.toml")
    (tmp_path / "requirements.txt").write_text("dockhand-compose==0.1.3\n")
    assert find(tmp_path) == Pin("0.1.3", "requirements.txt")
    (tmp_path / "uv.lock").write_text(UV_LOCK)
    assert find(tmp_path) == Pin("0.1.0", "uv.lock")


def test_a_folder_or_file_that_cannot_be_read_is_no_pin(tmp_path: Path) -> None:
    assert find(tmp_path / "missing") is None
    (tmp_path / "uv.lock").mkdir()  # listed, but not a file
    assert find(tmp_path) is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("0.2.0", "0.2.0", True),
        ("0.2", "0.2.0", True),
        ("v0.2.0", "0.2", True),
        ("0.10.0", "0.1.0", False),
        ("0.2.0", "0.2.1", False),
        ("0", "0.0", True),
        ("0.2.0rc1", "0.2.0RC1", True),
        ("0.2.0rc1", "0.2.0", False),
    ],
)
def test_versions_compare_as_versions(a: str, b: str, same: bool) -> None:
    assert same_version(a, b) is same


@pytest.mark.parametrize(
    ("file", "program", "venv", "expected"),
    [
        ("uv.lock", "dockhand", False, "`uv run dockhand logs web --tail 1` runs the project's own"),
        ("uv.lock", "inv", True, "`uv run inv logs web --tail 1` runs the project's own"),
        ("poetry.lock", "inv", False, "`poetry run inv logs web --tail 1` runs the project's own"),
        ("requirements.txt", "dockhand", True, "`.venv/bin/dockhand logs web --tail 1` runs the project's own"),
        ("requirements.txt", "dockhand", False, "`uv tool install dockhand-compose==0.1.0` puts that one on PATH"),
        ("pyproject.toml", "inv", False, "install dockhand-compose==0.1.0 where this `inv` runs"),
    ],
)  # fmt: skip
def test_the_hint_names_the_way_to_the_pinned_one(
    file: str, program: str, venv: bool, expected: str
) -> None:
    args = ["logs", "web", "--tail", "1"]
    assert hint(Pin("0.1.0", file), program, args, venv) == expected


def test_the_warning_is_one_line_naming_both() -> None:
    text = warning(Pin("0.1.0", "uv.lock"), "0.2.0", Path("/opt/d"), "do this")
    assert text == (
        "this project pins dockhand-compose 0.1.0 (uv.lock); "
        "running 0.2.0 from /opt/d: do this"
    )
    assert "\n" not in text
