"""The daily commands on the reference stack, under Compose v5 and under v1."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import REPO, Stack, env_lines, output, write_env

V1 = "/usr/bin/docker-compose"


def make_stack(folder: Path, **extra_env: str) -> Stack:
    env_file = folder / "test.env"
    write_env(env_file, env_lines(REPO / ".env.example"))
    return Stack(root=REPO, env_file=env_file, extra_env=extra_env)


@pytest.fixture(scope="module", params=["v5", "v1"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    extra = {}
    if request.param == "v1":
        if not Path(V1).exists():
            pytest.fail(
                f"Compose v1 is missing at {V1}: scripts/test installs it (apt-get install docker-compose)"
            )
        extra["INVOKE_DOCKHAND_COMPOSE_COMMAND"] = V1
    s = make_stack(tmp_path_factory.mktemp(request.param), **extra)
    yield s
    s.destroy()


def http_get(port: int, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port}{path}", timeout=10
    ) as response:
        return response.status, response.read().decode()


def ps(stack: Stack) -> dict[str, dict[str, object]]:
    result = stack.inv("ps", "--json")
    assert result.returncode == 0, output(result)
    return {row["service"]: row for row in json.loads(result.stdout)}


def test_core_flow(stack: Stack) -> None:
    built = stack.inv("build", timeout=1200)
    assert built.returncode == 0, output(built)

    up = stack.inv("up")
    assert up.returncode == 0, output(up)
    assert "all services are ready" in up.stderr
    backend_port = stack.port("BACKEND_PORT")
    assert f".localhost:{backend_port}/healthz" in up.stderr
    rows = ps(stack)
    assert {name: row["health"] for name, row in rows.items()} == {
        "db": "healthy",
        "redis": "healthy",
        "backend": "healthy",
        "backend-ts": "healthy",
    }
    assert http_get(backend_port, "/healthz")[0] == 200

    migrated = stack.inv("migrate")
    assert migrated.returncode == 0, output(migrated)
    status = stack.inv("migrate", "--status")
    assert status.returncode == 0, output(status)
    assert "0001" in status.stdout + status.stderr

    logs = stack.inv("logs", "backend", "--tail", "5")
    assert logs.returncode == 0, output(logs)
    lines = [
        line
        for line in logs.stdout.splitlines()
        if line.strip() and not line.startswith("Attaching")
    ]
    assert lines and all(line.startswith("backend") for line in lines), logs.stdout

    down = stack.inv("down")
    assert down.returncode == 0, output(down)
    assert ps(stack) == {}
    volumes = subprocess.run(
        [
            "docker",
            "volume",
            "ls",
            "-q",
            "--filter",
            f"label=com.docker.compose.project={stack.project}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert any(v.endswith("db-data") for v in volumes), (
        "down must keep the data volumes"
    )


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The reference stack up and migrated, shared by the tests below."""
    s = make_stack(tmp_path_factory.mktemp("running"))
    for args in (("up", "--build"), ("migrate",)):
        result = s.inv(*args, timeout=1200)
        assert result.returncode == 0, output(result)
    yield s
    s.destroy()


def test_up_with_services_waits_only_for_what_it_started(running: Stack) -> None:
    # From a stopped stack, so there is something to wait for: redis starts
    # and is waited for; nothing else is started, so nothing else could be.
    assert running.compose("stop").returncode == 0
    try:
        result = running.inv("up", "redis", "--timeout", "60")
        assert result.returncode == 0, output(result)
        assert "waiting for redis to be ready" in result.stderr, output(result)
        states = {name: row["state"] for name, row in ps(running).items()}
        assert states.pop("redis") == "running" and ps(running)["redis"]["health"] == (
            "healthy"
        )
        assert set(states.values()) == {"exited"}, states
    finally:
        assert running.inv("up", timeout=600).returncode == 0


def test_restart_waits_healthy_again(running: Stack) -> None:
    before = ps(running)["backend"]["started_at"]
    result = running.inv("restart", "backend")
    assert result.returncode == 0, output(result)
    after = ps(running)["backend"]
    assert after["health"] == "healthy" and after["started_at"] != before


def test_a_remembered_login_still_refuses_another_password(running: Stack) -> None:
    """`inv up` remembers a login it verified (the next one asks the
    database nothing); another password is still refused in one line."""
    assert running.inv("up").returncode == 0  # verified, remembered
    other = Stack(
        root=running.root,
        env_file=running.env_file,
        project=running.project,
        extra_env={**running.extra_env, "POSTGRES_PASSWORD": "not-the-one"},
    )
    refused = other.inv("up")
    assert refused.returncode == 1, output(refused)
    assert "initialised with another POSTGRES_PASSWORD than test.env has" in (
        refused.stderr
    ), output(refused)
    again = running.inv("up")
    assert again.returncode == 0, output(again)


def test_ps_table_shows_state_ports_and_uptime(running: Stack) -> None:
    result = running.inv("status")
    assert result.returncode == 0, output(result)
    backend_line = next(
        line for line in result.stdout.splitlines() if line.startswith("backend ")
    )
    assert "healthy" in backend_line
    assert f"{running.port('BACKEND_PORT')}->8078/tcp" in backend_line


def test_logs_of_all_services_and_options(running: Stack) -> None:
    result = running.inv("logs", "--tail", "3", "--timestamps", "--since", "1h")
    assert result.returncode == 0, output(result)
    services = {
        line.split()[0].rsplit("-", 1)[0]
        for line in result.stdout.splitlines()
        if line.strip()
    }
    assert {"db", "backend", "backend-ts"} <= services
    assert "T" in result.stdout.splitlines()[0]  # an RFC 3339 timestamp


def test_migrate_twice_applies_nothing_new(running: Stack) -> None:
    before = running.inv("migrate", "--status")
    result = running.inv("migrate")
    assert result.returncode == 0, output(result)
    assert "no pending migrations" in result.stdout, output(result)  # backend-ts
    assert "Running upgrade" not in result.stdout + result.stderr  # alembic
    after = running.inv("migrate", "--status")
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout


def test_shell_command_returns_its_exit_code_without_a_tty(running: Stack) -> None:
    uid = running.inv("shell", "backend", "-c", "id -u")
    assert uid.returncode == 0, output(uid)
    assert uid.stdout.strip().isdigit() and uid.stdout.strip() != "0"
    failed = running.inv("shell", "-c", "echo its own words >&2; exit 7")
    assert failed.returncode == 7, output(failed)
    assert failed.stderr == "its own words\n", output(failed)  # nothing added


def test_shell_in_a_stopped_service_uses_a_one_off_container(running: Stack) -> None:
    stopped = running.compose("stop", "backend-ts")
    assert stopped.returncode == 0, stopped.stderr
    try:
        result = running.inv("--echo", "shell", "backend-ts", "-c", "echo one-off")
        assert result.returncode == 0, output(result)
        assert "one-off" in result.stdout
        assert " run --rm " in result.stderr
    finally:
        assert running.inv("up", "backend-ts").returncode == 0


def test_dry_run_prints_and_changes_nothing(running: Stack) -> None:
    before = ps(running)
    result = running.inv("--dry", "down", "--volumes")
    assert result.returncode == 0, output(result)
    assert "down --remove-orphans --volumes" in result.stderr

    def identity(rows: dict[str, dict[str, object]]) -> dict[str, tuple[object, ...]]:
        return {
            name: (r["container"], r["started_at"], r["state"])
            for name, r in rows.items()
        }

    assert identity(ps(running)) == identity(before)


def test_clean_keeps_volumes_and_removes_images(running: Stack, tmp_path: Path) -> None:
    clean = running.inv("clean")
    assert clean.returncode == 0, output(clean)
    assert ps(running) == {}
    label = f"label=com.docker.compose.project={running.project}"
    volumes = subprocess.run(
        ["docker", "volume", "ls", "-q", "--filter", label],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "db-data" in volumes
    images = subprocess.run(
        ["docker", "image", "ls", "-q", f"{running.project}-backend"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert images.strip() == ""
    # The data is still there: the stack comes back with its migrations applied.
    again = running.inv("up", "--build", timeout=1200)
    assert again.returncode == 0, output(again)
    status = running.inv("migrate", "--status")
    assert status.returncode == 0, output(status)
    lines = status.stdout.splitlines()
    assert "0001 (head)" in lines, output(status)  # alembic current: backend
    assert any(line.startswith("applied  0001_create_events.sql") for line in lines)
    assert "1 applied, 0 pending" in lines, output(status)  # backend-ts
