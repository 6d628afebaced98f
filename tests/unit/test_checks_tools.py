"""The tools: docker CLI, engine, Compose, the compose files (dev and prod)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from checked_project import (
    by_name,
    dev_model,
    facts,
    facts_for,
    make_project,
    script,
)

from dockhand.checks.facts import Engine, Facts, probe_engine
from dockhand.checks.registry import FAIL, OK, SKIP, Check, Problem
from dockhand.checks.tools import (
    check_compose,
    check_compose_files,
    check_docker_cli,
    check_engine,
    check_engine_features,
)
from dockhand.config.settings import load
from dockhand.docker import engine
from dockhand.docker.compose import ComposeCli

ENGINES = Path(__file__).parent / "data" / "engines"


def test_missing_tools_fail_and_dependent_checks_skip(tmp_path: Path) -> None:
    make_project(tmp_path)
    needs = Problem("needs Docker Compose (see compose)", status=SKIP)
    facts = facts_for(
        tmp_path,
        docker_cli=Problem("`docker` is not on PATH", "install Docker"),
        engine=Problem("no socket at /var/run/docker.sock", "start it"),
        compose=Problem("Docker Compose was not found", "install it"),
        dev=needs,
        prod=needs,
        variables=needs,
        images=Problem("the engine is not reachable (see docker)", status=SKIP),
        containers=Problem("the engine is not reachable (see docker)", status=SKIP),
    )
    results = by_name(facts)
    assert {n for n, r in results.items() if r.status == FAIL} == {
        "docker CLI",
        "engine",
        "compose",
    }
    assert {n for n, r in results.items() if r.status == OK} == set()


def test_invalid_compose_files_fail_and_dependent_checks_skip(tmp_path: Path) -> None:
    make_project(tmp_path)
    invalid = Problem("Compose rejects docker-compose.prod.yml: bad", "fix it")
    results = by_name(facts_for(tmp_path, prod=invalid))
    assert results["compose-prod"].status == FAIL
    assert results["compose files"].status == OK
    for name in ("prod-limits", "prod-read-only", "prod-log-rotation", "prod-restart"):
        assert results[name].status == SKIP


def test_compose_v1_validates_and_skips_the_rest(tmp_path: Path) -> None:
    make_project(tmp_path)
    v1 = ComposeCli(("docker-compose",), (1, 29, 2))
    valid = Problem("valid: docker-compose.yml (v1)", "install v2", SKIP, valid=True)
    skip = Problem("listing variables needs Compose v2", status=SKIP)
    results = by_name(
        facts_for(tmp_path, compose=v1, dev=valid, prod=valid, variables=skip)
    )
    assert results["compose"].status == OK and "v1" in results["compose"].detail
    assert results["compose files"].status == OK
    assert results["compose-prod"].status == OK
    for name in ("env example", "non-root-user", "prod-limits", "image-size"):
        assert results[name].status == SKIP, results[name]
        assert "Compose v2" in results[name].detail
    assert {r.status for r in results.values()} == {OK, SKIP}


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


def test_engine_reachable_shows_version_and_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os.path, "exists", lambda _: True)
    monkeypatch.setattr(os, "access", lambda *_: True)
    client = SimpleNamespace(
        version=lambda: {"Version": "20.10.24", "ApiVersion": "1.41"},
        info=lambda: {"SecurityOptions": ["name=seccomp,profile=default"]},
    )
    where = engine.Endpoint("unix:///run/desktop.sock", "desktop")
    found = probe_engine(where, lambda: client)  # type: ignore[arg-type, return-value]
    assert isinstance(found, Engine) and found.client is client
    settings = load({"root": "/tmp"})
    check = check_engine(Facts(settings, engine=found))
    assert check.ok and "Docker Engine 20.10.24 (API 1.41)" in check.detail
    assert "the Docker context 'desktop'" in check.detail


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


def recorded_engine(name: str) -> Engine:
    """An engine as probe_engine found it, from its recorded answers."""
    found = json.loads((ENGINES / f"{name}.json").read_text())
    return Engine(None, found["version"], "unix:///lab.sock", found["info"])  # type: ignore[arg-type]


def test_engine_names_podman_and_rootless() -> None:
    settings = load({"root": "/tmp"})
    podman = check_engine(Facts(settings, engine=recorded_engine("podman-5.8.6")))
    assert podman.detail == "Podman 5.8.6 (API 1.44) at unix:///lab.sock"
    rootless = recorded_engine("docker-rootless-28.5.2")
    assert "Docker Engine 28.5.2+dfsg4 (rootless) (API 1.51)" in (
        check_engine(Facts(settings, engine=rootless)).detail
    )


HEALTH_TIMING = {"interval": "2s", "retries": 5}  # as Compose prints `<<: *anchor`


def test_engine_features_fail_on_podman_without_systemd(tmp_path: Path) -> None:
    make_project(tmp_path)
    dev = dev_model(tmp_path)
    dev["services"]["app"]["healthcheck"] = HEALTH_TIMING
    dev["services"]["db"] = {
        "image": "postgres",
        "healthcheck": {"test": ["CMD", "true"]},
    }
    dev["services"]["web"] = {"image": "nginx", "healthcheck": {"disable": True}}

    def check(engine_name: str) -> Check:
        found = facts_for(tmp_path, engine=recorded_engine(engine_name), dev=dev)
        return check_engine_features(found)

    podman = check("podman-5.8.6")
    assert podman.status == FAIL
    assert podman.detail == (
        "Podman 5.8.6 refuses a healthcheck without a command: app set only its "
        "timing (Docker takes the command from the image's HEALTHCHECK); "
        "Podman 5.8.6 runs no healthchecks here: it runs without systemd (cgroup "
        "driver cgroupfs), and Podman runs them from systemd timers; app, db would "
        "never be healthy"
    )
    assert "`test:`" in podman.fix and "systemd" in podman.fix
    for engine_name in ("docker-20.10.24", "docker-rootless-28.5.2"):
        assert check(engine_name).status == OK, engine_name


def test_engine_features_pass_on_podman_when_nothing_has_a_healthcheck(
    tmp_path: Path,
) -> None:
    make_project(tmp_path)
    dev = dev_model(tmp_path)
    dev["services"]["app"].pop("healthcheck", None)
    found = facts_for(tmp_path, engine=recorded_engine("podman-5.8.6"), dev=dev)
    assert check_engine_features(found) == Check(
        "engine features", OK, "Podman 5.8.6 has what the stack needs"
    )


def test_a_project_without_a_production_override_skips_the_prod_checks(
    tmp_path: Path,
) -> None:
    """Most projects have no docker-compose.prod.yml and configure none: the
    prod checks skip, saying how to check one, rather than fail on a file the
    project never had (every adopter's first `inv check` was red)."""
    prod = facts(tmp_path).prod
    assert isinstance(prod, Problem) and prod.status == SKIP, prod
    assert "docker-compose.prod.yml" in prod.detail
    assert "dockhand.prod_files" in prod.fix
