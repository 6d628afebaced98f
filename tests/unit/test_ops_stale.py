"""The images the stale-image check reads: through the client a command
holds already, the same JSON the docker CLI prints, else the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from docker.errors import NotFound

from dockhand import containers, settings
from dockhand.compose import ComposeCli
from dockhand.ops import stale
from dockhand.session import Session
from helpers import FakeRunner

IMAGE = {"Id": "sha256:1", "RepoTags": ["p-web:latest"], "Config": {"Labels": {}}}


def inspect_image(ref: str) -> dict[str, Any]:
    if ref != "p-web":
        raise NotFound(f"no such image: {ref}")
    return IMAGE


def session(tmp_path: Path, client: Any = None) -> Session:
    return Session(
        settings.load({"root": str(tmp_path), "project": "p"}),
        FakeRunner(reply=lambda argv: (0, json.dumps([IMAGE]), "")),
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
        client=client,
    )


def test_a_held_client_is_asked_and_no_process_started(tmp_path: Path) -> None:
    client = SimpleNamespace(api=SimpleNamespace(inspect_image=inspect_image))
    s = session(tmp_path, client)
    text = stale.inspect_images(s, ["p-web", "p-gone", "p-web"])
    assert json.loads(text) == [IMAGE]  # the missing one left out, once each
    assert s.runner.calls == []
    assert set(stale.parse_images(text)) == {"sha256:1", "p-web:latest", "p-web"}


def test_without_a_client_the_cli_is_asked(tmp_path: Path) -> None:
    s = session(tmp_path)
    assert json.loads(stale.inspect_images(s, ["p-web"])) == [IMAGE]
    assert s.runner.calls == [containers.image_inspect_argv(["p-web"])]
