"""The docker SDK side: where it finds the engine (DOCKER_HOST, else the
Docker CLI context, read through docker-py's docker.context from a real
context store on disk) and the label filters of its queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.docker import engine


def test_filters_select_project_service_containers_by_label() -> None:
    assert engine.project_filters("shop", ["db"]) == {
        "label": [
            "com.docker.compose.project=shop",
            "com.docker.compose.oneoff=False",
            "com.docker.compose.service=db",
        ]
    }
    assert len(engine.project_filters("shop", ["db", "redis"])["label"]) == 2


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


def context(config: Path, name: str, host: str) -> None:
    """A Docker CLI context on disk, as `docker context create` writes it."""
    import hashlib

    meta = config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host}}}
        )
    )


@pytest.mark.parametrize(
    ("environ", "host", "named", "path"),
    [
        ({}, "unix:///var/run/docker.sock", "default", "/var/run/docker.sock"),
        (
            {"DOCKER_HOST": "unix:///tmp/x.sock"},
            "unix:///tmp/x.sock",
            None,
            "/tmp/x.sock",
        ),
        ({"DOCKER_HOST": "tcp://10.0.0.1:2375"}, "tcp://10.0.0.1:2375", None, None),
        (
            {"DOCKER_CONTEXT": "desk"},
            "unix:///home/u/.docker/run/docker.sock",
            "desk",
            "/home/u/.docker/run/docker.sock",
        ),
        ({"DOCKER_CONTEXT": "remote"}, "ssh://me@build", "remote", None),
        ({"DOCKER_CONTEXT": "gone"}, "", "gone", None),
    ],
)
def test_the_endpoint_is_docker_hosts_or_the_contexts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    host: str,
    named: str | None,
    path: str | None,
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    # docker-py finds the contexts beside an existing config.json only.
    (tmp_path / "config.json").write_text("{}")
    context(tmp_path, "desk", "unix:///home/u/.docker/run/docker.sock")
    context(tmp_path, "remote", "ssh://me@build")
    found = engine.current_endpoint(environ)
    assert (found.host, found.context, found.socket) == (host, named, path)


def test_the_current_context_comes_from_the_docker_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    context(tmp_path, "desk", "unix:///home/u/.docker/run/docker.sock")
    (tmp_path / "config.json").write_text('{"currentContext": "desk"}')
    found = engine.current_endpoint({})
    assert (found.context, found.socket) == ("desk", "/home/u/.docker/run/docker.sock")
    assert engine.endpoint(found) == "the Docker context 'desk'"
