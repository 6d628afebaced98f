"""Container state from inspect data, readiness rules, and how states show."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from dockhand import engine, status, waits
from dockhand.engine import ServiceState
from dockhand.settings import DEFAULTS, load

INSPECT = json.loads(
    (Path(__file__).parent / "data" / "inspect_backend.json").read_text()
)


def with_state(**state: Any) -> dict[str, Any]:
    return {**INSPECT, "State": {**INSPECT["State"], **state}}


def test_state_from_inspect_data() -> None:
    s = engine.state_of(INSPECT)
    assert (s.service, s.container, s.state, s.health) == (
        "backend",
        "shop-backend-1",
        "running",
        "healthy",
    )
    assert s.ports == ("8078/tcp->18078",)
    assert s.published == "18078->8078/tcp"
    local = engine.state_of(
        {
            **INSPECT,
            "NetworkSettings": {
                "Ports": {"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "15432"}]}
            },
        }
    )
    assert (
        local.published == "127.0.0.1:15432->5432/tcp"
        and local.host_port(5432) == "15432"
    )
    assert s.host_port(8078) == "18078" and s.host_port(9999) is None
    assert s.started_at == datetime(2026, 11, 26, 20, 1, 2, 123456, tzinfo=timezone.utc)
    # Older inspect data without these: no restarts, no policy.
    assert (s.restart_count, s.restart_policy, s.id) == (0, "", "")


def test_restarts_policy_and_id_from_inspect_data() -> None:
    s = engine.state_of(
        {
            **with_state(Status="restarting", ExitCode=5),
            "Id": "0123abc",
            "RestartCount": 3,
            "HostConfig": {"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}},
        }
    )
    assert (s.state, s.exit_code, s.restart_count, s.restart_policy, s.id) == (
        "restarting",
        5,
        3,
        "always",
        "0123abc",
    )


def test_summary_of_each_state() -> None:
    assert engine.state_of(with_state(Health=None)).summary == "running"
    assert engine.state_of(with_state(Health={"Status": "starting"})).summary == (
        "starting"
    )
    crashed = engine.state_of(with_state(Status="exited", ExitCode=3, Health=None))
    assert crashed.summary == "exited (3)"
    assert engine.state_of(with_state(Status="restarting")).summary == "restarting"


def test_filters_select_project_service_containers_by_label() -> None:
    assert engine.project_filters("shop", ["db"]) == {
        "label": [
            "com.docker.compose.project=shop",
            "com.docker.compose.oneoff=False",
            "com.docker.compose.service=db",
        ]
    }
    assert len(engine.project_filters("shop", ["db", "redis"])["label"]) == 2


def test_uptime_and_json_and_urls() -> None:
    s = engine.state_of(INSPECT)
    assert s.started_at is not None
    assert status.uptime(s, now=s.started_at.replace(minute=59)) == "58m"
    row = json.loads(status.as_json([s]))[0]
    assert (
        row["service"] == "backend"
        and row["health"] == "healthy"
        and row["ports"] == list(s.ports)
    )
    settings = load(
        {
            **DEFAULTS,
            "root": "/tmp",
            "services": {"backend": {"port": 8078, "path": "/healthz"}},
        }
    )
    assert status.urls(settings, [s]) == [("backend", "http://localhost:18078/healthz")]
    stopped = ServiceState("db", "shop-db-1", "exited", "", 0, (), None)
    assert status.uptime(stopped) == ""


def test_endpoint_names_the_docker_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert "DOCKER_HOST is not set" in engine.endpoint()
    (tmp_path / "config.json").write_text('{"currentContext": "desktop-linux"}')
    assert engine.endpoint() == "the Docker context 'desktop-linux'"
    monkeypatch.setenv("DOCKER_CONTEXT", "colima")
    assert engine.endpoint() == "the Docker context 'colima'"
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2375")
    assert engine.endpoint() == "DOCKER_HOST=tcp://10.0.0.5:2375"


def test_a_failure_panel_drops_the_container_s_colours_without_colour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from rich.console import Console

    from dockhand import console

    written = io.StringIO()
    monkeypatch.setattr(
        console, "err", lambda: Console(file=written, no_color=True, width=100)
    )
    failure = waits.HealthFailure(
        "backend exited (3)", "fix it", [("backend", "\x1b[31mERROR\x1b[0m boom")]
    )
    status.show_failure(failure)
    assert "ERROR boom" in written.getvalue()
    assert "\x1b[" not in written.getvalue()
