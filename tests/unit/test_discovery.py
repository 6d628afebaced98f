"""Compose's file discovery, as dockhand follows it for a project that does
not name its files (held against Compose itself in
tests/integration/test_compose_discovery.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand import discovery
from dockhand.config import settings
from dockhand.errors import DockhandError


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("services: {}\n")


def test_the_first_name_wins_and_its_override_is_merged(tmp_path: Path) -> None:
    touch(tmp_path, "docker-compose.yml", "compose.yaml", "docker-compose.override.yml")
    files, source = discovery.compose_files(tmp_path, {})
    assert files == (
        tmp_path / "compose.yaml",
        tmp_path / "docker-compose.override.yml",
    )
    assert source == "Compose's discovery"


def test_parent_folders_are_searched(tmp_path: Path) -> None:
    touch(tmp_path, "compose.yml")
    files, _ = discovery.compose_files(tmp_path / "a" / "b", {})
    assert files == (tmp_path / "compose.yml",)


def test_compose_file_lists_them_with_its_separator(tmp_path: Path) -> None:
    files, source = discovery.compose_files(
        tmp_path, {"COMPOSE_FILE": "a.yaml;b.yaml", "COMPOSE_PATH_SEPARATOR": ";"}
    )
    assert (files, source) == (
        (tmp_path / "a.yaml", tmp_path / "b.yaml"),
        "COMPOSE_FILE",
    )


def test_the_folder_name_as_compose_normalises_it() -> None:
    assert discovery.folder_name(Path("/x/My Shop.v2")) == "myshopv2"
    assert discovery.folder_name(Path("/x/_tmp-1")) == "tmp-1"


def test_settings_say_whether_project_and_files_were_given(tmp_path: Path) -> None:
    bare = settings.load({"root": str(tmp_path)})
    assert (bare.project_given, bare.files_given) == (False, False)
    given = settings.load(
        {"root": str(tmp_path), "project": "shop", "compose_files": ["c.yaml"]}
    )
    assert (given.project_given, given.files_given) == (True, True)


def test_an_env_file_that_is_not_utf8_is_named_not_a_crash(tmp_path: Path) -> None:
    """The variables Compose would see, read for a project without a name."""
    (tmp_path / ".env").write_bytes(b"COMPOSE_PROJECT_NAME=caf\xe9\n")
    bare = settings.load({"root": str(tmp_path)})
    for reading in (discovery._variables, discovery._marker):
        with pytest.raises(DockhandError, match=r"\.env, line 1: byte 0xE9 is not"):
            reading(bare)
