"""The argv of every Compose command, for the v2+ plugin and for v1."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.docker import compose
from dockhand.docker.compose import ComposeCli, Project
from dockhand.errors import DockhandError

V5 = ComposeCli(("docker", "compose"), (5, 6, 1))
V1 = ComposeCli(("/usr/bin/docker-compose",), (1, 29, 2))
PROJECT = Project(
    "shop",
    (Path("/app/docker-compose.yml"), Path("/app/prod.yml")),
    (Path("/app/.env"),),
)
BASE = [
    "docker",
    "compose",
    "-p",
    "shop",
    "-f",
    "/app/docker-compose.yml",
    "-f",
    "/app/prod.yml",
    "--env-file",
    "/app/.env",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.6.1\n", (5, 6, 1)),
        ("v2.24.6-desktop.1", (2, 24, 6)),
        ("2.40", (2, 40)),
        ("docker-compose version 1.29.2, build unknown", (1, 29, 2)),
        ("10.0.0", (10, 0, 0)),
    ],
)
def test_versions_are_compared_as_numbers(text: str, expected: tuple[int, ...]) -> None:
    assert compose.parse_version(text) == expected


def test_v5_is_newer_than_v2_and_v1_is_v1() -> None:
    assert compose.parse_version("5.0.0") > compose.parse_version("2.40.3")
    assert compose.parse_version("10.0.0") > compose.parse_version("9.9.9")
    assert V1.is_v1 and not V5.is_v1


def test_unreadable_version_is_one_clear_error() -> None:
    with pytest.raises(DockhandError, match="could not read a Compose version"):
        compose.parse_version("command not found")


def test_base_names_project_every_file_and_env_file_explicitly() -> None:
    assert compose.base(V5, PROJECT) == BASE


def test_base_without_env_file_and_with_profiles() -> None:
    project = Project("shop", (Path("/a.yml"),), (), ("storage",))
    assert compose.base(V1, project) == [
        "/usr/bin/docker-compose",
        "-p",
        "shop",
        "-f",
        "/a.yml",
        "--profile",
        "storage",
    ]


def test_up_never_uses_compose_wait() -> None:
    assert compose.up(V5, PROJECT, ["backend"], build=True) == [
        *BASE,
        "up",
        "--detach",
        "--build",
        "backend",
    ]
    assert "--wait" not in compose.up(V5, PROJECT, [])


def test_build_flags() -> None:
    assert compose.build(V5, PROJECT, [], no_cache=True, pull=True) == [
        *BASE,
        "build",
        "--no-cache",
        "--pull",
    ]


def test_down_keeps_volumes_unless_asked() -> None:
    assert compose.down(V5, PROJECT) == [*BASE, "down", "--remove-orphans"]
    assert compose.down(V5, PROJECT, volumes=True, images=True) == [
        *BASE,
        "down",
        "--remove-orphans",
        "--volumes",
        "--rmi",
        "local",
    ]


def test_logs_options_in_order() -> None:
    argv = compose.logs(
        V5,
        PROJECT,
        ["backend", "db"],
        follow=True,
        tail="50",
        since="10m",
        timestamps=True,
    )
    assert argv == [
        *BASE,
        "logs",
        "--follow",
        "--tail",
        "50",
        "--since",
        "10m",
        "--timestamps",
        "backend",
        "db",
    ]


def test_logs_without_colour_for_pipes() -> None:
    assert compose.logs(V1, PROJECT, [], color=False)[-1] == "--no-color"


def test_logs_since_is_refused_on_v1_with_a_way_out() -> None:
    with pytest.raises(DockhandError, match="--since needs Compose v2") as caught:
        compose.logs(V1, PROJECT, [], since="10m")
    assert "--tail" in caught.value.hint


def test_non_interactive_exec_and_run_get_minus_t() -> None:
    v1_base = ["/usr/bin/docker-compose", *BASE[2:]]
    assert compose.exec_(V1, PROJECT, "db", ["pg_dump", "-Fc"], tty=False) == [
        *v1_base,
        "exec",
        "-T",
        "db",
        "pg_dump",
        "-Fc",
    ]
    assert compose.run(
        V5, PROJECT, "backend", ["alembic", "current"], tty=False, user="root"
    ) == [
        *BASE,
        "run",
        "--rm",
        "-T",
        "--user",
        "root",
        "backend",
        "alembic",
        "current",
    ]


def test_exec_or_run_picks_exec_only_for_a_running_service() -> None:
    running = compose.exec_or_run(
        V5, PROJECT, "backend", ["bash"], running=True, tty=True
    )
    stopped = compose.exec_or_run(
        V5, PROJECT, "backend", ["bash"], running=False, tty=True
    )
    assert running == [*BASE, "exec", "backend", "bash"]
    assert stopped == [*BASE, "run", "--rm", "backend", "bash"]


def test_version_probes_prefer_the_plugin_and_honour_an_override() -> None:
    assert compose.version_probes(None)[0] == [
        "docker",
        "compose",
        "version",
        "--short",
    ]
    assert compose.version_probes(None)[1] == ["docker-compose", "version", "--short"]
    assert compose.version_probes("/usr/bin/docker-compose") == [
        ["/usr/bin/docker-compose", "version", "--short"]
    ]


def test_the_model_reads_the_example_then_the_env_file(tmp_path: Path) -> None:
    cli = ComposeCli(("docker", "compose"), (5, 6))
    project = Project("p", (tmp_path / "c.yml",), (tmp_path / ".env",), ("storage",))
    argv = compose.config_json(
        cli, project, env_files=[tmp_path / ".env.example", tmp_path / ".env"]
    )
    assert argv == [
        *("docker", "compose", "-p", "p", "-f", str(tmp_path / "c.yml")),
        *("--env-file", str(tmp_path / ".env.example")),
        *("--env-file", str(tmp_path / ".env")),
        *("--profile", "storage"),
        *("config", "--format", "json"),
    ]
    # Compose v1 reads one --env-file: the env file, the later one.
    v1 = ComposeCli(("docker-compose",), (1, 29, 2))
    quiet = compose.config_quiet(
        v1, project, env_files=[tmp_path / ".env.example", tmp_path / ".env"]
    )
    assert quiet[quiet.index("--env-file") :] == [
        *("--env-file", str(tmp_path / ".env")),
        *("--profile", "storage"),
        *("config", "--quiet"),
    ]


def test_the_config_command_shown_in_a_hint_names_the_files_to_paste() -> None:
    project = Project("p", (Path("/x/docker-compose.yml"), Path("/x/my prod.yml")))
    cli = ComposeCli(("docker", "compose"), (5, 6, 1))
    assert compose.config_shown(cli, project) == (
        "docker compose -f docker-compose.yml -f 'my prod.yml' config"
    )


def test_the_shell_in_a_container_alone_or_with_one_command_string() -> None:
    assert compose.shell_command("bash") == ["bash"]
    assert compose.shell_command("sh", "echo $HOME && id") == [
        "sh",
        "-c",
        "echo $HOME && id",
    ]


def test_base_names_no_project_while_compose_is_asked_which_it_would_choose() -> None:
    unnamed = Project(name="", files=(Path("/p/compose.yaml"),))
    assert compose.base(V5, unnamed) == ["docker", "compose", "-f", "/p/compose.yaml"]
