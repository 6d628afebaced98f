"""Doctor's checks, each with the real probe where it is cheap (a socket, a
script on PATH, a file mode, a Docker context on disk) and a stand-in where
it is not (an engine)."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dockhand import checks, engine, envfile
from dockhand.checks import machine
from dockhand.checks.env import check_env_example, env_checks
from dockhand.checks.facts import Engine, Facts, compose_model, probe_engine
from dockhand.checks.result import Check, Problem, as_json, failed, passed, warned
from dockhand.checks.tools import (
    check_compose,
    check_compose_files,
    check_docker_cli,
    check_engine,
)
from dockhand.compose import ComposeCli, Project
from dockhand.errors import DockhandError
from dockhand.process import Captured, Runner
from dockhand.session import Session
from dockhand.settings import load

EXAMPLE = """\
BASE_IMAGE=debian:bookworm-slim
POSTGRES_USER=app
# @secret
POSTGRES_PASSWORD=change-me
BACKEND_PORT=8078
"""


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def listener() -> Iterator[int]:
    """A real listening socket on a free port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeRunner:
    def __init__(self, code: int = 0, stdout: str = "", stderr: str = "") -> None:
        self.result = (code, stdout, stderr)
        self.argv: list[str] = []

    def capture(self, argv: list[str], *, timeout: float | None = None) -> Captured:
        self.argv = argv
        return Captured(tuple(argv), *self.result)


def facts(root: Path, environ: dict[str, str] | None = None, **section: Any) -> Facts:
    """Facts probed for real, for a project at `root`."""
    settings = load({"root": str(root), **section})
    return Facts(settings, Session(settings, Runner()), environ or {})


# --- the JSON shape -----------------------------------------------------------


def test_json_has_one_entry_per_check_a_summary_and_the_overall_result() -> None:
    found = [
        passed("a", "fine"),
        failed("b", "broken", "fix it"),
        warned("c", "odd"),
    ]
    data = json.loads(as_json(found))
    assert list(data) == ["ok", "summary", "checks"]
    assert data["ok"] is False
    assert data["summary"] == {"ok": 1, "warn": 1, "fail": 1, "skip": 0}
    assert data["checks"][1] == {
        "name": "b",
        "status": "fail",
        "ok": False,
        "detail": "broken",
        "fix": "fix it",
    }
    assert data["checks"][2]["ok"] is True  # a warning does not fail


# --- docker CLI ---------------------------------------------------------------


def test_docker_cli_missing(tmp_path: Path) -> None:
    check = check_docker_cli(facts(tmp_path, {"PATH": str(tmp_path)}))
    assert not check.ok and "not on PATH" in check.detail
    assert "scripts/engine" in check.fix


def test_docker_cli_present(tmp_path: Path) -> None:
    fake = script(tmp_path, "docker", 'echo "Docker version 99.1.0, build x"')
    check = check_docker_cli(facts(tmp_path, {"PATH": str(tmp_path)}))
    assert check.ok and check.detail == f"Docker version 99.1.0, build x ({fake})"


def test_docker_cli_failing(tmp_path: Path) -> None:
    script(tmp_path, "docker", "echo broken >&2; exit 3")
    check = check_docker_cli(facts(tmp_path, {"PATH": str(tmp_path)}))
    assert not check.ok and check.detail.endswith("--version failed: broken")


# --- the engine: where it is (docker.context), and whether it answers -----------


def never(*_: Any) -> Any:
    raise AssertionError("must not connect")


def test_engine_socket_missing(tmp_path: Path) -> None:
    host = f"unix://{tmp_path}/docker.sock"
    found = probe_engine(engine.Endpoint(host), never)
    assert isinstance(found, Problem)
    assert f"no socket at {tmp_path}/docker.sock" in found.detail
    assert f"DOCKER_HOST={host}" in found.detail
    assert "scripts/engine" in found.fix


def test_engine_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sock_path = tmp_path / "docker.sock"
    sock_path.touch()
    monkeypatch.setattr(os, "access", lambda *_: False)
    found = probe_engine(engine.Endpoint(f"unix://{sock_path}"), never)
    assert isinstance(found, Problem) and "permission denied" in found.detail
    assert "docker group" in found.fix


def test_engine_under_a_docker_context_is_checked_at_its_socket(tmp_path: Path) -> None:
    where = engine.Endpoint(f"unix://{tmp_path}/desktop.sock", "desktop-linux")
    found = probe_engine(where, never)
    assert isinstance(found, Problem)
    assert f"no socket at {tmp_path}/desktop.sock" in found.detail
    assert "the Docker context 'desktop-linux'" in found.detail


def test_engine_under_a_remote_context_is_reached_through_it() -> None:
    def refuse() -> Any:
        raise engine.unreachable("connection refused (nothing listens)")

    found = probe_engine(engine.Endpoint("ssh://me@build", "remote"), refuse)
    assert isinstance(found, Problem) and "start it" in found.fix


def test_a_context_that_is_not_there() -> None:
    found = probe_engine(engine.Endpoint("", "gone"), never)
    assert isinstance(found, Problem)
    assert found.detail == "the Docker context 'gone' does not exist"
    assert "docker context ls" in found.fix


def test_engine_not_answering_keeps_connects_message() -> None:
    def refuse() -> Any:
        raise DockhandError(
            "the Docker engine is not reachable at X: refused", "start it"
        )

    found = probe_engine(engine.Endpoint("tcp://h:1"), refuse)
    assert isinstance(found, Problem)
    assert found.detail.endswith("refused") and found.fix == "start it"


def test_engine_reachable_shows_version_and_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os.path, "exists", lambda _: True)
    monkeypatch.setattr(os, "access", lambda *_: True)
    client = SimpleNamespace(
        version=lambda: {"Version": "20.10.24", "ApiVersion": "1.41"}
    )
    where = engine.Endpoint("unix:///run/desktop.sock", "desktop")
    found = probe_engine(where, lambda: client)  # type: ignore[arg-type, return-value]
    assert isinstance(found, Engine) and found.client is client
    settings = load({"root": "/tmp"})
    check = check_engine(Facts(settings, engine=found))
    assert check.ok and "20.10.24 (API 1.41)" in check.detail
    assert "the Docker context 'desktop'" in check.detail


# --- Compose ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "ok"), [("1.25.0", False), ("1.29.2", True), ("v5.6.1", True)]
)
def test_compose_version(tmp_path: Path, printed: str, ok: bool) -> None:
    fake = script(tmp_path, "fake-compose", f"echo {printed}")
    found = facts(tmp_path, compose_command=str(fake))
    check = check_compose(found)
    assert check.ok is ok
    assert isinstance(found.compose, ComposeCli) is ok
    if not ok:
        assert "too old" in check.detail and "Compose v2 plugin" in check.fix


@pytest.mark.parametrize(
    ("pinned", "status"), [("5.6.1", "ok"), ("5.6.0", "warn"), ("", "ok")]
)
def test_compose_other_than_pinned_warns(
    tmp_path: Path, pinned: str, status: str
) -> None:
    fake = script(tmp_path, "fake-compose", "echo 5.6.1")
    found = facts(tmp_path, compose_command=str(fake), compose_version=pinned)
    check = check_compose(found)
    assert (check.status, isinstance(found.compose, ComposeCli)) == (status, True)
    if status == "warn":
        assert "pins Compose 5.6.0" in check.detail and "5.6.0" in check.fix


def test_compose_missing(tmp_path: Path) -> None:
    found = facts(tmp_path, compose_command=str(tmp_path / "no-such-compose"))
    check = check_compose(found)
    assert not check.ok and isinstance(found.compose, Problem)
    assert "not found" in check.detail
    # What reads the model says why it cannot.
    files = check_compose_files(found)
    assert files.status == "skip" and "needs Docker Compose" in files.detail


def test_compose_model_reports_compose_s_last_line(tmp_path: Path) -> None:
    runner = FakeRunner(1, stderr="warning\nyaml: line 3: did not find expected key\n")
    project = Project("p", (tmp_path / "docker-compose.yml",))
    model = compose_model(
        runner,  # type: ignore[arg-type]
        ComposeCli(("docker", "compose"), (5, 6)),
        project,
        [],
    )
    assert isinstance(model, Problem) and model.status == "fail"
    assert model.detail.endswith("did not find expected key")
    assert runner.argv[-3:] == ["config", "--format", "json"]


def test_compose_v1_validates_the_files_and_says_what_needs_v2(tmp_path: Path) -> None:
    runner = FakeRunner(0)
    project = Project("p", (tmp_path / "docker-compose.yml",))
    model = compose_model(
        runner,  # type: ignore[arg-type]
        ComposeCli(("docker-compose",), (1, 29, 2)),
        project,
        [],
    )
    assert isinstance(model, Problem) and model.valid and model.status == "skip"
    assert runner.argv[-2:] == ["config", "--quiet"]
    settings = load({"root": str(tmp_path)})
    check = check_compose_files(Facts(settings, dev=model))
    assert check.ok and "need Compose v2" in check.detail
    ports = machine.check_ports(Facts(settings, dev=model, client=None))
    assert [(c.name, c.status) for c in ports] == [("ports", "skip")]


# --- images -------------------------------------------------------------------

MODEL: dict[str, Any] = {
    "services": {
        "backend": {
            "build": {"context": ".", "args": {"BASE_IMAGE": "debian:custom"}},
            "ports": [
                {"target": 8078, "published": "8078", "protocol": "tcp"},
            ],
        },
        "db": {
            "build": {"context": "db"},
            "ports": [
                {
                    "target": 5432,
                    "published": "5432",
                    "host_ip": "127.0.0.1",
                    "protocol": "tcp",
                },
                {"target": 53, "published": "5353", "protocol": "udp"},
            ],
        },
        "cache": {
            "image": "redis:7",
            "ports": [{"target": 1, "published": "7000-7001"}],
        },
    }
}


def test_needed_images_are_build_bases_and_pulled_images() -> None:
    needed = machine.needed_images(MODEL, "debian:bookworm-slim")
    assert [(n.image, n.base) for n in needed] == [
        ("debian:custom", True),
        ("debian:bookworm-slim", True),
        ("redis:7", False),
    ]
    assert [n.image for n in machine.needed_images(None, "base:1")] == ["base:1"]


def test_images_present() -> None:
    needed = machine.needed_images(None, "base:1")
    check = machine.images_check(needed, lambda _: True, never)
    assert check.ok and "base:1 present" in check.detail


def test_images_missing_but_a_registry_answers() -> None:
    needed = machine.needed_images(None, "base:1")
    check = machine.images_check(needed, lambda _: False, lambda _: (True, ""))
    assert check.ok and "a registry answers" in check.detail


def test_no_base_image_and_no_registry_points_to_scripts_base_image() -> None:
    needed = machine.needed_images(MODEL, "debian:bookworm-slim")
    check = machine.images_check(
        needed,
        lambda image: image == "debian:custom",
        lambda _: (False, "no such host"),
    )
    assert not check.ok
    assert "no such host" in check.detail
    assert "debian:bookworm-slim (base of db)" in check.detail
    assert "scripts/base-image" in check.fix
    assert "docker pull redis:7" in check.fix


def test_an_image_is_asked_for_once_whoever_reads_it(tmp_path: Path) -> None:
    from docker.errors import NotFound

    asked: list[str] = []

    def inspect_image(name: str) -> dict[str, Any]:
        asked.append(name)
        if name == "redis:7":
            return {"Size": 1, "Config": {"User": "redis"}}
        raise NotFound(f"no such image: {name}")

    client = SimpleNamespace(api=SimpleNamespace(inspect_image=inspect_image))
    found = Facts(
        load({"root": str(tmp_path)}),
        engine=Engine(client, {}, "here"),  # type: ignore[arg-type]
        dev={"services": {"cache": {"image": "redis:7"}}},
        values={},
    )
    check = machine.check_images(found)
    assert check.ok and check.detail == "redis:7 present"
    assert found.image("redis:7") == {"Size": 1, "Config": {"User": "redis"}}
    assert found.image("base:none") is None
    assert asked == ["redis:7", "base:none"]


# --- disk ---------------------------------------------------------------------


def test_disk_low_and_enough(tmp_path: Path) -> None:
    low = machine.disk_check(tmp_path, 2, usage=lambda _: SimpleNamespace(free=1.5e9))
    assert not low.ok and "1.5 GB free" in low.detail and "prune" in low.fix
    plenty = machine.disk_check(tmp_path, 2, usage=lambda _: SimpleNamespace(free=9e9))
    assert plenty.ok
    real = machine.disk_check(tmp_path, 0)  # the real disk_usage
    assert real.ok and str(tmp_path) in real.detail


# --- host ports -----------------------------------------------------------------


def test_published_ports_with_the_variable_that_sets_them() -> None:
    ports = machine.published_ports(MODEL, {"BACKEND_PORT": "8078", "OTHER": "5432"})
    assert [(p.service, p.host_ip, p.port, p.variable) for p in ports] == [
        ("backend", "", 8078, "BACKEND_PORT"),
        ("cache", "", 7000, ""),
        ("cache", "", 7001, ""),
        ("db", "127.0.0.1", 5432, ""),
    ]


def test_port_in_use_by_a_real_listener(listener: int) -> None:
    assert machine.port_in_use("127.0.0.1", listener)
    assert machine.port_in_use("", listener)  # Docker binds 0.0.0.0 and fails too


def test_port_free() -> None:
    assert not machine.port_in_use("", free_port())


def test_process_holding_finds_this_process(listener: int) -> None:
    holder = machine.process_holding(listener)
    assert f"(pid {os.getpid()})" in holder


def test_listening_inodes_from_a_proc_table(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    rows = [
        # 0x1F90 = 8080, LISTEN
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1",
        # 8080 but ESTABLISHED
        "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 222 1",
        # 8081, LISTEN
        "   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1",
    ]
    (tmp_path / "net" / "tcp").write_text(header + "\n".join(rows) + "\n")
    assert machine._listening_inodes(8080, tmp_path) == {"111"}


def test_port_checks(listener: int) -> None:
    free = free_port()
    ports = [
        machine.Published("backend", "", listener, "BACKEND_PORT"),
        machine.Published("db", "127.0.0.1", free, "POSTGRES_PORT"),
    ]
    checks = machine.port_checks(ports, "mine", ".env")
    assert not checks[0].ok
    assert f"pid {os.getpid()}" in checks[0].detail
    assert "set BACKEND_PORT in .env to a free port" in checks[0].fix
    assert checks[1].ok and "free (db, POSTGRES_PORT)" in checks[1].detail


def test_ports_held_by_this_stack_are_fine_and_others_are_named(listener: int) -> None:
    ports = [machine.Published("backend", "", listener, "BACKEND_PORT")]
    own = {listener: machine.ContainerPort("mine-backend-1", "mine", "backend")}
    assert machine.port_checks(ports, "mine", ".env", holders=own)[0].ok
    other = {listener: machine.ContainerPort("theirs-web-1", "theirs", "web")}
    check = machine.port_checks(ports, "mine", ".env", holders=other)[0]
    assert not check.ok
    assert "container theirs-web-1 (Compose project 'theirs')" in check.detail
    assert "docker compose -p theirs down" in check.fix


# --- the env file ---------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    example = tmp_path / ".env.example"
    example.write_text(EXAMPLE)
    env_path = tmp_path / ".env"
    envfile.ensure(env_path, example)
    return env_path, example


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_env_all_good(files: tuple[Path, Path]) -> None:
    checks = env_checks(*files)
    assert all(c.status == "ok" for c in checks), checks
    assert [c.name for c in checks] == [
        "env file",
        "env syntax",
        "env complete",
        "env secrets",
        "env permissions",
    ]


def test_env_missing(tmp_path: Path, files: tuple[Path, Path]) -> None:
    env_path, example = files
    env_path.unlink()
    (check,) = env_checks(env_path, example)
    assert not check.ok and "inv setup" in check.fix


def test_env_malformed_names_file_and_line(files: tuple[Path, Path]) -> None:
    env_path, example = files
    with env_path.open("a") as handle:
        handle.write("BROKEN: value\n")
    check = by_name(env_checks(env_path, example))["env syntax"]
    assert not check.ok
    assert f"{env_path}, line 6" in check.detail
    assert "BROKEN=value" in check.fix


def test_env_incomplete_and_unknown(files: tuple[Path, Path]) -> None:
    env_path, example = files
    text = env_path.read_text().replace("BACKEND_PORT=8078\n", "")
    env_path.write_text(text)
    check = by_name(env_checks(env_path, example))["env complete"]
    assert not check.ok and "BACKEND_PORT" in check.detail
    env_path.write_text(text + "BACKEND_PORT=1\nTYPO_PORT=2\n")
    check = by_name(env_checks(env_path, example))["env complete"]
    assert check.status == "warn" and "TYPO_PORT" in check.detail


def test_env_placeholder_secret(files: tuple[Path, Path]) -> None:
    env_path, example = files
    env_path.write_text(EXAMPLE)
    check = by_name(env_checks(env_path, example))["env secrets"]
    assert not check.ok and "POSTGRES_PASSWORD" in check.detail
    assert "delete those lines" in check.fix


def test_env_readable_by_others(files: tuple[Path, Path]) -> None:
    env_path, example = files
    env_path.chmod(0o644)
    check = by_name(env_checks(env_path, example))["env permissions"]
    assert not check.ok and "0644" in check.detail
    assert check.fix == f"chmod 600 {env_path}"


def test_env_difference_is_a_warning(files: tuple[Path, Path]) -> None:
    env_path, example = files
    with env_path.open("a") as handle:
        handle.write("GREETING=hello $USER\n")
    check = by_name(env_checks(env_path, example))["env syntax"]
    assert check.status == "warn" and "line 6" in check.detail


# --- the tasks ------------------------------------------------------------------


def test_setup_doctor_and_env_are_tasks_with_help_for_every_option() -> None:
    from dockhand import namespace

    ns = namespace(Path(__file__).parent)
    for name, options in {
        "setup": {"timeout", "name", "new_ports", "data_from"},
        "doctor": {"json"},
        "env": {"show_secrets", "json"},
    }.items():
        task = ns.tasks[name]
        assert task.__doc__ and len(task.__doc__.strip().splitlines()) == 1
        assert set(task.help) == options


def test_setup_warns_when_a_new_env_meets_old_volumes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from dockhand.ops import setup

    seen: list[Any] = []

    def listing(filters: dict[str, str]) -> list[Any]:
        seen.append(filters)
        return [SimpleNamespace(name="shop_db-data")]

    s = SimpleNamespace(
        settings=SimpleNamespace(project="shop"),
        client=SimpleNamespace(volumes=SimpleNamespace(list=listing)),
    )
    setup._warn_about_old_volumes(s)  # type: ignore[arg-type]
    assert seen == [{"label": "com.docker.compose.project=shop"}]
    err = " ".join(capsys.readouterr().err.split())
    assert "shop_db-data" in err and "inv down --volumes" in err


def test_env_without_an_example(tmp_path: Path) -> None:
    env_path, example = tmp_path / ".env", tmp_path / ".env.example"
    (check,) = env_checks(env_path, example)
    assert check.status == "skip"  # a project without env files
    settings = load({"root": str(tmp_path)})
    none = check_env_example(Facts(settings, variables={"PORT"}))
    assert none.status == "skip" and "a project without env files" in none.detail
    env_path.write_text("A=1\n")
    env_path.chmod(0o600)
    found = by_name(env_checks(env_path, example))
    assert "env example" not in found  # its own check, shared with inv check
    assert found["env complete"].status == "skip"
    assert all(c.ok for c in found.values())
    alone = check_env_example(Facts(settings, variables={"PORT"}))
    assert alone.status == "warn" and "the compose files use PORT" in alone.detail


def test_doctor_is_the_machine_checks_then_ports_env_and_checkout() -> None:
    assert checks.DOCTOR[: len(checks.MACHINE)] == checks.MACHINE
    assert checks.DOCTOR[len(checks.MACHINE) :] == (
        check_env_example,
        checks.env.check_env_file,
        checks.checkout.check_project_name,
        checks.checkout.check_database_login,
    )
    # inv check starts with the same tools, over the same facts.
    assert checks.CHECK[:4] == checks.MACHINE[:4]


def test_needed_images_are_what_the_dockerfiles_start_from() -> None:
    from dockhand.checks.dockerfile import parse_dockerfile
    from dockhand.checks.image_build import build_bases

    dockerfile = parse_dockerfile(
        "ARG BASE=debian:bookworm-slim\n"
        "FROM ${BASE} AS build\n"
        "FROM gcr.io/distroless/base:nonroot\n"
        "COPY --from=build /app /app\n"
        "FROM build AS test\n"
        "FROM scratch\n"
    )
    assert build_bases(dockerfile, {}) == [
        "debian:bookworm-slim",
        "gcr.io/distroless/base:nonroot",
    ]
    assert build_bases(dockerfile, {"BASE": "debian:trixie"})[0] == "debian:trixie"
    froms = {"backend": ["python:3.12-slim"]}
    needed = machine.needed_images(MODEL, "debian:bookworm-slim", froms)
    # backend's Dockerfile wins over its BASE_IMAGE build arg; db has none read
    assert [(n.image, n.base) for n in needed] == [
        ("python:3.12-slim", False),
        ("debian:bookworm-slim", True),
        ("redis:7", False),
    ]


def test_a_port_held_by_docker_s_proxy_names_the_container_behind_it(
    listener: int, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    # A real process that looks like Docker's: named docker-proxy, with its flags.
    proxy = tmp_path / "docker-proxy"
    shutil.copy("/bin/sh", proxy)
    # `; true`: sh would exec a lone last command, and its name with it.
    child = subprocess.Popen(
        [str(proxy), "-c", "sleep 30; true", "-container-ip", "172.18.0.9"]
    )
    cmdline = Path(f"/proc/{child.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"-container-ip" not in cmdline.read_bytes():  # until it has exec'd
        assert time.monotonic() < deadline, "the stand-in never started"
        time.sleep(0.01)
    try:
        ports = [machine.Published("backend", "", listener, "BACKEND_PORT")]
        held = f"docker-proxy (pid {child.pid})"
        assert machine.proxied_container_ip(held) == "172.18.0.9"
        theirs = {"172.18.0.9": machine.ContainerPort("theirs-web-1", "theirs", "web")}
        check = machine.port_checks(
            ports, "mine", ".env", process=lambda _: held, by_address=lambda: theirs
        )[0]
        assert "container theirs-web-1 (Compose project 'theirs')" in check.detail
        unknown = machine.port_checks(ports, "mine", ".env", process=lambda _: held)[0]
        assert f"a Docker container ({held})" in unknown.detail
        assert f"docker ps --filter publish={listener}" in unknown.fix
    finally:
        child.kill()
        child.wait()
    assert machine.proxied_container_ip("python3 (pid 1)") is None
