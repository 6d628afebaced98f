"""`inv check` for real: each check fails on a copy of the reference stack
broken in one place, and every check passes on the real stack, built and
running.

A broken copy is the repository's compose files, services/, .env.example,
invoke.yaml and tasks.py in a tmp folder, with one thing changed; `inv check`
runs there as a subprocess and the report must have exactly the expected
FAIL lines.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from harness import (
    REPO,
    Stack,
    compose_status,
    copy_reference,
    env_lines,
    output,
    project_stack,
    reference_stack,
    write_env,
)

COPIED = (
    "docker-compose.yml",
    "docker-compose.prod.yml",
    ".env.example",
    "invoke.yaml",
    "tasks.py",
)
ALL_CHECKS = [
    "docker CLI",
    "engine",
    "compose",
    "compose files",
    "engine features",
    "compose-prod",
    "env example",
    "dockerfiles",
    "multi-stage",
    "non-root-user",
    "healthcheck",
    "health-start",
    "pinned-base",
    "dockerignore",
    "entrypoints",
    "build-trust",
    "prod-limits",
    "prod-read-only",
    "prod-log-rotation",
    "prod-restart",
    "swarm-compat",
    "image-size",
    "image-user",
    "container-user",
]
# The label, the name (words with single spaces), then the detail.
LINE = re.compile(r"^(ok|warn|FAIL|skip) +(\S+(?: \S+)*) {2,}(.*)$")


def copy_stack(root: Path) -> Path:
    return copy_reference(root, COPIED)


def make_stack(root: Path, env_file: Path, **extra_env: str) -> Stack:
    write_env(env_file, env_lines(root / ".env.example"))
    return Stack(root=root, env_file=env_file, extra_env=extra_env)


StackMaker = Callable[..., Stack]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[StackMaker]:
    """make(root, **env) -> a Stack with its own project and env file; every
    one is destroyed (containers, volumes, its images) when the test ends."""
    made: list[Stack] = []

    def factory(root: Path, **extra_env: str) -> Stack:
        stack = make_stack(root, tmp_path / f"test-{len(made)}.env", **extra_env)
        made.append(stack)
        return stack

    yield factory
    for stack in made:
        stack.destroy()


def report(stack: Stack, *args: str) -> tuple[int, dict[str, tuple[str, str]]]:
    """Run `inv check` (text report); {check: (status, detail)} and the exit code."""
    result = stack.inv(*args, "check", timeout=300)
    assert "Traceback" not in result.stderr, output(result)
    lines = {}
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match:
            lines[match.group(2)] = (match.group(1), match.group(3))
    assert list(lines) == ALL_CHECKS, output(result)
    return result.returncode, lines


@pytest.fixture(scope="session")
def base_image() -> None:
    result = subprocess.run(
        [str(REPO / "scripts" / "base-image")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------ broken copies


def edit(path: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    """Replace `old` (which must be there) in a file of the copy."""

    def change(root: Path) -> None:
        file = root / path
        text = file.read_text()
        assert old in text, f"{old!r} is not in {path}: the reference stack changed"
        file.write_text(text.replace(old, new, count))

    return change


def sub(path: str, pattern: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        file = root / path
        text, n = re.subn(pattern, new, file.read_text(), flags=re.M)
        assert n, f"{pattern!r} matches nothing in {path}: the reference stack changed"
        file.write_text(text)

    return change


def delete(path: str) -> Callable[[Path], None]:
    return lambda root: (root / path).unlink()


def chmod(path: str, mode: int) -> Callable[[Path], None]:
    return lambda root: (root / path).chmod(mode)


def nothing(root: Path) -> None:
    pass


# (id, how to break the copy, extra env for `inv`, the lines that must fail,
#  a fragment of the first one's detail)
BREAKS = [
    (
        "engine-unreachable",
        nothing,
        {"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        {"engine"},
        "no socket at /nonexistent/docker.sock",
    ),
    (
        "compose-missing",
        nothing,
        {"INVOKE_DOCKHAND_COMPOSE_COMMAND": "no-such-compose"},
        {"compose"},
        "Docker Compose was not found",
    ),
    (
        "compose-dev-invalid",
        edit("docker-compose.yml", "  redis:\n", "  redis:\n    not_a_key: 1\n"),
        {},
        {"compose files", "compose-prod"},
        "Compose rejects docker-compose.yml",
    ),
    (
        "compose-prod-invalid",
        edit("docker-compose.prod.yml", "  redis:\n", "  redis:\n    not_a_key: 1\n"),
        {},
        {"compose-prod"},
        "Compose rejects docker-compose.yml + docker-compose.prod.yml",
    ),
    (
        "env-example-incomplete",
        sub(".env.example", r"^DB_WAIT_RETRIES=.*\n", ""),
        {},
        {"env example"},
        "not in .env.example: DB_WAIT_RETRIES",
    ),
    (
        "dockerfile-missing",
        delete("services/redis/Dockerfile"),
        {},
        {"dockerfiles"},
        "redis: services/redis/Dockerfile not found",
    ),
    (
        "dockerfile-unparsable",
        edit("services/redis/Dockerfile", "USER redis", "USR redis"),
        {},
        {"dockerfiles"},
        "redis: services/redis/Dockerfile: line",
    ),
    (
        "build-in-final-stage",
        lambda root: (root / "services/backend/Dockerfile").write_text(
            (root / "services/backend/Dockerfile").read_text()
            + "RUN python3 -m compileall -q /app\n"
        ),
        {},
        {"multi-stage"},
        "backend: the build step on line",
    ),
    (
        "root-user",
        sub("services/backend/Dockerfile", r"^USER app\n", ""),
        {},
        {"non-root-user"},
        "backend: the final stage runs as root (no USER)",
    ),
    (
        "no-healthcheck",
        sub("services/redis/Dockerfile", r"^HEALTHCHECK .*\\\n.*\n", ""),
        {},
        {"healthcheck"},
        "redis: no healthcheck",
    ),
    (
        "unpinned-default",
        edit(
            "services/backend/Dockerfile",
            "ARG BASE_IMAGE=debian:bookworm-slim",
            "ARG BASE_IMAGE=debian:latest",
        ),
        {},
        {"pinned-base"},
        "backend: FROM on line",
    ),
    (
        "unpinned-from-env",
        nothing,
        {"BASE_IMAGE": "debian"},
        {"pinned-base"},
        "debian is not pinned",
    ),
    (
        "dockerignore-lets-in-env",
        sub("services/backend-ts/.dockerignore", r"^\.env\n", ""),
        {},
        {"dockerignore"},
        "backend-ts: services/backend-ts/.dockerignore lets in .env",
    ),
    (
        "dockerignore-missing",
        delete("services/db/.dockerignore"),
        {},
        {"dockerignore"},
        "db: no services/db/.dockerignore",
    ),
    (
        "entrypoint-not-executable",
        chmod("services/db/docker-entrypoint.sh", 0o644),
        {},
        {"entrypoints"},
        "services/db/docker-entrypoint.sh is not executable",
    ),
    (
        "entrypoint-without-shebang",
        sub("services/backend-ts/docker-entrypoint.sh", r"\A#!.*\n", ""),
        {},
        {"entrypoints"},
        "services/backend-ts/docker-entrypoint.sh has no #! line",
    ),
    (
        "prod-no-memory-limit",
        sub("docker-compose.prod.yml", r"^ +memory: 2G\n", ""),
        {},
        {"prod-limits"},
        "no memory limit",
    ),
    (
        "prod-writable-root",
        edit("docker-compose.prod.yml", "read_only: true", "read_only: false"),
        {},
        {"prod-read-only"},
        "the root filesystem is writable",
    ),
    (
        "prod-logs-unbounded",
        sub("docker-compose.prod.yml", r"^ +max-size: .*\n", ""),
        {},
        {"prod-log-rotation"},
        "logs grow without bound",
    ),
    (
        "prod-no-restart",
        sub(
            "docker-compose.prod.yml", r"^  restart: unless-stopped$", '  restart: "no"'
        ),
        {},
        {"prod-restart"},
        "no restart policy",
    ),
]


def test_a_start_period_without_a_start_interval_warns_where_the_engine_probes_slowly(
    tmp_path: Path, make: StackMaker
) -> None:
    """The reference stack had one (60 s): Engine 25+ probed each service
    every 5 s while it started, and `inv up` took twice as long."""
    root = copy_stack(tmp_path / "stack")
    edit(
        "docker-compose.yml", "  retries: 30\n", "  retries: 5\n  start_period: 60s\n"
    )(root)
    code, lines = report(make(root))
    status, detail = lines["health-start"]
    api = subprocess.run(
        ["docker", "version", "--format", "{{.Server.APIVersion}}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if tuple(int(n) for n in api.split(".")) >= (1, 44):
        assert status == "warn", lines["health-start"]
        for service in ("backend", "backend-ts", "db", "redis"):
            assert f"{service} (start period 1m0s)" in detail
        assert "every 5 s while it starts" in detail
    else:
        assert (status, detail) == (
            "ok", f"{detail.split(' probes')[0]} probes at each healthcheck's interval from the start"
        )  # fmt: skip
    assert code == 0  # a warning: the stack works


@pytest.mark.parametrize(
    ("change", "env", "failing", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in BREAKS],
)
def test_a_broken_copy_fails_the_right_line(
    tmp_path: Path,
    make: StackMaker,
    change: Callable[[Path], None],
    env: dict[str, str],
    failing: set[str],
    fragment: str,
) -> None:
    root = copy_stack(tmp_path / "stack")
    change(root)
    code, lines = report(make(root, **env))
    failed = {name for name, (status, _) in lines.items() if status == "FAIL"}
    assert failed == failing, lines
    first = next(name for name in ALL_CHECKS if name in failing)
    assert fragment in lines[first][1], lines[first]
    assert code == 1


# ------------------------------------------------ images built and running


@pytest.fixture(scope="module")
def real_stack(
    tmp_path_factory: pytest.TempPathFactory, base_image: None
) -> Iterator[Stack]:
    """The reference stack itself, built and running under its own project."""
    folder = tmp_path_factory.mktemp("real")
    stack = reference_stack(folder / "test.env")
    try:
        up = stack.inv("up", "--build", timeout=1500)
        assert up.returncode == 0, output(up)
        yield stack
    finally:
        stack.destroy()


def test_every_check_passes_on_the_real_stack(real_stack: Stack) -> None:
    code, lines = report(real_stack)
    # A Swarm stack drops what the production override asks of one machine
    # (db's shm_size, ports bound to 127.0.0.1): said, not failed.
    # Compose: a warning where another than the pinned one runs (Engine 28's).
    expected = {
        **dict.fromkeys(ALL_CHECKS, "ok"),
        "swarm-compat": "warn",
        "compose": compose_status(),
    }
    assert {name: status for name, (status, _) in lines.items()} == expected, lines
    assert "db: shm_size dropped" in lines["swarm-compat"][1]
    assert code == 0
    assert "budget 350 MB" in lines["image-size"][1]
    assert "backend-ts uid 1001" in lines["container-user"][1]


def test_images_over_the_budget(real_stack: Stack) -> None:
    tight = replace(
        real_stack,
        extra_env={
            **real_stack.extra_env,
            "INVOKE_DOCKHAND_IMAGE_SIZE_BUDGET_MB": "10",
        },
    )
    code, lines = report(tight)
    assert {n for n, (s, _) in lines.items() if s == "FAIL"} == {"image-size"}
    assert "over the 10 MB budget" in lines["image-size"][1]
    assert code == 1


def test_not_built_and_not_running_are_skipped(make: StackMaker) -> None:
    code, lines = report(make(REPO))
    skipped = {name for name, (status, _) in lines.items() if status == "skip"}
    assert skipped == {"image-size", "image-user", "container-user"}, lines
    assert lines["image-size"][1].startswith("skipped: not built: backend")
    assert lines["container-user"][1].startswith("skipped: not running")
    assert code == 0  # a skip is not a failure, nor shown as a pass


@pytest.fixture(scope="module")
def root_redis(
    tmp_path_factory: pytest.TempPathFactory, base_image: None
) -> Iterator[tuple[int, dict[str, tuple[str, str]]]]:
    """A copy whose redis image runs as root, built and started."""
    folder = tmp_path_factory.mktemp("root-redis")
    root = copy_stack(folder / "stack")
    edit("services/redis/Dockerfile", "USER redis", "USER root")(root)
    stack = make_stack(root, folder / "test.env")
    try:
        up = stack.inv("up", "--build", "redis", timeout=900)
        assert up.returncode == 0, output(up)
        yield report(stack)
    finally:
        stack.destroy()


def test_an_image_configured_for_root_fails(
    root_redis: tuple[int, dict[str, tuple[str, str]]],
) -> None:
    code, lines = root_redis
    failed = {n for n, (s, _) in lines.items() if s == "FAIL"}
    assert failed == {"non-root-user", "image-user", "container-user"}, lines
    assert "redis: the image runs as root" in lines["image-user"][1]
    assert code == 1


def test_a_container_running_as_root_fails(
    root_redis: tuple[int, dict[str, tuple[str, str]]],
) -> None:
    _, lines = root_redis
    assert lines["container-user"][0] == "FAIL"
    assert re.search(
        r"redis: redis-server runs as root in \S+-redis-1", lines["container-user"][1]
    )


V1 = "/usr/bin/docker-compose"


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "invalid"])
def test_compose_v1_validates_the_files_and_skips_the_rest(
    tmp_path: Path, make: StackMaker, broken: bool
) -> None:
    if not Path(V1).exists():
        pytest.fail(f"Compose v1 is missing at {V1}: scripts/test installs it")
    root = copy_stack(tmp_path / "stack")
    if broken:
        edit("docker-compose.prod.yml", "  redis:\n", "  redis:\n    not_a_key: 1\n")(
            root
        )
    code, lines = report(make(root, INVOKE_DOCKHAND_COMPOSE_COMMAND=V1))
    statuses = {name: status for name, (status, _) in lines.items()}
    # Compose v1 runs, but it is not the Compose invoke.yaml pins.
    assert statuses["compose"] == "warn" and "pins Compose" in lines["compose"][1]
    assert "v1: works" in lines["compose"][1]
    assert statuses["compose files"] == "ok"
    assert lines["compose files"][1].startswith("valid: docker-compose.yml")
    assert statuses["compose-prod"] == ("FAIL" if broken else "ok")
    assert statuses["non-root-user"] == "skip"
    assert "needs Compose v2" in lines["non-root-user"][1]
    assert code == (1 if broken else 0)


def test_json_report(tmp_path: Path, make: StackMaker) -> None:
    root = copy_stack(tmp_path / "stack")
    sub("services/backend/Dockerfile", r"^USER app\n", "")(root)
    result = make(root).inv("check", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 1, output(result)
    assert data["ok"] is False
    rows = {row["name"]: row for row in data["checks"]}
    assert [row["name"] for row in data["checks"]] == ALL_CHECKS
    assert rows["non-root-user"]["status"] == "fail"
    assert rows["non-root-user"]["fix"].startswith("backend: create a user")
    assert rows["container-user"]["status"] == "skip"
    assert rows["container-user"]["ok"] is True  # a skip is not a failure
    assert f"1 of {len(ALL_CHECKS)} checks failed: non-root-user" in result.stderr


# ------------------------------------- doctor and check: one system, one shape

NOTES = Path(__file__).parent / "projects" / "notes"
# The checks both selections run, over the same facts.
SHARED = [
    *("docker CLI", "engine", "compose", "compose files", "engine features"),
    "env example",
]
STATUSES = ("ok", "warn", "fail", "skip")


def as_json(stack: Stack, task: str) -> dict[str, Any]:
    result = stack.inv(task, "--json", timeout=300)
    assert "Traceback" not in result.stderr, output(result)
    data: dict[str, Any] = json.loads(result.stdout)
    # The one shape: the overall result agrees with the exit code, the
    # summary with the rows, each row with its status.
    assert list(data) == ["ok", "summary", "checks"], data
    assert data["ok"] is (result.returncode == 0), output(result)
    statuses = [row["status"] for row in data["checks"]]
    assert data["summary"] == {s: Counter(statuses)[s] for s in STATUSES}
    for row in data["checks"]:
        assert list(row) == ["name", "status", "ok", "detail", "fix"], row
        assert row["ok"] is (row["status"] != "fail"), row
    assert data["ok"] is all(row["ok"] for row in data["checks"])
    return data


def reference(tmp_path: Path) -> Stack:
    return reference_stack(tmp_path / "test.env")


def notes_with_an_env_file(tmp_path: Path) -> Stack:
    return project_stack(NOTES, tmp_path, NOTES_PASSWORD=secrets.token_urlsafe(16))


def notes_without_env_files(tmp_path: Path) -> Stack:
    """The notes project configured from the shell alone: no env file, no
    example (doctor used to skip here, and check to fail)."""
    return Stack(
        root=NOTES,
        env_file=tmp_path / "absent.env",
        files=("compose.yaml",),
        extra_env={
            "NOTES_PASSWORD": secrets.token_urlsafe(16),
            "BASE_IMAGE": "debian:bookworm-slim",
        },
    )


@pytest.mark.parametrize(
    ("make_one", "env_example"),
    [
        (reference, "ok"),
        (notes_with_an_env_file, "warn"),
        (notes_without_env_files, "skip"),
    ],
    ids=["reference", "notes", "notes-without-env-files"],
)
def test_doctor_and_check_have_one_shape_and_agree(
    tmp_path: Path,
    base_image: None,
    make_one: Callable[[Path], Stack],
    env_example: str,
) -> None:
    stack = make_one(tmp_path)
    try:
        doctor = as_json(stack, "doctor")
        check = as_json(stack, "check")
    finally:
        stack.destroy()
    doctor_rows = {row["name"]: row for row in doctor["checks"]}
    check_rows = {row["name"]: row for row in check["checks"]}
    assert set(doctor_rows) & set(check_rows) == set(SHARED)
    for name in SHARED:
        assert doctor_rows[name] == check_rows[name], name
    assert check_rows["env example"]["status"] == env_example, check_rows
    assert not stack.env_file.exists() or env_example != "skip"
