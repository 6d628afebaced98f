"""`inv urls` (dockhand.commands.urls): the names the router serves first,
then the port URLs; as JSON, service -> URLs; why there are no names."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_steps_router import NAME, inspected

from dockhand.commands import urls
from dockhand.config import settings
from dockhand.docker.states import ServiceState
from dockhand.session import Session
from helpers import FakeRunner

STATES = [
    ServiceState(
        "backend", "proj-backend-1", "running", "healthy", 0, ("8078/tcp->8100",),
        datetime.now(timezone.utc),
    ),
]  # fmt: skip


def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routed: str) -> Session:
    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1:3] == ["container", "inspect"]:
            return (0, inspected(80), "")
        return (0, routed, "")  # dockhand-route ls

    config = {
        "root": str(tmp_path),
        "project": "proj",
        "services": {"backend": {"port": 8078, "path": "/healthz"}},
    }
    s = Session(settings=settings.load(config), runner=FakeRunner(reply=reply))
    monkeypatch.setattr(s, "states", lambda names=(): STATES)
    return s


@pytest.fixture(autouse=True)
def _router(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKHAND_ROUTER", NAME)
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")


def test_the_name_first_then_the_port_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    urls.urls(session(tmp_path, monkeypatch, "other\nproj\n"), as_json=False)
    out, err = capsys.readouterr()
    assert out == (
        "backend      http://backend.proj.localhost/healthz  "
        "http://proj.localhost:8100/healthz\n"
    )
    assert err == ""
    urls.urls(session(tmp_path, monkeypatch, "proj\n"), as_json=True)
    assert json.loads(capsys.readouterr().out) == {
        "backend": [
            "http://backend.proj.localhost/healthz",
            "http://proj.localhost:8100/healthz",
        ]
    }


def test_without_names_the_port_urls_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    urls.urls(session(tmp_path, monkeypatch, "other\n"), as_json=False)
    out, err = capsys.readouterr()
    assert out == "backend      http://proj.localhost:8100/healthz\n"
    assert err == (
        "no names for this checkout yet: `inv up` routes it through the router\n"
    )
    monkeypatch.setenv("DOCKHAND_ROUTER", "off")
    urls.urls(session(tmp_path, monkeypatch, ""), as_json=True)
    out, err = capsys.readouterr()
    assert json.loads(out) == {"backend": ["http://proj.localhost:8100/healthz"]}
    assert err == "the router is off (DOCKHAND_ROUTER=off): port URLs only\n"
    monkeypatch.setenv("DOCKHAND_ROUTER", "dockhand-router")
    monkeypatch.setenv("DOCKER_HOST", "tcp://far:2375")
    urls.urls(session(tmp_path, monkeypatch, "proj\n"), as_json=False)
    assert capsys.readouterr().err.startswith(
        "names without ports need an engine on this machine, not DOCKER_HOST=tcp://far:2375"
    )
