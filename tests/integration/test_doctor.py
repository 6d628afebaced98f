"""`inv doctor` against a machine broken for real, one thing at a time: a
listener on a stack port, a container holding one, a world-readable .env, a
malformed line, a missing key, a placeholder secret, no .env, an engine that
does not answer, no docker CLI, an old or missing Compose, a missing base
image, too little disk. No stack is started: doctor must not need one."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from harness import (
    REPO,
    Stack,
    Stacks,
    compose_status,
    free_port,
    output,
    running_compose,
    trust_status,
    unique_name,
    write_env,
)

SECRET_KEYS = ("POSTGRES_PASSWORD", "SECRET_KEY", "MINIO_ROOT_PASSWORD")


@pytest.fixture
def stack(stacks: Stacks, base_image: None) -> Stack:
    # Taken down after the test: nothing was started; this proves it stays that way.
    # The router's port: one of this test's own (the router is never started).
    return stacks.reference(
        env_name=".env",
        DOCKHAND_ROUTER=unique_name("dhtest-router"),
        DOCKHAND_ROUTER_PORTS=str(free_port()),
    )


def doctor(
    stack: Stack, *, secrets: list[str] | None = None
) -> tuple[int, dict[str, Any]]:
    """`inv doctor --json`: exit code and checks by name; no secret in its output."""
    values = stack.values if stack.env_file.exists() else {}
    secrets = (
        secrets if secrets is not None else [values.get(k, "") for k in SECRET_KEYS]
    )
    result = stack.inv("doctor", "--json", timeout=120)
    for secret in secrets:
        if secret and secret != "change-me":
            assert secret not in result.stdout + result.stderr
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"doctor printed no JSON\n{output(result)}")
    assert data["ok"] is (result.returncode == 0), output(result)
    return result.returncode, {c["name"]: c for c in data["checks"]}


def failing(checks: dict[str, Any]) -> set[str]:
    return {name for name, c in checks.items() if not c["ok"]}


def test_a_ready_machine_passes_every_check(stack: Stack) -> None:
    code, checks = doctor(stack)
    assert code == 0, checks
    # the one check that needs the stack running is a skip without it
    assert checks["database login"]["status"] == "skip", checks
    assert "is not running" in checks["database login"]["detail"]
    # Compose: a warning where another than the pinned one runs (Engine 28's).
    assert checks["compose"]["status"] == compose_status(), checks
    # The host's CAs: a warning where it trusts some beyond the public bundle.
    assert checks["trust"]["status"] == trust_status(), checks
    rest = {
        c["status"]
        for n, c in checks.items()
        if n not in ("database login", "compose", "trust")
    }
    assert rest == {"ok"}, checks
    for name in (
        *("docker CLI", "engine", "compose", "compose files", "images", "disk"),
        *("env example", "env file", "env syntax", "env complete", "env secrets"),
        *("env permissions", "project name", "support", "router port"),
    ):
        assert name in checks
    assert f"port {stack.port('BACKEND_PORT')}" in checks

    text = stack.inv("doctor")
    assert text.returncode == 0, output(text)
    lines = [line for line in text.stdout.splitlines() if line.strip()]
    warned = compose_status() == "warn"  # its line, and the fix under it
    trusting = trust_status() == "warn"
    assert len(lines) == len(checks) + warned + trusting  # one line per check
    assert all(
        line.startswith(("ok  ", "skip  "))
        or (warned and line.startswith("warn  compose"))
        or (warned and line.lstrip().startswith("fix: install Compose"))
        or (trusting and line.startswith("warn  trust"))
        or (trusting and line.lstrip().startswith("fix: turn on dockhand.trust"))
        for line in lines
    ), lines
    oks, warns = len(checks) - 1 - warned - trusting, warned + trusting
    assert f"{oks} ok, {warns} warn, 0 failed, 1 skipped" in text.stderr


def test_a_listener_on_a_stack_port_is_named(stack: Stack) -> None:
    port = stack.port("BACKEND_PORT")
    with socket.socket() as listener:
        listener.bind(("0.0.0.0", port))  # noqa: S104 - what a stray dev server does
        listener.listen()
        code, checks = doctor(stack)
        text = stack.inv("doctor")
    check = checks[f"port {port}"]
    assert code == 1 and failing(checks) == {f"port {port}"}
    assert f"(pid {os.getpid()})" in check["detail"]  # this test process holds it
    # Named as the kernel names this process (python; under pytest-xdist,
    # the title it gives its workers).
    assert Path(f"/proc/{os.getpid()}/comm").read_text().strip() in check["detail"]
    assert "BACKEND_PORT" in check["fix"]
    # Text: the FAIL line, then its fix, then the one-line error.
    lines = text.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("FAIL"))
    assert f"port {port}" in lines[at] and "fix: " in lines[at + 1]
    assert "1 of" in text.stderr and text.returncode == 1


def test_a_listener_on_the_router_port_is_named(stack: Stack) -> None:
    port = int(stack.extra_env["DOCKHAND_ROUTER_PORTS"])
    code, checks = doctor(stack)
    assert checks["router port"]["status"] == "ok", checks
    assert checks["router port"]["detail"] == (
        f"{port} is free: `inv up` starts the router there"
    )
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        code, checks = doctor(stack)
    check = checks["router port"]
    # A warning: the router takes another port; nothing fails.
    assert check["status"] == "warn" and code == 0, checks
    assert check["detail"].startswith(f"{port} is held by ")
    assert f"(pid {os.getpid()})" in check["detail"]  # this test process
    assert "the router listens on another port" in check["detail"]


def test_a_container_holding_a_stack_port_is_named(stack: Stack) -> None:
    port = stack.port("REDIS_PORT")
    name = unique_name("dhholder")
    started = subprocess.run(
        [
            *("docker", "run", "-d", "--rm", "--name", name),
            *("-p", f"127.0.0.1:{port}:80", "debian:bookworm-slim", "sleep", "120"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        assert started.returncode == 0, started.stderr
        code, checks = doctor(stack)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    check = checks[f"port {port}"]
    assert code == 1 and not check["ok"]
    assert f"container {name}" in check["detail"]
    assert f"docker stop {name}" in check["fix"] and "REDIS_PORT" in check["fix"]


def test_an_env_file_others_can_read(stack: Stack) -> None:
    stack.env_file.chmod(0o644)
    code, checks = doctor(stack)
    assert code == 1 and failing(checks) == {"env permissions"}
    assert "0644" in checks["env permissions"]["detail"]
    assert checks["env permissions"]["fix"] == f"chmod 600 {stack.env_file}"


def test_a_malformed_line_is_named_with_file_and_line(stack: Stack) -> None:
    lines = stack.env_file.read_text().splitlines()
    lines.insert(2, "POSTGRES_DB: neuroagent")
    stack.env_file.write_text("\n".join(lines) + "\n")
    code, checks = doctor(stack)
    assert code == 1 and "env syntax" in failing(checks)
    assert f"{stack.env_file}, line 3" in checks["env syntax"]["detail"]
    assert "POSTGRES_DB=value" in checks["env syntax"]["fix"]


def test_a_missing_key(stack: Stack) -> None:
    values = stack.values
    del values["SECRET_KEY"]
    write_env(stack.env_file, values)
    code, checks = doctor(stack)
    assert code == 1 and failing(checks) == {"env complete"}
    assert "SECRET_KEY" in checks["env complete"]["detail"]
    # docker-compose.yml requires SECRET_KEY: the model falls back to the
    # example's value for it, as `inv setup` would, so the ports are checked.
    assert f"port {stack.port('BACKEND_PORT')}" in checks
    assert "inv setup" in checks["env complete"]["fix"]


def test_a_placeholder_secret(stack: Stack) -> None:
    values = stack.values
    values["POSTGRES_PASSWORD"] = "change-me"
    write_env(stack.env_file, values)
    code, checks = doctor(stack)
    assert code == 1 and failing(checks) == {"env secrets"}
    assert "POSTGRES_PASSWORD" in checks["env secrets"]["detail"]


def test_no_env_file(stack: Stack, tmp_path: Path) -> None:
    # The example's own ports (8078, ...) may be another stack's on this
    # machine: an example of the same keys, with ports that are free.
    backend_port = free_port()
    example = tmp_path / "example.env"
    example.write_text(
        re.sub(
            r"^(\w+_PORT)=\d+$",
            lambda m: (
                f"{m[1]}={backend_port if m[1] == 'BACKEND_PORT' else free_port()}"
            ),
            (REPO / ".env.example").read_text(),
            flags=re.MULTILINE,
        )
    )
    stack.extra_env["INVOKE_DOCKHAND_ENV_EXAMPLE"] = str(example)
    stack.env_file.unlink()
    code, checks = doctor(stack, secrets=[])
    assert code == 1 and failing(checks) == {"env file"}, checks
    assert "inv setup" in checks["env file"]["fix"]
    # The ports were still checked, with the example's values.
    assert f"port {backend_port}" in checks


def test_an_engine_that_does_not_answer(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as nobody:
        nobody.bind(str(path))  # a socket file nobody listens on
        stack.extra_env["DOCKER_HOST"] = f"unix://{path}"
        code, checks = doctor(stack)
    assert code == 1 and "engine" in failing(checks)
    assert f"DOCKER_HOST=unix://{path}" in checks["engine"]["detail"]
    assert "DOCKER_HOST" in checks["engine"]["fix"]
    assert checks["images"]["status"] == "skip"


def test_an_engine_socket_that_is_not_there(stack: Stack, tmp_path: Path) -> None:
    stack.extra_env["DOCKER_HOST"] = f"unix://{tmp_path}/absent.sock"
    code, checks = doctor(stack)
    assert code == 1 and "engine" in failing(checks)
    assert f"no socket at {tmp_path}/absent.sock" in checks["engine"]["detail"]
    assert "scripts/engine" in checks["engine"]["fix"]


def test_no_docker_cli(stack: Stack, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    stack.extra_env["PATH"] = str(empty)
    code, checks = doctor(stack)
    assert code == 1
    assert (
        not checks["docker CLI"]["ok"]
        and "scripts/engine" in checks["docker CLI"]["fix"]
    )
    assert not checks["compose"]["ok"]


def test_a_compose_older_than_supported(stack: Stack, tmp_path: Path) -> None:
    old = tmp_path / "docker-compose"
    old.write_text("#!/bin/sh\necho 1.25.0\n")
    old.chmod(0o755)
    stack.extra_env["INVOKE_DOCKHAND_COMPOSE_COMMAND"] = str(old)
    code, checks = doctor(stack)
    assert code == 1 and failing(checks) == {"compose"}
    assert "too old" in checks["compose"]["detail"]
    assert checks["ports"]["status"] == "skip"


def test_a_compose_other_than_the_pinned_one_warns(stack: Stack) -> None:
    stack.extra_env["INVOKE_DOCKHAND_COMPOSE_VERSION"] = "2.20.0"
    code, checks = doctor(stack)
    running = checks["compose"]
    assert code == 0 and running["status"] == "warn", checks
    assert "pins Compose 2.20.0" in running["detail"]
    assert "scripts/engine --compose" in running["fix"]
    # The pin this repository keeps is the one scripts/engine installed; on
    # Engine 28's run, Debian's Compose 2.40 runs: pinned, it is ok too.
    if compose_status() == "ok":
        del stack.extra_env["INVOKE_DOCKHAND_COMPOSE_VERSION"]
    else:
        stack.extra_env["INVOKE_DOCKHAND_COMPOSE_VERSION"] = running_compose()
    assert doctor(stack)[1]["compose"]["status"] == "ok"


def test_no_compose(stack: Stack, tmp_path: Path) -> None:
    stack.extra_env["INVOKE_DOCKHAND_COMPOSE_COMMAND"] = str(tmp_path / "none")
    code, checks = doctor(stack)
    assert code == 1 and failing(checks) == {"compose"}
    assert "not found" in checks["compose"]["detail"]


def test_no_base_image_and_no_registry(stack: Stack) -> None:
    values = stack.values
    # A registry under .invalid (RFC 2606) never resolves, here or anywhere.
    values["BASE_IMAGE"] = f"{unique_name('dhmissing')}.invalid/base:never"
    write_env(stack.env_file, values)
    code, checks = doctor(stack)
    check = checks["images"]
    assert code == 1 and failing(checks) == {"images"}
    assert values["BASE_IMAGE"] in check["detail"]
    assert "scripts/base-image" in check["fix"]


def test_an_image_a_dockerfile_starts_from_is_missing(tmp_path: Path) -> None:
    # Not BASE_IMAGE: the FROM line's own image, which `inv build` would need.
    missing = f"{unique_name('dhmissing')}.invalid/runtime:1"  # never resolves
    root = tmp_path / "shop"
    (root / "app").mkdir(parents=True)
    (root / "app" / "Dockerfile").write_text(
        f"ARG BASE_IMAGE=debian:bookworm-slim\nFROM ${{BASE_IMAGE}} AS build\n"
        f"FROM {missing}\nCOPY --from=build /etc/hostname /x\n"
    )
    (root / "docker-compose.yml").write_text(
        "services:\n  app:\n    build: app\n    command: [sleep, infinity]\n"
    )
    (root / "tasks.py").write_text(
        "from dockhand import namespace\n\nns = namespace(__file__)\n"
    )
    s = Stack(root=root, env_file=root / ".env")
    code, checks = doctor(s, secrets=[])
    check = checks["images"]
    assert code == 1 and "images" in failing(checks), checks
    assert f"{missing} (FROM of app)" in check["detail"]
    assert "debian:bookworm-slim" not in check["detail"]  # that one is present


def test_low_disk(stack: Stack) -> None:
    stack.extra_env["INVOKE_DOCKHAND_MIN_FREE_DISK_GB"] = "1000000000"
    code, checks = doctor(stack)
    assert code == 1 and failing(checks) == {"disk"}
    assert (
        "/var/lib/docker" in checks["disk"]["detail"]
        or "free" in checks["disk"]["detail"]
    )
    assert "prune" in checks["disk"]["fix"]
