"""The production override's hardening: limits, read-only root, log rotation, restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from checked_project import (
    PROD_EXTRA,
    by_name,
    facts_for,
    make_project,
    only_failure,
    service,
)

from dockhand.checks.registry import OK


@pytest.mark.parametrize(
    ("change", "name", "fragment"),
    [
        ({"deploy": {}}, "prod-limits", "app: no memory limit"),
        (
            {"read_only": False},
            "prod-read-only",
            "app: the root filesystem is writable",
        ),
        (
            {"logging": None},
            "prod-log-rotation",
            "the engine default driver, no max-size",
        ),
        (
            {"logging": {"driver": "json-file"}},
            "prod-log-rotation",
            "json-file, no max-size",
        ),
        ({"logging": {"driver": "none"}}, "prod-log-rotation", "logging is off"),
        ({"restart": "no"}, "prod-restart", "app: no restart policy"),
        ({"restart": None}, "prod-restart", "app: no restart policy"),
    ],
)
def test_prod_hardening(
    tmp_path: Path, change: dict[str, Any], name: str, fragment: str
) -> None:
    make_project(tmp_path)
    prod = service(tmp_path, **{**PROD_EXTRA, **change})
    failed = only_failure(facts_for(tmp_path, prod={"services": {"app": prod}}))
    assert failed.name == name and fragment in failed.detail


def test_prod_alternatives_that_pass(tmp_path: Path) -> None:
    make_project(tmp_path)
    prod = service(
        tmp_path,
        **{
            **PROD_EXTRA,
            "deploy": {"restart_policy": {"condition": "on-failure"}},
            "mem_limit": "512m",
            "restart": None,
            "logging": {"driver": "local"},
        },
    )
    results = by_name(facts_for(tmp_path, prod={"services": {"app": prod}}))
    for name in ("prod-limits", "prod-log-rotation", "prod-restart"):
        assert results[name].status == OK, results[name]
