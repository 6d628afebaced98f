"""The daily commands and the error lines under each Compose version tested
(scripts/compose-versions makes them), on whatever engine DOCKER_HOST names:
Debian trixie's 2.26, 2.40 (what Debian sid and Engine 28 users have) and the
5.6 invoke.yaml pins. Each version is the docker CLI's plugin in a
DOCKER_CONFIG of its own, so `docker compose` is that version for dockhand
and for the test's own checks alike."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from harness import Stack, Stacks, containers_of, output
from test_errors import assert_one_clear_error

from conftest import ROOT
from helpers import free_port, unavailable

VERSIONS = Path(__file__).parent / "projects" / "versions"
# What scripts/compose-versions makes: a change there is a change here.
TESTED = ("2.26.1", "2.40.3", "5.6.1")
LABEL = "label=dockhand.test=compose-versions"


@pytest.fixture(scope="session")
def compose_folders() -> dict[str, Path]:
    """Version -> the folder with its cli-plugins/docker-compose."""
    script = ROOT / "scripts" / "compose-versions"
    made = subprocess.run([script], capture_output=True, text=True, timeout=900)
    if made.returncode != 0:
        lines = made.stderr.strip().splitlines() or ["no output"]
        unavailable(f"scripts/compose-versions failed: {lines[-1]}")
    folders = dict(line.split(" ", 1) for line in made.stdout.splitlines())
    return {version: Path(folder) for version, folder in folders.items()}


@pytest.fixture(scope="module", params=TESTED)
def docker_config(
    request: pytest.FixtureRequest,
    compose_folders: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """A DOCKER_CONFIG whose Compose plugin is the version under test, with
    the rest of the user's (the other plugins such as buildx, contexts,
    config.json) so the engine and the builder stay the run's own."""
    version: str = request.param
    if version not in compose_folders:
        unavailable(f"scripts/compose-versions did not make Compose {version}")
    home = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    config = tmp_path_factory.mktemp(f"docker-config-{version}")
    plugins = config / "cli-plugins"
    plugins.mkdir()
    if (home / "cli-plugins").is_dir():
        for plugin in (home / "cli-plugins").iterdir():
            if plugin.name != "docker-compose":
                (plugins / plugin.name).symlink_to(plugin.resolve())
    (plugins / "docker-compose").symlink_to(
        compose_folders[version] / "cli-plugins" / "docker-compose"
    )
    if (home / "contexts").is_dir():
        shutil.copytree(home / "contexts", config / "contexts")
    if (home / "config.json").is_file():
        shutil.copy2(home / "config.json", config / "config.json")
    said = subprocess.run(
        ["docker", "compose", "version", "--short"],
        env=os.environ | {"DOCKER_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.strip()
    assert said.lstrip("v").startswith(version), f"{version} says {said!r}"
    return str(config)


@pytest.fixture
def stack(
    stacks: Stacks, docker_config: str, tmp_path: Path, base_image: None
) -> Stack:
    made = stacks.project(VERSIONS, APP_PORT=str(free_port()))
    made.extra_env.update(
        DOCKER_CONFIG=docker_config,
        # Compose's model read by this version, never one another cached.
        DOCKHAND_CACHE_DIR=str(tmp_path / "cache"),
    )
    return made


def run(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """`inv ARGS`, which must exit 0."""
    result = stack.inv(*args, timeout=300)
    assert result.returncode == 0, output(result)
    assert "Traceback" not in result.stderr, output(result)
    return result


def started_at(container: str) -> str:
    return subprocess.run(
        ["docker", "inspect", "--format", "{{.State.StartedAt}}", container],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip


def test_daily_commands(stack: Stack) -> None:
    daily(stack)


V1 = Path("/usr/bin/docker-compose")  # Debian's 1.29, which scripts/test installs


def test_daily_commands_under_compose_v1(
    stacks: Stacks, tmp_path: Path, base_image: None
) -> None:
    """v1 through compose_command: the same commands (logs --since aside,
    which v1 lacks; errors are not compared, v1 words them its own way)."""
    if not V1.exists():
        unavailable(f"Compose v1 is missing at {V1}: scripts/test installs it")
    stack = stacks.project(VERSIONS, APP_PORT=str(free_port()))
    stack.extra_env.update(
        INVOKE_DOCKHAND_COMPOSE_COMMAND=str(V1),
        DOCKHAND_CACHE_DIR=str(tmp_path / "cache"),
    )
    daily(stack)


def daily(stack: Stack) -> None:
    """up, ps, logs, shell -c (exec), restart and down, each exit 0 and
    doing what it says."""
    run(stack, "up")
    rows = rows_of(stack)
    assert set(rows) == {"app"}, rows
    assert rows["app"]["state"] == "running", rows
    assert rows["app"]["health"] == "healthy", rows
    assert str(stack.port("APP_PORT")) in json.dumps(rows["app"]), rows
    (container,) = containers_of(stack.project)
    labelled = subprocess.run(
        ["docker", "ps", "-q", "--no-trunc", "--filter", LABEL],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()  # fmt: skip
    assert any(c.startswith(container) for c in labelled)

    assert "app started" in run(stack, "logs", "app", "--tail", "5").stdout
    # exec in the running container: its answer, and its own hostname
    shell = run(stack, "shell", "-c", "echo $((6 * 7)) $(hostname)")
    assert shell.stdout.split()[0] == "42", output(shell)
    assert container.startswith(shell.stdout.split()[1]), output(shell)

    before = started_at(container)
    run(stack, "restart", "app")
    assert started_at(container) != before
    assert rows_of(stack)["app"]["health"] == "healthy"

    run(stack, "down")
    assert containers_of(stack.project) == []


def rows_of(stack: Stack) -> dict[str, dict[str, object]]:
    return {
        row["service"]: row for row in json.loads(run(stack, "ps", "--json").stdout)
    }


def test_a_failed_build_step_is_named(stack: Stack) -> None:
    stack.extra_env["INVOKE_DOCKHAND_PROFILES"] = "broken"
    assert_one_clear_error(
        stack.inv("up", "--build", "broken", timeout=600),
        "a build step failed",
        "exit 7",
        "exited 7",
    )


@pytest.mark.parametrize(
    "args", [("up", "app"), ("up", "--build", "broken")], ids=["image", "base-image"]
)
def test_an_image_the_engine_cannot_get_is_named(
    stack: Stack, args: tuple[str, ...]
) -> None:
    """Pulled by Compose for a service, or by the builder for FROM."""
    stack.extra_env.update(
        INVOKE_DOCKHAND_PROFILES="broken", BASE_IMAGE="dockhand-no-such-image:1"
    )
    result = stack.inv(*args, timeout=300)
    assert_one_clear_error(result, "could not be pulled")
    if "app" in args:  # 5 names the image, 2.x only the service
        (line,) = (s for s in result.stderr.splitlines() if s.startswith("error:"))
        assert "dockhand-no-such-image" in line or "service app" in line, line


def test_a_port_another_process_holds_is_named(stack: Stack) -> None:
    """dockhand's own check before `up`, from the ports in this version's model."""
    port = stack.port("APP_PORT")
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", port))  # noqa: S104 - where Compose publishes
        holder.listen()
        result = stack.inv("up", "app", timeout=300)
    assert_one_clear_error(result, f"port {port} in use by", "app, APP_PORT")


def test_a_port_the_engine_refuses_is_named(stack: Stack) -> None:
    """Free before `up`, taken by the first of two services publishing it:
    the engine refuses the second, and Compose says so."""
    stack.extra_env["INVOKE_DOCKHAND_PROFILES"] = "twin"
    port = stack.port("APP_PORT")
    assert_one_clear_error(
        stack.inv("up", "app", "twin", timeout=300),
        f"host port {port} is already taken",
        "twin",
    )


def test_an_unknown_service_is_named(stack: Stack) -> None:
    assert_one_clear_error(
        stack.inv("logs", "nosuch"), "unknown service 'nosuch'", "app"
    )


@pytest.mark.parametrize(
    ("broken", "fragments"),
    [
        (
            ("    labels: *labels\n", "    labels: *labels\n    portz: [80]\n"),
            ("Compose could not load the project", "portz"),
        ),
        (("  app:\n", "  app:\n  - [\n"), ("not valid YAML", "compose.yaml")),
    ],
    ids=["unknown-key", "bad-yaml"],
)
def test_a_bad_compose_file_is_named(
    stack: Stack, tmp_path: Path, broken: tuple[str, str], fragments: tuple[str, ...]
) -> None:
    root = tmp_path / "versions"
    shutil.copytree(VERSIONS, root)
    compose = root / "compose.yaml"
    compose.write_text(compose.read_text().replace(*broken, 1))
    stack.root = root
    assert_one_clear_error(stack.inv("up", "app"), *fragments)
