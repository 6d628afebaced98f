"""The probes behind Facts: the engine, the Compose model, with stand-ins for what they ask."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from checked_project import never

from dockhand.checks import ports as port_checks
from dockhand.checks.facts import Facts, compose_model, probe_engine
from dockhand.checks.result import Problem
from dockhand.checks.tools import (
    check_compose_files,
)
from dockhand.config.settings import load
from dockhand.docker import engine
from dockhand.docker.compose import ComposeCli, Project
from dockhand.errors import DockhandError
from helpers import FakeRunner, replying


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


def test_compose_model_reports_compose_s_last_line(tmp_path: Path) -> None:
    runner = replying(1, stderr="warning\nyaml: line 3: did not find expected key\n")
    project = Project("p", (tmp_path / "docker-compose.yml",))
    model = compose_model(
        runner,  # type: ignore[arg-type]
        ComposeCli(("docker", "compose"), (5, 6)),
        project,
        [],
    )
    assert isinstance(model, Problem) and model.status == "fail"
    assert model.detail.startswith("Compose rejects docker-compose.yml: ")
    assert model.detail.endswith("did not find expected key")
    assert runner.calls[0][-3:] == ["config", "--format", "json"]
    assert runner.calls[1][-2:] == ["config", "--quiet"]  # refused, not only its JSON


def test_compose_model_says_when_only_the_json_fails(tmp_path: Path) -> None:
    runner = FakeRunner(
        reply=lambda argv: (0, "", "") if "--quiet" in argv else (1, "", "json: +Inf")
    )
    project = Project("p", (tmp_path / "docker-compose.yml",))
    model = compose_model(
        runner, ComposeCli(("docker", "compose"), (5, 6)), project, []
    )
    assert isinstance(model, Problem) and model.detail == (
        "Compose accepts docker-compose.yml but prints no JSON of them: json: +Inf"
    )


def test_compose_v1_validates_the_files_and_says_what_needs_v2(tmp_path: Path) -> None:
    runner = replying(0)
    project = Project("p", (tmp_path / "docker-compose.yml",))
    model = compose_model(
        runner,  # type: ignore[arg-type]
        ComposeCli(("docker-compose",), (1, 29, 2)),
        project,
        [],
    )
    assert isinstance(model, Problem) and model.valid and model.status == "skip"
    assert runner.calls[-1][-2:] == ["config", "--quiet"]
    settings = load({"root": str(tmp_path)})
    check = check_compose_files(Facts(settings, dev=model))
    assert check.ok and "need Compose v2" in check.detail
    ports = port_checks.check_ports(Facts(settings, dev=model, client=None))
    assert [(c.name, c.status) for c in ports] == [("ports", "skip")]
