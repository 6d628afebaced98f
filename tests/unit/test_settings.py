"""Invoke config -> Settings: defaults, paths, migrations, bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockhand.errors import DockhandError
from dockhand.settings import DEFAULTS, Migration, load


def settings(tmp_path: Path, **section: Any) -> Any:
    return load({**DEFAULTS, "root": str(tmp_path), **section})


def test_defaults_name_the_project_after_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "My Shop"
    folder.mkdir()
    s = load({"root": str(folder)})
    assert s.project == "myshop"
    assert s.compose_files == (folder / "docker-compose.yml",)
    assert s.wait_timeout == 180
    assert s.migrations == () and s.database is None


def test_prod_appends_the_override_files_last(tmp_path: Path) -> None:
    s = settings(
        tmp_path, compose_files=["a.yml", "b.yml"], prod_files=["p.yml"], prod=True
    )
    assert s.files == (tmp_path / "a.yml", tmp_path / "b.yml", tmp_path / "p.yml")
    assert settings(tmp_path, prod=False).files == (tmp_path / "docker-compose.yml",)


def test_env_var_lists_arrive_as_strings(tmp_path: Path) -> None:
    s = settings(tmp_path, compose_files="a.yml,b.yml")
    assert s.compose_files == (tmp_path / "a.yml", tmp_path / "b.yml")


def test_env_file_only_given_to_compose_when_it_exists(tmp_path: Path) -> None:
    assert settings(tmp_path).compose_project().env_file is None
    (tmp_path / ".env").write_text("A=1\n")
    assert settings(tmp_path).compose_project().env_file == tmp_path / ".env"


def test_migrations_accept_strings_and_lists(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        migrations=[
            {
                "service": "api",
                "run": "alembic upgrade head",
                "status": "alembic current",
            },
            {"service": "web", "run": ["node", "migrate.js"]},
        ],
    )
    assert s.migrations == (
        Migration("api", ("alembic", "upgrade", "head"), ("alembic", "current")),
        Migration("web", ("node", "migrate.js"), None),
    )
    assert s.migrations[0].label == "api: alembic upgrade head"


def test_services_and_database(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        services={
            "api": {"shell": "bash", "port": "8000", "path": "/docs"},
            "worker": None,
        },
        database={"service": "pg", "user_var": "PGUSER", "name_var": "PGDATABASE"},
    )
    assert s.service("api").shell == "bash" and s.service("api").port == 8000
    assert s.service("worker").shell == "sh"
    assert s.service("unconfigured").port is None
    assert s.database is not None and s.database.service == "pg"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"project": "Bad Name!"}, "not a valid Compose project name"),
        ({"wait_timeout": "soon"}, "wait_timeout must be a number"),
        ({"compose_files": [1, 2]}, "compose_files must be a list"),
        ({"migrations": [{"run": "x"}]}, "migrations[0] needs a 'service'"),
        (
            {"migrations": [{"service": "a", "run": ""}]},
            "migrations[0].run must be a command",
        ),
        ({"services": {"api": {"shel": "bash"}}}, "services.api takes only"),
        ({"database": {"servce": "db"}}, "database takes only"),
        ({"compose_file": ["a.yml"]}, "compose_file is not a setting"),
        ({"compose_version": "latest"}, "compose_version must be a version"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(
    tmp_path: Path, section: dict[str, Any], message: str
) -> None:
    with pytest.raises(DockhandError) as caught:
        settings(tmp_path, **section)
    assert message in caught.value.message
    assert "invoke.yaml" in caught.value.message
