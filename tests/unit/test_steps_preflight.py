"""The host ports `inv up` checks before it starts anything: from the
Compose model, remembered by its fingerprint while nothing it comes from
changes."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dockhand.checks.ports import Published
from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import preflight
from helpers import FakeRunner

ENGINES = Path(__file__).parent / "data" / "engines"

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


def recorded_client(name: str) -> Any:
    """A client answering `version` and `info` as the engine recorded did."""
    found = json.loads((ENGINES / f"{name}.json").read_text())
    return SimpleNamespace(version=lambda: found["version"], info=lambda: found["info"])


def test_up_refuses_what_podman_lacks_naming_the_engine(tmp_path: Path) -> None:
    """Podman 5.8.6 without systemd: `web` has a healthcheck that would never
    run; on Docker the same model passes. Only the services started count."""
    model = {
        "name": "proj",
        "services": {
            "web": {"healthcheck": {"test": ["CMD", "true"]}},
            "db": {},
        },
    }

    def up_on(engine_name: str, names: list[str]) -> None:
        s = Session(
            settings.load({"root": str(tmp_path), "project": "proj"}),
            FakeRunner(reply=lambda argv: (0, json.dumps(model), "")),
            compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
        )
        s.client = recorded_client(engine_name)
        preflight.engine_lacks(s, names)

    with pytest.raises(DockhandError) as refused:
        up_on("podman-5.8.6", [])
    assert refused.value.message.startswith(
        "Podman 5.8.6 runs no healthchecks here: it runs without systemd"
    )
    assert "systemd" in (refused.value.hint or "")
    up_on("podman-5.8.6", ["db"])  # web is not started
    up_on("docker-20.10.24", [])
    up_on("docker-rootless-28.5.2", [])
