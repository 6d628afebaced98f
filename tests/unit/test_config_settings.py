"""Invoke config -> Settings: defaults, paths, migrations, bad values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dockhand.config.schema import Migration
from dockhand.config.settings import DEFAULTS, load
from dockhand.errors import DockhandError


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


def test_an_env_file_is_configured_only_when_the_section_names_one(
    tmp_path: Path,
) -> None:
    assert not load({"root": str(tmp_path)}).env_file_given
    given = load({"root": str(tmp_path), "env_file": "dev.env"})
    assert given.env_file_given and given.env_file == tmp_path / "dev.env"


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
            "job": {"debug": "python3 -m job --once"},
        },
        database={"service": "pg", "user_var": "PGUSER", "name_var": "PGDATABASE"},
    )
    assert s.service("api").shell == "bash" and s.service("api").port == 8000
    assert s.service("worker").shell == "sh"
    assert s.service("job").debug == ("python3", "-m", "job", "--once")
    assert s.service("api").debug is None
    assert s.service("unconfigured").port is None
    assert s.database is not None and s.database.service == "pg"
    assert s.database.password_var == "POSTGRES_PASSWORD"  # the default
    other = settings(tmp_path, database={"password_var": "PGPASSWORD"})
    assert other.database is not None and other.database.password_var == "PGPASSWORD"


# --- the schema: every bad value is one line naming key, value, expectation ---
#
# One row per bad input: the section (merged over the defaults), then the
# fragments the one-line message must hold. Add a row for each new check.
BAD: list[tuple[dict[str, Any], tuple[str, ...]]] = [
    (
        {"project": "Bad Name!"},
        ("dockhand.project", "'Bad Name!'", "Compose project name"),
    ),
    ({"project": 42}, ("dockhand.project", "42", 'quote it: "42"')),
    (
        {"compose_files": [1, 2]},
        ("dockhand.compose_files", "[1, 2]", "a list of file names"),
    ),
    ({"compose_files": {"a": 1}}, ("dockhand.compose_files", "a list of file names")),
    ({"prod_files": [""]}, ("dockhand.prod_files", "a list of file names")),
    ({"prod": "maybe"}, ("dockhand.prod", "'maybe'", "true or false")),
    ({"prod": 2}, ("dockhand.prod", "2", "true or false")),
    ({"profiles": [["storage"]]}, ("dockhand.profiles", "a list of profile names")),
    ({"profiles": "has space"}, ("dockhand.profiles", "'has space'", "profile names")),
    (
        {"env_file": ["a", "b"]},
        ("dockhand.env_file", '["a", "b"]', "a file name (one string)"),
    ),
    ({"env_file": ""}, ("dockhand.env_file", "''", "a file name")),
    (
        {"env_example": 5},
        ("dockhand.env_example", "5", 'a file name (one string) (quote it: "5")'),
    ),
    ({"default_service": ["a"]}, ("dockhand.default_service", "a string")),
    (
        {"wait_timeout": "soon"},
        ("dockhand.wait_timeout", "'soon'", "seconds greater than 0"),
    ),
    ({"wait_timeout": -5}, ("dockhand.wait_timeout", "-5", "greater than 0")),
    ({"wait_timeout": 0}, ("dockhand.wait_timeout", "0", "greater than 0")),
    ({"wait_timeout": True}, ("dockhand.wait_timeout", "true", "greater than 0")),
    ({"wait_timeout": "nan"}, ("dockhand.wait_timeout", "'nan'", "greater than 0")),
    ({"compose_command": 5}, ("dockhand.compose_command", "5", "a string")),
    (
        {"compose_version": "latest"},
        ("dockhand.compose_version", "'latest'", "a version like"),
    ),
    (
        {"compose_version": 5.6},
        ("dockhand.compose_version", "5.6", 'a quoted version such as "5.6.1"'),
    ),
    (
        {"services": ["backend", "db"]},
        ("dockhand.services", '["backend", "db"]', "a mapping"),
    ),
    ({"services": {8080: {}}}, ("dockhand.services.8080", 'quote it: "8080"')),
    ({"services": {"api": "bash"}}, ("dockhand.services.api", "'bash'", "a mapping")),
    (
        {"services": {"api": {"shel": "bash"}}},
        ("dockhand.services.api.shel", "not a setting", "did you mean shell?"),
    ),
    (
        {"services": {"api": {"port": "http"}}},
        ("dockhand.services.api.port", "'http'", "a port number"),
    ),
    (
        {"services": {"api": {"port": 70000}}},
        ("dockhand.services.api.port", "70000", "1-65535"),
    ),
    (
        {"services": {"api": {"port": 80.5}}},
        ("dockhand.services.api.port", "80.5", "a port number"),
    ),
    (
        {"services": {"api": {"path": "docs"}}},
        ("dockhand.services.api.path", "'docs'", "starting with /"),
    ),
    (
        {"services": {"api": {"shell": ""}}},
        ("dockhand.services.api.shell", "a non-empty string"),
    ),
    (
        {"migrations": {"service": "a", "run": "x"}},
        ("dockhand.migrations", '{"service": "a", "run": "x"}', "a list"),
    ),
    (
        {"migrations": ["alembic upgrade head"]},
        ("dockhand.migrations[0]", "'alembic upgrade head'", "a mapping"),
    ),
    (
        {"migrations": [{"run": "x"}]},
        ("dockhand.migrations[0].service", "a non-empty string"),
    ),
    (
        {"migrations": [{"service": "a", "run": ""}]},
        ("dockhand.migrations[0].run", "''", "a command"),
    ),
    (
        {"migrations": [{"service": "a", "run": "sh -c 'echo"}]},
        ("dockhand.migrations[0].run", "sh -c 'echo", "no closing quotation"),
    ),
    (
        {"migrations": [{"service": "a", "run": "x", "stats": "y"}]},
        ("dockhand.migrations[0].stats", "not a setting", "did you mean status?"),
    ),
    (
        {"migrations": [{"service": "a", "run": [1]}]},
        ("dockhand.migrations[0].run", "[1]", "a list of words"),
    ),
    ({"database": 5}, ("dockhand.database", "5", "a mapping")),
    (
        {"database": {"servce": "db"}},
        ("dockhand.database.servce", "not a setting", "did you mean service?"),
    ),
    (
        {"database": {"service": 5}},
        ("dockhand.database.service", "5", "a non-empty string"),
    ),
    (
        {"database": {"password_var": ""}},
        ("dockhand.database.password_var", "a non-empty string"),
    ),
    (
        {"image_size_budget_mb": "big"},
        ("dockhand.image_size_budget_mb", "'big'", "MB greater than 0"),
    ),
    ({"min_free_disk_gb": -1}, ("dockhand.min_free_disk_gb", "-1", "GB, 0 or more")),
    (
        {"migrate_snapshots": 1.5},
        ("dockhand.migrate_snapshots", "1.5", "a whole number of snapshots"),
    ),
    (
        {"migrate_snapshots": -1},
        (
            "dockhand.migrate_snapshots is -1, expected a whole number of snapshots (0 or more)",
        ),
    ),
    (
        {"wait_max_restarts": "many"},
        (
            "dockhand.wait_max_restarts is 'many', expected a whole number of restarts (0 or more)",
        ),
    ),
    ({"wait_max_restarts": True}, ("dockhand.wait_max_restarts is true",)),
    (
        {"migrations": [{"service": "a", "run": "x", "pending": 3}]},
        ("dockhand.migrations[0].pending", "3", "a command"),
    ),
    (
        {"stale_images": "maybe"},
        ("dockhand.stale_images", "'maybe'", "one of rebuild, warn, off"),
    ),
    (
        {"services": {"b": {"test_files": "tests"}}},
        ("dockhand.services.b.test_files", "'tests'", "HOST_FOLDER:CONTAINER_FOLDER"),
    ),
    (
        {"services": {"b": {"test": ""}}},
        ("dockhand.services.b.test", "''", "a command"),
    ),
    (
        {"services": {"b": {"debug": ""}}},
        ("dockhand.services.b.debug", "''", "a command"),
    ),
    (
        {"deploy_routing": "ipvs"},
        ("dockhand.deploy_routing", "'ipvs'", "auto, mesh or host"),
    ),
    (
        {"deploy_registry": "http://x:5000/"},
        ("dockhand.deploy_registry", "http://", "127.0.0.1:5000"),
    ),
    ({"deploy_timeout": 0}, ("dockhand.deploy_timeout", "0", "greater than 0")),
    (
        {"compose_file": ["a.yml"]},
        ("dockhand.compose_file", "not a setting", "did you mean compose_files?"),
    ),
    (
        {"wait_timout": 5},
        ("dockhand.wait_timout", "not a setting", "did you mean wait_timeout?"),
    ),
]


@pytest.mark.parametrize(("section", "fragments"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_config_is_one_line_naming_key_value_and_what_is_expected(
    tmp_path: Path, section: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(DockhandError) as caught:
        settings(tmp_path, **section)
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith("invoke.yaml: "), message
    for fragment in fragments:
        assert fragment in message, message
    assert "invoke.yaml" in caught.value.hint


def test_the_origin_of_a_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(DockhandError) as caught:
        load(
            {"root": str(tmp_path), "wait_timeout": "abc"},
            {"wait_timeout": "INVOKE_DOCKHAND_WAIT_TIMEOUT"},
        )
    assert caught.value.message == (
        "INVOKE_DOCKHAND_WAIT_TIMEOUT=abc is not valid: "
        "expected a number of seconds greater than 0"
    )
    assert "unset INVOKE_DOCKHAND_WAIT_TIMEOUT" in caught.value.hint
    with pytest.raises(DockhandError, match=r"^ci\.yaml: dockhand\.services\.w"):
        load({"root": str(tmp_path), "services": {"w": 1}}, {"services": "ci.yaml"})


@pytest.mark.parametrize("section", [5, "x", ["a"]])
def test_a_section_that_is_not_a_mapping(section: Any) -> None:
    with pytest.raises(DockhandError, match=r"dockhand is .*, expected a mapping"):
        load(section)


def test_an_empty_section_means_every_default() -> None:
    assert load(None).wait_timeout == 180


# Values that are right, in every form they may arrive in (YAML or a variable).
GOOD: list[tuple[dict[str, Any], str, Any]] = [
    ({"profiles": "storage"}, "profiles", ("storage",)),
    ({"profiles": "storage, debug"}, "profiles", ("storage", "debug")),
    ({"profiles": ["storage"]}, "profiles", ("storage",)),
    ({"profiles": None}, "profiles", ()),
    ({"prod": "no"}, "prod", False),
    ({"prod": "false"}, "prod", False),
    ({"prod": "0"}, "prod", False),
    ({"prod": "YES"}, "prod", True),
    ({"prod": "1"}, "prod", True),
    ({"prod": 1}, "prod", True),
    ({"wait_timeout": "1.5"}, "wait_timeout", 1.5),
    ({"wait_timeout": 60}, "wait_timeout", 60),
    ({"min_free_disk_gb": 0}, "min_free_disk_gb", 0),
    ({"stale_images": "WARN"}, "stale_images", "warn"),
    ({"migrate_snapshots": "0"}, "migrate_snapshots", 0),
    ({"migrate_snapshots": " 3 "}, "migrate_snapshots", 3),
    ({"wait_max_restarts": 2.0}, "wait_max_restarts", 2),
    ({"watch_files": None}, "watch_files", ()),
    ({"deploy_routing": "HOST"}, "deploy_routing", "host"),
    ({"deploy_routing": None}, "deploy_routing", "auto"),
    ({"deploy_registry": "127.0.0.1:5000"}, "deploy_registry", "127.0.0.1:5000"),
    ({"deploy_pull_registry": "ghcr.io/team"}, "deploy_pull_registry", "ghcr.io/team"),
    ({"deploy_timeout": "90"}, "deploy_timeout", 90),
    ({"compose_version": "5.6"}, "compose_version", "5.6"),
    ({"compose_version": None}, "compose_version", ""),
    ({"migrations": None}, "migrations", ()),
    ({"database": None}, "database", None),
    ({"services": None}, "services", {}),
]


@pytest.mark.parametrize(
    ("section", "key", "value"), GOOD, ids=[str(g[0]) for g in GOOD]
)
def test_good_values_in_every_form(
    tmp_path: Path, section: dict[str, Any], key: str, value: Any
) -> None:
    assert getattr(settings(tmp_path, **section), key) == value


def test_the_schema_and_the_defaults_have_the_same_keys(tmp_path: Path) -> None:
    from dockhand.config.settings import ENV_KEYS
    from dockhand.config.settings import parsers as schema

    assert set(schema(tmp_path)) == set(DEFAULTS) - {"root"}
    assert set(ENV_KEYS) <= set(DEFAULTS)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"INVOKE_DOCKHAND_WAIT_TIMOUT": "5"},
            "did you mean INVOKE_DOCKHAND_WAIT_TIMEOUT?",
        ),
        (
            {"INVOKE_DOCKHAND_SERVICES_WEB_PORT": "80"},
            "dockhand.services cannot be set by a variable",
        ),
        ({"INVOKE_DOCKHAND_NOPE": "1"}, "INVOKE_DOCKHAND_NOPE is not a setting"),
    ],
)
def test_variables_that_name_no_setting(environ: dict[str, str], message: str) -> None:
    from dockhand.config.settings import environment_settings

    with pytest.raises(DockhandError, match=re.escape(message)):
        environment_settings(environ)


def test_variables_are_read_as_raw_strings() -> None:
    from dockhand.config.settings import environment_settings

    assert environment_settings(
        {
            "INVOKE_DOCKHAND_PROD": "false",
            "INVOKE_DOCKHAND_WAIT_TIMEOUT": "1.5",
            "HOME": "/",
        }
    ) == {"prod": "false", "wait_timeout": "1.5"}


# --- where values come from: Invoke's files, INVOKE_DOCKHAND_*, `inv prod` ---


def invoke_config(
    root: Path, project: str = "", runtime: str = "", **environ: str
) -> Any:
    """Invoke's Config as `inv` builds it for a tasks.py in `root`."""
    from invoke.config import Config

    from dockhand.config.defaults import OWN

    if project:
        (root / "invoke.yaml").write_text(project)
    runtime_path = root / "ci.yaml"
    if runtime:
        runtime_path.write_text(runtime)
    config = Config(
        project_location=str(root), runtime_path=str(runtime_path) if runtime else None
    )
    config.load_project()
    config.load_runtime()
    config.load_collection({OWN: {"root": str(root), "environ": environ}})
    config.load_shell_env()
    return config


def test_a_variable_beats_invoke_yaml_and_is_read_by_the_schema(tmp_path: Path) -> None:
    from dockhand.cli.invoke_config import load_settings

    config = invoke_config(
        tmp_path,
        "dockhand: {project: 42, prod: true, wait_timeout: 60}\n",
        INVOKE_DOCKHAND_PROJECT="review",
        INVOKE_DOCKHAND_PROD="false",
        INVOKE_DOCKHAND_WAIT_TIMEOUT="1.5",
    )
    s = load_settings(config)
    assert (s.project, s.prod, s.wait_timeout) == ("review", False, 1.5)


def test_a_runtime_file_beats_a_variable(tmp_path: Path) -> None:
    from dockhand.cli.invoke_config import load_settings

    config = invoke_config(
        tmp_path,
        runtime="dockhand: {wait_timeout: 7}\n",
        INVOKE_DOCKHAND_WAIT_TIMEOUT="abc",
    )
    assert load_settings(config).wait_timeout == 7


def test_inv_prod_beats_a_variable(tmp_path: Path) -> None:
    from dockhand.cli.invoke_config import load_settings
    from dockhand.config.defaults import OWN

    config = invoke_config(tmp_path, INVOKE_DOCKHAND_PROD="0")
    assert load_settings(config).prod is False
    config[OWN]["prod"] = True
    assert load_settings(config).prod is True


def test_the_files_invoke_loaded_are_found(tmp_path: Path) -> None:
    """Invoke has no public API for them: this fails first if it renames the
    private attributes invoke_config reads."""
    from dockhand.cli.invoke_config import _loaded_file

    config = invoke_config(tmp_path, "dockhand: {}\n", "dockhand: {prod: true}\n")
    assert _loaded_file(config, "project") == (
        tmp_path / "invoke.yaml",
        {"dockhand": {}},
    )
    assert _loaded_file(config, "runtime") == (
        tmp_path / "ci.yaml",
        {"dockhand": {"prod": True}},
    )


@pytest.mark.parametrize(
    ("project", "runtime", "environ", "message"),
    [
        (
            "dockhand: {wait_timeout: -5}\n",
            "",
            {},
            "invoke.yaml: dockhand.wait_timeout is -5",
        ),
        (
            "",
            "dockhand: {wait_timeout: x}\n",
            {},
            "ci.yaml: dockhand.wait_timeout is 'x'",
        ),
        ("dockhand: 5\n", "", {}, "invoke.yaml: dockhand is 5"),
        (
            "",
            "",
            {"INVOKE_DOCKHAND_PROD": "maybe"},
            "INVOKE_DOCKHAND_PROD=maybe is not valid",
        ),
        (
            "",
            "",
            {"INVOKE_DOCKHAND_PROFILE": "x"},
            "INVOKE_DOCKHAND_PROFILE is not a setting; did you mean INVOKE_DOCKHAND_PROFILES?",
        ),
    ],
)
def test_an_error_names_the_file_or_the_variable(
    tmp_path: Path, project: str, runtime: str, environ: dict[str, str], message: str
) -> None:
    from dockhand.cli.invoke_config import load_settings

    config = invoke_config(tmp_path, project, runtime, **environ)
    with pytest.raises(DockhandError) as caught:
        load_settings(config)
    assert caught.value.message.startswith(message), caught.value.message


# --- config files Invoke cannot read: what the excepthook says ----------------

FILES: list[tuple[str, str, str]] = [
    (
        "invoke.yaml",
        "dockhand:\n  wait_timeout: [1\n",
        "invoke.yaml, line 3, column 1: expected ','",
    ),
    (
        "invoke.yaml",
        "dockhand:\n\tproject: x\n",
        "invoke.yaml, line 2, column 1: found character '\\t'",
    ),
    (
        "invoke.yaml",
        "- a\n- b\n",
        "invoke.yaml: the top level is a list, expected a mapping",
    ),
    ("invoke.yaml", "dockhand: {services: [a]}\n", "invoke.yaml: dockhand.services is"),
    ("invoke.json", '{"dockhand": {', "invoke.json, line 1, column 15: Expecting"),
]


@pytest.mark.parametrize(("name", "text", "message"), FILES)
def test_a_config_file_invoke_cannot_read(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    from dockhand.cli.invoke_yaml import check_project_file

    (tmp_path / name).write_text(text)
    problem = check_project_file(tmp_path)
    assert problem is not None and problem.message.startswith(message), problem
    assert "\n" not in problem.message


def test_a_good_config_file_is_no_problem(tmp_path: Path) -> None:
    from dockhand.cli.invoke_yaml import check_project_file

    assert check_project_file(tmp_path) is None
    (tmp_path / "invoke.yaml").write_text(
        "dockhand: {wait_timeout: 5}\nrun: {echo: true}\n"
    )
    assert check_project_file(tmp_path) is None


@pytest.mark.parametrize(
    ("argv", "environ", "found"),
    [
        (["-f", "ci.yaml", "up"], {}, "ci.yaml"),
        (["--config=ci.yaml", "up"], {"INVOKE_RUNTIME_CONFIG": "env.yaml"}, "ci.yaml"),
        (["up"], {"INVOKE_RUNTIME_CONFIG": "env.yaml"}, "env.yaml"),
        (["logs", "-f", "backend"], {}, None),  # --follow, not a config file
        (["--dry", "logs"], {}, None),
    ],
)
def test_the_runtime_file_invoke_reads(
    argv: list[str], environ: dict[str, str], found: str | None
) -> None:
    from dockhand.cli.invoke_yaml import runtime_file

    assert runtime_file(argv, environ) == (Path(found) if found else None)


def test_namespace_takes_the_variables_before_invoke_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from dockhand import namespace
    from dockhand.config.defaults import OWN

    monkeypatch.setenv("INVOKE_DOCKHAND_WAIT_TIMEOUT", "1.5")
    monkeypatch.setenv("INVOKE_RUN_ECHO", "1")  # Invoke's own: left alone
    ns = namespace(tmp_path)
    assert "INVOKE_DOCKHAND_WAIT_TIMEOUT" not in os.environ
    assert os.environ["INVOKE_RUN_ECHO"] == "1"
    own = ns.configuration()[OWN]
    assert own["environ"] == {"INVOKE_DOCKHAND_WAIT_TIMEOUT": "1.5"}
    assert own["root"] == str(tmp_path) and "dockhand" not in ns.configuration()


def test_settings_budget(tmp_path: Path) -> None:
    from dockhand.errors import DockhandError

    assert load({"root": str(tmp_path)}).image_size_budget_mb == 350
    assert (
        load(
            {"root": str(tmp_path), "image_size_budget_mb": "120"}
        ).image_size_budget_mb
        == 120
    )
    with pytest.raises(DockhandError, match="image_size_budget_mb"):
        load({"root": str(tmp_path), "image_size_budget_mb": "big"})


def test_a_name_or_files_given_say_where_they_came_from(tmp_path: Path) -> None:
    given = load(
        {"root": str(tmp_path), "project": "shop", "compose_files": ["a.yml"]},
        {"project": "INVOKE_DOCKHAND_PROJECT", "compose_files": "ci.yaml"},
    )
    assert (given.project_source, given.files_source) == (
        "INVOKE_DOCKHAND_PROJECT",
        "ci.yaml",
    )
    assert (
        load({"root": str(tmp_path), "project": "shop"}).project_source == "invoke.yaml"
    )
