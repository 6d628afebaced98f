"""`dockhand`, the command of its own: which folder is the project, which
namespace it runs, and the project's invoke.yaml read as `inv` reads it.
The installed command on a real project: tests/integration/test_adoption.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.cli import program
from dockhand.ui import console

COMPOSE = "services:\n  web:\n    image: debian:bookworm-slim\n"


@pytest.fixture(autouse=True)
def _spoken_as_inv() -> object:
    yield
    console.program = "inv"


@pytest.mark.parametrize(
    "marker", ["compose.yaml", "docker-compose.yml", "invoke.yaml", "tasks.py"]
)
def test_the_project_is_the_nearest_folder_up_with_a_marker(
    tmp_path: Path, marker: str
) -> None:
    (tmp_path / marker).write_text("")
    below = tmp_path / "src" / "deep"
    below.mkdir(parents=True)
    assert program.project_root(below) == tmp_path
    assert program.project_root(tmp_path) == tmp_path


def test_the_nearest_marker_wins(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "compose.yaml").write_text(COMPOSE)
    assert program.project_root(inner) == inner


def test_a_folder_with_no_project_above_is_its_own(tmp_path: Path) -> None:
    """`dockhand ls` and `dockhand --version` work anywhere; the tasks that
    need compose files say Compose's reason."""
    alone = tmp_path / "a" / "b"
    alone.mkdir(parents=True)
    found = program.project_root(alone)
    assert found == alone or any(
        (found / name).is_file()
        for name in (*program.COMPOSE_NAMES, *program.PROJECT_FILES)
    )  # a marker above the test's temporary folder would be found first


def test_without_tasks_py_it_runs_dockhands_tasks_for_the_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    made = program.program(tmp_path)
    assert made.namespace is not None
    assert {"up", "ps", "logs", "shell", "down", "db.backup"} <= set(
        made.namespace.task_names
    )
    assert made.name == made.binary == "dockhand"


def test_with_tasks_py_it_loads_the_projects_namespace_as_inv_does(
    tmp_path: Path,
) -> None:
    (tmp_path / "tasks.py").write_text("from dockhand import namespace\n")
    made = program.program(tmp_path)
    assert made.namespace is None  # Invoke's loader finds tasks.py


def test_the_projects_invoke_yaml_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Program given a namespace reads no project config by itself."""
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "invoke.yaml").write_text("dockhand:\n  project: chosen\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    made = program.program(sub)
    # Program.run's first steps: parsing the tasks would take their help
    # away (Invoke pops it), from the task objects every test shares.
    made.create_config()
    made.parse_core(["dockhand", "--list"])
    made.parse_collection()
    assert made.config.dockhand.project == "chosen"


def test_hints_name_the_command_typed() -> None:
    said = "start them with `inv up`; see `inv doctor`"
    assert console.spoken(said) == said
    console.program = "dockhand"
    assert (
        console.spoken(said) == "start them with `dockhand up`; see `dockhand doctor`"
    )
    assert console.spoken("inventory, not `invoke`") == "inventory, not `invoke`"
