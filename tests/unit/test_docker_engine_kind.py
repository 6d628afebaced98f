"""The engine's kind, from the version and info JSON recorded on the real
engines (tests/unit/data/engines: Docker 20.10.24 on the host, Podman 5.8.6
and rootless Docker 28.5.2 from Debian sid, nested on this machine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.docker.engine_kind import DOCKER, PODMAN, EngineKind, engine_kind

ENGINES = Path(__file__).parent / "data" / "engines"


def recorded(name: str) -> EngineKind:
    found = json.loads((ENGINES / f"{name}.json").read_text())
    return engine_kind(found["version"], found["info"])


def test_docker_20_10_rootful() -> None:
    kind = recorded("docker-20.10.24")
    assert kind == EngineKind(DOCKER, "20.10.24+dfsg1", "1.41", False, "cgroupfs")
    assert kind.label == "Docker Engine 20.10.24+dfsg1"
    assert kind.runs_healthchecks and kind.inherits_health_command
    assert kind.lists_processes and not kind.top_shows_ps


def test_podman_5_without_systemd() -> None:
    kind = recorded("podman-5.8.6")
    assert kind == EngineKind(PODMAN, "5.8.6", "1.44", False, "cgroupfs")
    assert kind.podman and kind.label == "Podman 5.8.6"
    assert not kind.runs_healthchecks  # no systemd: no timers
    assert not kind.inherits_health_command
    assert kind.lists_processes and kind.top_shows_ps


def test_docker_28_rootless_without_cgroups() -> None:
    kind = recorded("docker-rootless-28.5.2")
    assert kind == EngineKind(DOCKER, "28.5.2+dfsg4", "1.51", True, "none")
    assert kind.label == "Docker Engine 28.5.2+dfsg4 (rootless)"
    assert kind.runs_healthchecks and not kind.lists_processes


@pytest.mark.parametrize(
    ("driver", "runs"), [("systemd", True), ("cgroupfs", False), ("", False)]
)
def test_podman_runs_healthchecks_only_under_systemd(driver: str, runs: bool) -> None:
    version = {"Version": "5.4.2", "Components": [{"Name": PODMAN, "Version": "5.4.2"}]}
    kind = engine_kind(version, {"CgroupDriver": driver})
    assert kind.podman and kind.runs_healthchecks is runs


def test_an_answer_without_components_is_docker_with_its_version() -> None:
    kind = engine_kind({"Version": "19.03.1", "Components": None}, {})
    assert kind == EngineKind(DOCKER, "19.03.1", "?", False, "")
