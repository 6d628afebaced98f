"""A project's services, remembered for completion: given back while
nothing they came from changed, and not after."""

from __future__ import annotations

import os
from pathlib import Path

from dockhand.docker import service_names
from dockhand.docker.compose import Project


def project(tmp_path: Path) -> Project:
    (tmp_path / "compose.yaml").write_text("services:\n  web: {image: x}\n")
    return Project("shop", (tmp_path / "compose.yaml",))


def test_what_was_remembered_comes_back(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    service_names.remember(tmp_path, project(tmp_path), ["web", "db"], folder=cache)
    found = service_names.recall(tmp_path, folder=cache)
    assert found == service_names.Remembered("shop", ("web", "db"))
    assert service_names.recall(tmp_path / "other", folder=cache) is None


def test_a_changed_file_forgets_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shop = project(tmp_path)
    also = tmp_path / "invoke.yaml"
    service_names.remember(tmp_path, shop, ["web"], [also], folder=cache)
    assert service_names.recall(tmp_path, folder=cache) is not None
    also.write_text("dockhand: {}\n")  # a file that was absent appears
    assert service_names.recall(tmp_path, folder=cache) is None
    service_names.remember(tmp_path, shop, ["web"], [also], folder=cache)
    (tmp_path / "compose.yaml").write_text("services:\n  api: {image: x}\n")
    os.utime(tmp_path / "compose.yaml", (0, 0))
    assert service_names.recall(tmp_path, folder=cache) is None


def test_a_changed_compose_variable_forgets_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shop = project(tmp_path)
    service_names.remember(tmp_path, shop, ["web"], folder=cache, environ={"A": "1"})
    assert service_names.recall(tmp_path, folder=cache, environ={"A": "2"})
    assert (
        service_names.recall(tmp_path, folder=cache, environ={"COMPOSE_FILE": "x"})
        is None
    )


def test_a_damaged_file_is_not_an_answer(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    service_names.remember(tmp_path, project(tmp_path), ["web"], folder=cache)
    (cache / service_names.file_name(tmp_path)).write_text('{"key": "x"')
    assert service_names.recall(tmp_path, folder=cache) is None
