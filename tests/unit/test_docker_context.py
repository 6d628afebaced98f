"""Where the SDK finds the engine: DOCKER_HOST, else the Docker CLI context,
read through docker-py's docker.context from a real context store on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand import engine


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
