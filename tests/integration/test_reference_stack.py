"""The reference stack on a real engine: images, health, migrations, persistence,
shutdown, the production override and the Node entrypoint's give-up path.

The module builds one stack; the `stack` fixture (re)starts it before every
test, so no test depends on another having run, or on the order.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from harness import inspect, sql

if TYPE_CHECKING:
    from conftest import Compose

ROOT = Path(__file__).resolve().parents[2]

SERVICES = {"db", "redis", "backend", "backend-ts"}
SIZE_BUDGET = 250 * 10**6  # the seed's image was 352 MB; stay well under it


@pytest.fixture(scope="module")
def built(module_project: Compose, base_image: None) -> Compose:
    module_project.run("build", timeout=900)
    return module_project


@pytest.fixture
def stack(built: Compose) -> Compose:
    """The module's stack, up and healthy with the dev files."""
    built.run("up", "-d", "--wait", timeout=300)
    return built


def http(method: str, url: str, body: object = None) -> tuple[int, Any]:
    """Status and JSON body; every URL comes from Compose.url (http://)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310
        url, data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def compose_ps(stack: Compose) -> dict[str, dict[str, Any]]:
    """Service name -> `ps` entry; Compose prints a JSON array before 2.21."""
    out = stack.run("ps", "--format", "json").stdout.strip()
    rows = (
        json.loads(out)
        if out.startswith("[")
        else [json.loads(line) for line in out.splitlines()]
    )
    return {row["Service"]: row for row in rows}


def migrate(stack: Compose) -> tuple[str, str]:
    """Both services' migrations; returns what each printed."""
    py = stack.run("exec", "-T", "backend", "alembic", "upgrade", "head")
    ts = stack.run("exec", "-T", "backend-ts", "node", "migrate.js")
    return py.stdout + py.stderr, ts.stdout + ts.stderr


def test_every_service_is_running_and_healthy(stack: Compose) -> None:
    services = compose_ps(stack)
    assert set(services) == SERVICES  # minio only with --profile storage
    for name, row in services.items():
        assert (row["State"], row["Health"]) == ("running", "healthy"), name


def test_images_are_small_and_run_as_non_root(stack: Compose) -> None:
    uids = {}
    for service in SERVICES:
        image = inspect(f"{stack.project}-{service}")
        assert image["Size"] < SIZE_BUDGET, f"{service}: {image['Size'] / 1e6:.0f} MB"
        assert image["Config"]["User"] not in ("", "root", "0"), service
        uids[service] = stack.run("exec", "-T", service, "id", "-u").stdout.strip()
    assert "0" not in uids.values(), uids
    assert uids["backend-ts"] == "1001"
    pid1 = stack.run("exec", "-T", "backend-ts", "cat", "/proc/1/comm").stdout
    assert pid1.strip() == "tini"


def test_health_endpoints_answer_from_the_host(stack: Compose) -> None:
    assert http("GET", stack.url("BACKEND_PORT", "/healthz")) == (
        200,
        {"status": "ok", "db": "ok", "redis": "ok"},
    )
    assert http("GET", stack.url("BACKEND_TS_PORT", "/api/healthz")) == (
        200,
        {"status": "ok", "db": "ok"},
    )


def test_backend_health_is_503_without_redis(stack: Compose) -> None:
    stack.run("stop", "redis")
    try:
        status, body = http("GET", stack.url("BACKEND_PORT", "/healthz"))
    finally:
        stack.run("start", "redis")
    assert status == 503
    assert body["db"] == "ok"
    assert body["redis"].startswith("error")


def test_migrations_apply_once_and_are_recorded(stack: Compose) -> None:
    sql(stack, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")  # a fresh database

    first_py, first_ts = migrate(stack)
    assert "Running upgrade  -> 0001" in first_py
    assert "applied  0001_create_events.sql" in first_ts
    assert sql(stack, "SELECT version_num FROM alembic_version") == "0001"
    assert sql(stack, "SELECT name FROM _migrations") == "0001_create_events.sql"
    assert (
        sql(stack, "SELECT to_regclass('items'), to_regclass('events')")
        == "items|events"
    )

    second_py, second_ts = migrate(stack)
    assert "Running upgrade" not in second_py
    assert "no pending migrations" in second_ts
    assert sql(stack, "SELECT count(*) FROM _migrations") == "1"

    current = stack.run("exec", "-T", "backend", "alembic", "current").stdout
    assert "0001 (head)" in current
    status = stack.run(
        "exec", "-T", "backend-ts", "node", "migrate.js", "--status"
    ).stdout
    assert "applied  0001_create_events.sql" in status
    assert "1 applied, 0 pending" in status


def test_a_row_survives_down_and_up(stack: Compose) -> None:
    migrate(stack)
    name = f"item-{secrets.token_hex(4)}"
    status, created = http("POST", stack.url("BACKEND_PORT", "/items"), {"name": name})
    assert status == 201
    assert created["name"] == name

    stack.run("down")  # containers go, volumes stay
    assert stack.run("ps", "-aq").stdout.strip() == ""
    stack.run("up", "-d", "--wait")

    status, items = http("GET", stack.url("BACKEND_PORT", "/items"))
    assert status == 200
    assert {"id": created["id"], "name": name} in [
        {"id": item["id"], "name": item["name"]} for item in items
    ]


def test_services_stop_fast_and_cleanly(stack: Compose) -> None:
    containers = {name: row["ID"] for name, row in compose_ps(stack).items()}
    stack.run("stop", "--timeout", "10")
    # Each service handles docker stop's signal itself; none waits for the
    # SIGKILL that 10 s would bring (exit code 137): every one exits 0.
    for name, container in containers.items():
        assert inspect(container)["State"]["ExitCode"] == 0, name


def test_production_override_renders_and_hardens_every_service(stack: Compose) -> None:
    prod = stack.prod()
    config = json.loads(prod.run("config", "--format", "json").stdout)["services"]
    assert "--appendonly" in config["redis"]["command"]
    assert "shared_buffers=512MB" in config["db"]["command"]

    prod.run("up", "-d", "--wait", timeout=300)
    for name, row in compose_ps(prod).items():
        host = inspect(row["ID"])["HostConfig"]
        assert host["ReadonlyRootfs"] is True, name
        assert host["Memory"] == 2 * 1024**3, name
        assert host["LogConfig"] == {
            "Type": "json-file",
            "Config": {"max-file": "3", "max-size": "10m"},
        }, name
        assert host["RestartPolicy"]["Name"] == "unless-stopped", name
    assert sql(prod, "SHOW shared_buffers") == "512MB"
    appendonly = prod.run(
        "exec", "-T", "redis", "redis-cli", "config", "get", "appendonly"
    )
    assert appendonly.stdout.split() == ["appendonly", "yes"]
    assert http("GET", prod.url("BACKEND_PORT", "/healthz"))[0] == 200


def test_storage_profile_renders_minio(project: Compose) -> None:
    without = json.loads(project.run("config", "--format", "json").stdout)
    assert "minio" not in without["services"]
    config = json.loads(
        project.run("--profile", "storage", "config", "--format", "json").stdout
    )
    minio = config["services"]["minio"]
    assert "/minio/health/live" in " ".join(minio["healthcheck"]["test"])
    assert [p["target"] for p in minio["ports"]] == [9000]
    assert minio["volumes"][0]["target"] == "/data"


def test_backend_ts_gives_up_when_the_database_never_comes(project: Compose) -> None:
    project.run("build", "backend-ts", timeout=900)
    result = project.run(
        "run",
        "--rm",
        "--no-deps",
        "-e",
        "DB_WAIT_RETRIES=2",
        "-e",
        "DB_WAIT_INTERVAL=0.2",
        "backend-ts",
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert (
        "database db:5432 did not answer after 2 attempts"
        in result.stderr + result.stdout
    )


def test_env_example_lists_every_compose_variable() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    keys = {
        line.split("=", 1)[0]: n
        for n, line in enumerate(lines)
        if "=" in line and not line.startswith("#")
    }
    used = set()
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        used |= set(re.findall(r"\$\{(\w+)", (ROOT / name).read_text()))
    assert used <= set(keys), used - set(keys)
    for key, n in keys.items():
        assert lines[n - 1].startswith("# "), f"{key} has no comment line above it"
    secrets_ = {key for key, n in keys.items() if "@secret" in lines[n - 1]}
    assert secrets_ == {"POSTGRES_PASSWORD", "SECRET_KEY", "MINIO_ROOT_PASSWORD"}
    assert all(lines[keys[key]] == f"{key}=change-me" for key in secrets_)
