"""The host ports `inv up` checks before it starts anything: from the
Compose model, remembered by its fingerprint while nothing it comes from
changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.checks.ports import Published
from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.session import Session
from dockhand.steps import preflight
from helpers import FakeRunner

MODEL = {
    "name": "proj",
    "services": {
        "web": {"ports": [{"published": "8080", "target": 80, "protocol": "tcp"}]},
        "db": {"environment": {"POSTGRES_PASSWORD": "secret"}},
    },
}


def session(tmp_path: Path, version: tuple[int, ...] = (5, 6, 1)) -> Session:
    return Session(
        settings.load(
            {
                "root": str(tmp_path),
                "project": "proj",
                "env_file": str(tmp_path / ".env"),
            }
        ),
        FakeRunner(reply=lambda argv: (0, json.dumps(MODEL), "")),
        compose_cli=ComposeCli(("docker", "compose"), version),
    )


def test_the_published_ports_are_remembered_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKHAND_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "docker-compose.yml").write_text("services: {web: {}}\n")
    (tmp_path / ".env").write_text("WEB_PORT=8080\n")
    first = session(tmp_path)
    wanted = [Published("web", "", 8080, "WEB_PORT")]
    assert preflight.published_ports(first) == wanted
    assert len(first.runner.calls) == 1  # config --format json
    [kept] = (tmp_path / "cache").glob("ports-*.json")
    assert "secret" not in kept.read_text()  # only the ports are kept
    warm = session(tmp_path)
    assert preflight.published_ports(warm) == wanted
    assert warm.runner.calls == []
    (tmp_path / ".env").write_text("WEB_PORT=8080\nOTHER=1\n")
    changed = session(tmp_path)
    assert preflight.published_ports(changed) == wanted
    assert len(changed.runner.calls) == 1


def test_compose_v1_has_no_model_to_read_them_from(tmp_path: Path) -> None:
    v1 = session(tmp_path, (1, 29, 2))
    assert preflight.published_ports(v1) == []
    assert v1.runner.calls == []
