"""With no invoke.yaml, dockhand works on the project plain `docker compose`
sees in that folder: its files, its override, COMPOSE_FILE, its name
(`name:`, COMPOSE_PROJECT_NAME, the folder). Each layout is held against
Compose's own view: the model dockhand's command reads must be the model
plain `docker compose config` reads, under the same name."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
from pathlib import Path

import pytest
from harness import output

SERVICE = """\
services:
  app:
    image: debian:bookworm-slim
    init: true
    command: ["sh", "-c", "while :; do sleep 1; done"]
"""
OVERRIDE = """\
services:
  app:
    environment:
      FROM: override
"""
TASKS = "from dockhand import namespace\n\nns = namespace(__file__)\n"
ROOT = Path(__file__).resolve().parents[2]


def env(**shell: str) -> dict[str, str]:
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("INVOKE_", "COMPOSE_"))
        },
        "NO_COLOR": "1",
        **shell,
    }


def inv(folder: Path, *args: str, **shell: str) -> subprocess.CompletedProcess[str]:
    return run(
        folder, [str(ROOT / ".venv" / "bin" / "python"), "-m", "invoke"], args, shell
    )


def dockhand(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `dockhand` console script of this tree's venv."""
    return run(folder, [str(ROOT / ".venv" / "bin" / "dockhand")], args, {})


def run(
    folder: Path, program: list[str], args: tuple[str, ...], shell: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*program, *args],
        cwd=folder,
        env=env(**shell),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def compose_model(folder: Path, argv: list[str], **shell: str) -> dict[str, object]:
    done = subprocess.run(
        [*argv, "config", "--format", "json"],
        cwd=folder,
        env=env(**shell),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, output(done)
    return dict(json.loads(done.stdout))


def dockhand_argv(folder: Path, **shell: str) -> list[str]:
    """The Compose command `inv up` would run (its --dry echo), minus `up`."""
    dry = inv(folder, "--dry", "up", **shell)
    assert dry.returncode == 0, output(dry)
    line = next(x for x in dry.stderr.splitlines() if x.startswith("$ docker compose"))
    argv = shlex.split(line[2:])
    return argv[: argv.index("up")]


def take_down(folder: Path, project: str) -> None:
    subprocess.run(
        ["docker", "compose", "-p", project, "down", "-t", "1"],
        cwd=folder,
        capture_output=True,
        check=False,
    )


def layout(tmp_path: Path, files: dict[str, str], tasks: str = "tasks.py") -> Path:
    folder = tmp_path / f"shop-{secrets.token_hex(3)}"
    for name, text in {tasks: TASKS, **files}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


LAYOUTS = {
    "compose.yaml alone": {"compose.yaml": SERVICE},
    "compose.yml alone": {"compose.yml": SERVICE},
    "an override beside it": {
        "compose.yaml": SERVICE,
        "compose.override.yaml": OVERRIDE,
    },
    "compose.yaml preferred to docker-compose.yml": {
        "docker-compose.yml": SERVICE.replace("app:", "old:"),
        "compose.yaml": SERVICE,
    },
    "docker-compose.yml with its override": {
        "docker-compose.yml": SERVICE,
        "docker-compose.override.yml": OVERRIDE,
    },
    "a top-level name": {"compose.yaml": "name: @NAME@\n" + SERVICE},
    "COMPOSE_PROJECT_NAME in .env": {
        "compose.yaml": SERVICE,
        ".env": "COMPOSE_PROJECT_NAME=@NAME@\n",
    },
    "COMPOSE_FILE in .env": {
        "base.yaml": SERVICE,
        "extra.yaml": OVERRIDE,
        ".env": "COMPOSE_FILE=base.yaml:extra.yaml\n",
    },
}


# Where the values come from: Compose's env files (issue 26). Each `image:`
# is interpolated, so a value read from the wrong file changes the model.
TAGGED = SERVICE.replace("debian:bookworm-slim", "debian:${TAG:-unset}")
ENV_LAYOUTS: dict[str, tuple[dict[str, str], dict[str, str], str, str]] = {
    # name: (files, the shell's variables, the folder inv runs in, the tag)
    "a .env beside the compose file COMPOSE_FILE names": (
        {
            ".env": "COMPOSE_FILE=development/compose.yaml\n",
            "development/.env": "TAG=latest\n",
            "development/compose.yaml": TAGGED,
        },
        {},
        ".",
        "latest",
    ),
    "the working folder's .env wins over the compose file's": (
        {
            ".env": "COMPOSE_FILE=development/compose.yaml\nTAG=outer\n",
            "development/.env": "TAG=inner\n",
            "development/compose.yaml": TAGGED,
        },
        {},
        ".",
        "outer",
    ),
    "a parent folder's .env beside the compose file": (
        {".env": "TAG=parent\n", "compose.yaml": TAGGED},
        {},
        "app",
        "parent",
    ),
    "COMPOSE_ENV_FILES": (
        {".env": "TAG=dotenv\n", "a.env": "TAG=a\n", "b.env": "TAG=b\n"}
        | {"compose.yaml": TAGGED},
        {"COMPOSE_ENV_FILES": "a.env,b.env"},
        ".",
        "b",
    ),
    "COMPOSE_DISABLE_ENV_FILE": (
        {".env": "TAG=dotenv\n", "compose.yaml": TAGGED},
        {"COMPOSE_DISABLE_ENV_FILE": "true"},
        ".",
        "unset",
    ),
    "the shell first, inside .env too": (
        {".env": "BASE=file\nTAG=${BASE}-1\n", "compose.yaml": TAGGED},
        {"BASE": "shell"},
        ".",
        "shell-1",
    ),
}


@pytest.mark.parametrize("name", ENV_LAYOUTS)
def test_dockhand_reads_the_env_files_compose_reads(tmp_path: Path, name: str) -> None:
    files, shell, where, tag = ENV_LAYOUTS[name]
    folder = layout(tmp_path, files, tasks=f"{where}/tasks.py")
    cwd = folder / where
    theirs = compose_model(cwd, ["docker", "compose"], **shell)
    ours = compose_model(cwd, dockhand_argv(cwd, **shell), **shell)
    assert ours == theirs
    assert ours["services"]["app"]["image"] == f"debian:{tag}"  # type: ignore[index]
    if tag != "unset":  # `inv env` shows the value Compose interpolated
        shown = inv(cwd, "env", "--json", **shell)
        assert shown.returncode == 0, output(shown)
        rows = {row["key"]: row for row in json.loads(shown.stdout)}
        assert rows["TAG"]["value"] == tag, rows


@pytest.mark.parametrize("name", LAYOUTS)
def test_dockhand_sees_the_project_compose_sees(tmp_path: Path, name: str) -> None:
    unique = f"dhdisc-{secrets.token_hex(3)}"
    files = {k: v.replace("@NAME@", unique) for k, v in LAYOUTS[name].items()}
    folder = layout(tmp_path, files)
    theirs = compose_model(folder, ["docker", "compose"])
    ours = compose_model(folder, dockhand_argv(folder))
    assert ours == theirs
    if "@NAME@" in str(LAYOUTS[name]):
        assert ours["name"] == unique


def test_a_zero_config_project_runs_from_a_subfolder(tmp_path: Path) -> None:
    folder = layout(
        tmp_path,
        {"compose.yaml": SERVICE, "compose.override.yaml": OVERRIDE, "src/x.py": ""},
    )
    project = str(compose_model(folder, ["docker", "compose"])["name"])
    try:
        up = inv(folder / "src", "up")
        assert up.returncode == 0, output(up)
        ps = inv(folder / "src", "ps", "--json")
        assert [r["service"] for r in json.loads(ps.stdout)] == ["app"], output(ps)
        # the same project plain Compose sees, with the override merged
        plain = subprocess.run(
            ["docker", "compose", "exec", "-T", "app", "printenv", "FROM"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        assert plain.stdout.strip() == "override", output(plain)
        doctor = inv(folder, "doctor", "--json")
        checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
        detail = checks["compose files"]["detail"]
        assert "compose.yaml + compose.override.yaml" in detail
        assert f"project {project} (the folder's name)" in detail
        assert "files from Compose's discovery" in detail
    finally:
        take_down(folder, project)


def test_a_project_without_env_files_or_migrations(tmp_path: Path) -> None:
    folder = layout(tmp_path, {"compose.yaml": SERVICE})
    project = str(compose_model(folder, ["docker", "compose"])["name"])
    try:
        shown = inv(folder, "env")
        assert shown.returncode == 0, output(shown)
        assert "no variables: neither .env nor .env.example exists" in shown.stderr
        assert shown.stdout == ""  # not an empty table

        setup = inv(folder, "setup")
        assert setup.returncode == 0, output(setup)
        assert "setup done" in setup.stderr
        assert "inv migrate" not in setup.stderr  # nothing to migrate here
    finally:
        take_down(folder, project)


def test_the_dockhand_command_reads_them_too_with_no_tasks_py(tmp_path: Path) -> None:
    """The issue's layout, run by `dockhand` in a folder holding no file of
    dockhand's: `image: app:latest`, as Compose says."""
    files, _, _, tag = ENV_LAYOUTS["a .env beside the compose file COMPOSE_FILE names"]
    folder = tmp_path / f"shop-{secrets.token_hex(3)}"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    dry = dockhand(folder, "--dry", "up")
    assert dry.returncode == 0, output(dry)
    line = next(x for x in dry.stderr.splitlines() if x.startswith("$ docker compose"))
    argv = shlex.split(line[2:])
    ours = compose_model(folder, argv[: argv.index("up")])
    assert ours == compose_model(folder, ["docker", "compose"])
    assert ours["services"]["app"]["image"] == f"debian:{tag}"  # type: ignore[index]


REFUSED = {
    "a misspelt key": "services:\n  app:\n    imagee: debian:bookworm-slim\n",
    "neither image nor build": "services:\n  app:\n    command: [sh]\n",
}
READERS = (("--dry", "up"), ("ps",), ("logs", "--tail", "1"), ("--dry", "down"))


@pytest.mark.parametrize("name", REFUSED)
def test_files_compose_refuses_are_refused_by_every_command(
    tmp_path: Path, name: str
) -> None:
    """Dry runs included, and `ps` (which reads the engine, not the files):
    one error line with Compose's own reason, exit 1, as `docker compose`."""
    folder = layout(tmp_path, {"compose.yaml": REFUSED[name]})
    theirs = subprocess.run(
        ["docker", "compose", "config", "--quiet"],
        cwd=folder,
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert theirs.returncode != 0
    reason = theirs.stderr.strip().splitlines()[-1]
    for args in READERS:
        done = inv(folder, *args)
        errors = [x for x in done.stderr.splitlines() if x.startswith("error:")]
        assert done.returncode == 1, (args, output(done))
        assert len(errors) == 1 and reason in errors[0], (args, output(done))
        assert "$ docker compose" not in done.stderr  # nothing printed to run


def test_dockhand_outside_any_compose_project_says_so(tmp_path: Path) -> None:
    for args in (("ps",), ("--dry", "up")):
        done = dockhand(tmp_path, *args)
        assert done.returncode == 1, output(done)
        assert done.stderr.startswith(f"error: no compose file in {tmp_path}"), output(
            done
        )
