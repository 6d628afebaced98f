"""Which env files Compose reads (compose-go's WithEnvFiles, applied twice
by docker/compose's toProjectOptions), as dockhand passes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.docker import compose_env
from dockhand.docker.compose_env import as_argv_order, for_project, read_by_compose
from dockhand.errors import DockhandError


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("A=1\n")
    return path


def test_the_working_folders_env_file_alone_when_the_compose_file_is_beside_it(
    tmp_path: Path,
) -> None:
    env = touch(tmp_path / ".env")
    files = (tmp_path / "compose.yaml",)
    assert read_by_compose(tmp_path, files, {}, tmp_path) == (env,)


def test_the_compose_files_folder_adds_its_own_the_working_folders_winning(
    tmp_path: Path,
) -> None:
    """The issue's layout: COMPOSE_FILE in ./.env, IMAGE_TAG in development/.env."""
    outer = touch(tmp_path / ".env")
    inner = touch(tmp_path / "development" / ".env")
    files = (tmp_path / "development" / "compose.yaml",)
    read = read_by_compose(tmp_path, files, {}, tmp_path)
    assert read == (outer, inner)
    assert as_argv_order(read) == (inner, outer)  # with --env-file the last wins


def test_a_compose_file_in_a_parent_folder_brings_its_env_file(tmp_path: Path) -> None:
    parent = touch(tmp_path / ".env")
    below = tmp_path / "app"
    below.mkdir()
    files = (tmp_path / "compose.yaml",)
    assert read_by_compose(below, files, {}, below) == (parent,)
    own = touch(below / ".env")
    assert read_by_compose(below, files, {}, below) == (own, parent)


def test_compose_env_files_replaces_both_relative_to_the_working_folder(
    tmp_path: Path,
) -> None:
    touch(tmp_path / ".env")
    touch(tmp_path / "development" / ".env")
    files = (tmp_path / "development" / "compose.yaml",)
    environ = {"COMPOSE_ENV_FILES": "a.env,,/abs/b.env"}
    read = read_by_compose(tmp_path, files, environ, tmp_path)
    assert read == (Path("/abs/b.env"), tmp_path / "a.env")  # the last listed wins
    assert as_argv_order(read) == (tmp_path / "a.env", Path("/abs/b.env"))


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "t"])
def test_compose_disable_env_file_reads_none(tmp_path: Path, value: str) -> None:
    touch(tmp_path / ".env")
    touch(tmp_path / "development" / ".env")
    files = (tmp_path / "development" / "compose.yaml",)
    environ = {"COMPOSE_DISABLE_ENV_FILE": value}
    assert read_by_compose(tmp_path, files, environ, tmp_path) == ()


def test_compose_disable_env_file_false_reads_them(tmp_path: Path) -> None:
    env = touch(tmp_path / ".env")
    environ = {"COMPOSE_DISABLE_ENV_FILE": "0"}
    assert read_by_compose(tmp_path, (tmp_path / "c.yml",), environ, tmp_path) == (env,)


def test_compose_disable_env_file_not_a_boolean_is_one_clear_error() -> None:
    with pytest.raises(DockhandError, match="COMPOSE_DISABLE_ENV_FILE='yes'"):
        compose_env.disabled({"COMPOSE_DISABLE_ENV_FILE": "yes"})


def test_a_folder_named_env_is_not_an_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    assert read_by_compose(tmp_path, (tmp_path / "c.yml",), {}, tmp_path) == ()


def test_a_configured_env_file_is_the_only_one_and_only_when_it_exists(
    tmp_path: Path,
) -> None:
    touch(tmp_path / ".env")
    configured = tmp_path / "dev.env"
    files = (tmp_path / "c.yml",)
    assert for_project(tmp_path, files, configured, {}, tmp_path) == ()
    touch(configured)
    assert for_project(tmp_path, files, configured, {}, tmp_path) == (configured,)
