"""Output of the stack's state: uptime, JSON, URLs, the failure panel."""

from __future__ import annotations

import json

import pytest

from dockhand.config.settings import DEFAULTS, load
from dockhand.docker.states import ServiceState, state_of
from dockhand.steps import status
from dockhand.steps import wait as waits
from helpers import inspect_backend

INSPECT = inspect_backend()


def test_uptime_and_json_and_urls() -> None:
    s = state_of(INSPECT)
    assert s.started_at is not None
    assert status.uptime(s, now=s.started_at.replace(minute=59)) == "58m"
    row = json.loads(status.as_json([s]))[0]
    assert (
        row["service"] == "backend"
        and row["health"] == "healthy"
        and row["ports"] == list(s.ports)
        and row["names"] == []  # the router serves none
    )
    # Every key before the router's names stays, in its order; the names last.
    assert list(row) == [
        "service", "container", "state", "health", "exit_code", "ports",
        "started_at", "uptime", "names",
    ]  # fmt: skip
    names = {"backend": ["http://backend.a.localhost/", "https://backend.a.localhost/"]}
    row = json.loads(status.as_json([s], names))[0]
    assert row["names"] == names["backend"]
    settings = load(
        {
            **DEFAULTS,
            "root": "/tmp",
            "services": {"backend": {"port": 8078, "path": "/healthz"}},
        }
    )
    assert status.urls(settings, [s]) == [
        ("backend", "http://tmp.localhost:18078/healthz")
    ]
    stopped = ServiceState("db", "shop-db-1", "exited", "", 0, (), None)
    assert status.uptime(stopped) == ""


def test_a_failure_panel_drops_the_container_s_colours_without_colour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from rich.console import Console

    from dockhand.ui import console

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
