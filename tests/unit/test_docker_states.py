"""One container as dockhand reads it, from the engine's inspect data."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from dockhand.docker import states
from dockhand.docker.states import state_of
from helpers import inspect_backend

INSPECT = inspect_backend()


def with_state(**state: Any) -> dict[str, Any]:
    return {**INSPECT, "State": {**INSPECT["State"], **state}}


def test_state_from_inspect_data() -> None:
    s = state_of(INSPECT)
    assert (s.service, s.container, s.state, s.health) == (
        "backend",
        "shop-backend-1",
        "running",
        "healthy",
    )
    assert s.ports == ("8078/tcp->18078",)
    assert s.published == "18078->8078/tcp"
    local = state_of(
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
    s = state_of(
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
    assert state_of(with_state(Health=None)).summary == "running"
    assert state_of(with_state(Health={"Status": "starting"})).summary == ("starting")
    crashed = state_of(with_state(Status="exited", ExitCode=3, Health=None))
    assert crashed.summary == "exited (3)"
    assert state_of(with_state(Status="restarting")).summary == "restarting"


def test_a_container_of_any_project_from_inspect_data() -> None:
    attrs = {
        "Id": "abc",
        "Config": {"Labels": {"com.docker.compose.project": "shop"}},
        "State": {"Running": True},
        "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "8080"}, {}]}},
    }
    found = states.container_of(attrs)
    assert (found.id, found.running, found.host_ports) == ("abc", True, (8080,))
    assert found.labels == {"com.docker.compose.project": "shop"}
    assert states.container_of({}) == states.Container("")
