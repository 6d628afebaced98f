"""The production profile: `inv prod TASK` is the one way to select the
override, for every task, and `inv prod up` really runs the hardened stack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness import (
    Stack,
    Stacks,
    compose_status,
    containers_of,
    inspect_running,
    output,
    reference_stack,
)

SERVICES = {"db", "redis", "backend", "backend-ts"}


def prod_file(stack: Stack) -> str:
    return str(stack.root / "docker-compose.prod.yml")


@pytest.fixture
def dry_stack(tmp_path: Path) -> Stack:
    return reference_stack(tmp_path / "test.env")


# Every task that runs Compose prints what it would run under --dry.
COMPOSE_TASKS = [
    ["build"],
    ["up"],
    ["down"],
    ["restart"],
    ["logs", "backend"],
    ["migrate"],
    ["migrate", "--status"],
    ["shell", "-c", "true"],
    ["clean"],
    ["db.shell", "-c", "select 1"],
    ["db.backup"],
    ["db.reset", "--yes"],
    ["setup"],
]


@pytest.mark.parametrize("task", COMPOSE_TASKS, ids=" ".join)
def test_prod_selects_the_override_for_every_compose_task(
    dry_stack: Stack, task: list[str]
) -> None:
    prod = dry_stack.inv("--dry", "prod", *task)
    assert prod.returncode == 0, output(prod)
    commands = [line for line in prod.stderr.splitlines() if line.startswith("$ ")]
    compose = [line for line in commands if " compose " in line]
    assert compose, output(prod)
    root = dry_stack.root
    for line in compose:
        assert f"-f {root / 'docker-compose.yml'} -f {prod_file(dry_stack)}" in line

    dev = dry_stack.inv("--dry", *task)
    assert dev.returncode == 0, output(dev)
    assert prod_file(dry_stack) not in dev.stderr, output(dev)


def test_db_restore_under_prod(dry_stack: Stack, tmp_path: Path) -> None:
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    prod = dry_stack.inv("--dry", "prod", "db.restore", str(dump), "--yes")
    assert prod.returncode == 0, output(prod)
    assert f"-f {prod_file(dry_stack)}" in prod.stderr


@pytest.mark.parametrize("task", [["ps"], ["env"]], ids=" ".join)
def test_prod_chains_with_the_read_only_tasks(
    dry_stack: Stack, task: list[str]
) -> None:
    result = dry_stack.inv("prod", *task)
    assert result.returncode == 0, output(result)
    assert "Traceback" not in result.stderr, output(result)


@pytest.mark.parametrize("task", ["check", "doctor"])
def test_prod_doctor_and_check_read_the_override(
    dry_stack: Stack, task: str, tmp_path: Path
) -> None:
    # An override Compose rejects: only a command that reads it can say so.
    broken = tmp_path / "broken.prod.yml"
    broken.write_text("services:\n  backend:\n    read_only: [not, a, flag]\n")
    dry_stack.extra_env["INVOKE_DOCKHAND_PROD_FILES"] = str(broken)

    def compose_files(*prod: str) -> dict[str, Any]:
        result = dry_stack.inv(*prod, task, "--json")
        assert "Traceback" not in result.stderr, output(result)
        assert result.returncode in (0, 1), output(result)
        checks = {row["name"]: row for row in json.loads(result.stdout)["checks"]}
        return dict(checks["compose files"])

    read = compose_files("prod")
    assert read["status"] == "fail", read
    assert "docker-compose.yml + broken.prod.yml" in read["detail"], read
    assert compose_files()["status"] == "ok"  # without prod it is not read


# -------------------------------------------------------- on the real engine


@pytest.fixture(scope="module")
def prod_stack(base_image: None, module_stacks: Stacks) -> Stack:
    stack = module_stacks.reference()
    up = stack.inv("prod", "up", "--build", timeout=1500)
    assert up.returncode == 0, output(up)
    assert "all services are ready" in up.stderr, output(up)
    return stack


def test_prod_containers_are_hardened_and_healthy(prod_stack: Stack) -> None:
    containers = inspect_running(prod_stack.project)
    assert set(containers) == SERVICES
    for service, attrs in containers.items():
        host = attrs["HostConfig"]
        assert host["ReadonlyRootfs"] is True, service
        assert host["Memory"] == 2 * 1024**3, service
        assert host["NanoCpus"] == 2 * 10**9, service
        assert host["LogConfig"] == {
            "Type": "json-file",
            "Config": {"max-file": "3", "max-size": "10m"},
        }, service
        assert host["RestartPolicy"]["Name"] == "unless-stopped", service
        assert attrs["State"]["Health"]["Status"] == "healthy", service
    # The tuned PostgreSQL and the Redis append-only file are in effect.
    assert "shared_buffers=512MB" in containers["db"]["Args"]
    assert "--appendonly" in containers["redis"]["Args"]


def test_prod_ps_migrate_and_check(prod_stack: Stack) -> None:
    ps = prod_stack.inv("prod", "ps", "--json")
    assert ps.returncode == 0, output(ps)
    rows = {row["service"]: row for row in json.loads(ps.stdout)}
    assert {s: r["health"] for s, r in rows.items()} == dict.fromkeys(
        SERVICES, "healthy"
    )

    # Migrations write to the database volume, not the read-only root.
    migrated = prod_stack.inv("prod", "migrate")
    assert migrated.returncode == 0, output(migrated)

    check = prod_stack.inv("prod", "check", "--json")
    assert check.returncode == 0, output(check)
    results = {row["name"]: row["status"] for row in json.loads(check.stdout)["checks"]}
    # What a Swarm stack drops of it (shm_size, loopback ports) is a warning.
    assert results.pop("swarm-compat") == "warn"
    # Compose: a warning where another than the pinned one runs (Engine 28's).
    assert results.pop("compose") == compose_status()
    assert set(results.values()) == {"ok"}, results


def test_prod_down_then_up_again(prod_stack: Stack) -> None:
    down = prod_stack.inv("prod", "down")
    assert down.returncode == 0, output(down)
    assert containers_of(prod_stack.project) == []
    # Back up (data volumes kept), so no other test depends on running first.
    up = prod_stack.inv("prod", "up", timeout=600)
    assert up.returncode == 0, output(up)
    assert len(containers_of(prod_stack.project)) == len(SERVICES)
    # ... and up under the production override again, not the dev stack.
    for service, attrs in inspect_running(prod_stack.project).items():
        labels = attrs["Config"]["Labels"]
        config_files = labels["com.docker.compose.project.config_files"]
        assert prod_file(prod_stack) in config_files, service
        assert attrs["HostConfig"]["ReadonlyRootfs"] is True, service
