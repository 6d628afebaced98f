"""The stack group on the reference stack: build, up, down, restart and ps
(the daily flow under Compose v5 and under v1), ps --watch, and --dry."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from harness import (
    Stack,
    Stacks,
    inspect_service,
    output,
    ps,
    volumes_of,
    wait_for,
)

V1 = "/usr/bin/docker-compose"


@pytest.fixture(params=["v5", "v1"])
def stack(request: pytest.FixtureRequest, stacks: Stacks) -> Stack:
    if request.param == "v5":
        return stacks.reference()
    if not Path(V1).exists():
        pytest.fail(
            f"Compose v1 is missing at {V1}: scripts/test installs it (apt-get install docker-compose)"
        )
    return stacks.reference(INVOKE_DOCKHAND_COMPOSE_COMMAND=V1)


def http_get(port: int, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port}{path}", timeout=10
    ) as response:
        return response.status, response.read().decode()


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
    volumes = volumes_of(stack.project)
    assert any(v.endswith("db-data") for v in volumes), (
        "down must keep the data volumes"
    )


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


def tables(text: str) -> list[str]:
    return [t for t in text.split("\n\n") if t.startswith("SERVICE")]


def test_ps_watch_prints_the_table_again_on_each_change(
    running: Stack, tmp_path: Path
) -> None:
    log = tmp_path / "watch.out"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "invoke", "ps", "--watch"],
            cwd=running.root,
            env=running.env(),
            stdout=out,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        try:
            wait_for(lambda: len(tables(log.read_text())) == 1, 30, "the first table")
            first = tables(log.read_text())[0]
            assert re.search(r"^redis\s+healthy", first, re.M), first
            container = inspect_service(running, "redis")["Id"]
            subprocess.run(
                ["docker", "stop", "-t", "1", container],
                check=True,
                capture_output=True,
            )
            wait_for(
                lambda: any(
                    re.search(r"^redis\s+exited", t, re.M)
                    for t in tables(log.read_text())
                ),
                30,
                "a table with redis exited",
            )
            subprocess.run(
                ["docker", "start", container], check=True, capture_output=True
            )
            wait_for(
                lambda: (
                    re.search(r"^redis\s+healthy", tables(log.read_text())[-1], re.M)
                    is not None
                ),
                60,
                "a table with redis healthy again",
            )
            os.killpg(process.pid, signal.SIGINT)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    assert process.stderr is not None
    said = process.stderr.read()
    assert code == 130, said
    assert "interrupted" in said
    # Every table differs from the one before it: nothing printed twice.
    printed = tables(log.read_text())
    assert len(printed) >= 3, log.read_text()
    states = [[line.split()[:2] for line in t.splitlines()] for t in printed]
    assert all(a != b for a, b in itertools.pairwise(states)), printed
