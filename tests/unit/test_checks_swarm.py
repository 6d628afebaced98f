"""checks/swarm.py: the swarm-compat line of `inv check`."""

from __future__ import annotations

from pathlib import Path

from checked_project import (
    PROD_EXTRA,
    by_name,
    facts_for,
    make_project,
    only_failure,
    service,
)

from dockhand.checks.registry import WARN


def test_swarm_compat_fails_what_a_swarm_service_cannot_do(tmp_path: Path) -> None:
    make_project(tmp_path)
    prod = service(tmp_path, **PROD_EXTRA, privileged=True, network_mode="host")
    failed = only_failure(facts_for(tmp_path, prod={"services": {"app": prod}}))
    assert failed.name == "swarm-compat"
    assert "app: privileged: privileged containers are not possible" in failed.detail
    assert "app: network_mode: network_mode has no Swarm equivalent" in failed.detail


def test_swarm_compat_warns_of_what_a_stack_drops(tmp_path: Path) -> None:
    make_project(tmp_path)
    port = {
        "target": 80,
        "published": "8080",
        "host_ip": "127.0.0.1",
        "mode": "ingress",
    }
    prod = service(tmp_path, **PROD_EXTRA, ports=[port])
    result = by_name(facts_for(tmp_path, prod={"services": {"app": prod}}))[
        "swarm-compat"
    ]
    assert result.status == WARN
    assert "app: port 8080:80 bound to 127.0.0.1 dropped" in result.detail


def test_swarm_compat_passes_what_translates_without_loss(tmp_path: Path) -> None:
    make_project(tmp_path)
    result = by_name(facts_for(tmp_path))["swarm-compat"]
    assert result.status == "ok", result
