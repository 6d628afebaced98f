"""A project for the tests of inv down and inv clean: Compose's model (two
services it builds, one it pulls), an engine holding one data volume, and a
runner that records the commands and answers as Compose and docker would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.session import Session
from helpers import FakeRunner

V5 = ComposeCli(("docker", "compose"), (5, 6, 1))
V1 = ComposeCli(("docker-compose",), (1, 29, 2))
MODEL = {
    "name": "proj",
    "services": {
        "backend": {"build": {"context": "backend"}},  # built: proj-backend
        "worker": {"build": {"context": "worker"}, "image": "proj/worker:dev"},
        "db": {"image": "postgres:16"},  # pulled: never removed
    },
}


class Volumes:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def list(self, filters: dict[str, str]) -> list[Any]:
        assert filters == {"label": "com.docker.compose.project=proj"}
        return [type("Volume", (), {"name": name})() for name in self.names]


class Engine:
    """The SDK client as confirm_volume_removal reads it: volumes and sizes."""

    def __init__(self, volumes: list[str]) -> None:
        self.volumes = Volumes(volumes)

    def df(self) -> dict[str, Any]:
        return {
            "Volumes": [
                {"Name": n, "UsageData": {"Size": 2048}} for n in self.volumes.names
            ]
        }


def session(
    root: Path,
    runner: FakeRunner,
    cli: ComposeCli = V5,
    volumes: tuple[str, ...] = ("proj_pgdata",),
) -> Session:
    return Session(
        settings=settings.load({"root": str(root), "project": "proj"}),
        runner=runner,
        compose_cli=cli,
        client=Engine(list(volumes)),  # type: ignore[arg-type]
    )


def engine_runner(
    sizes: dict[str, str] | None = None,
    down: int = 0,
    stderr: str = "",
    model: dict[str, Any] = MODEL,
) -> FakeRunner:
    """Compose prints `model`; `docker image inspect` gives each image's size
    in bytes (an image not in `sizes` is missing); `down` is down's exit code."""
    found = {"proj-backend": "1048576", "proj/worker:dev": "2097152"}
    found = found if sizes is None else sizes

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if "config" in argv:
            return (0, json.dumps(model), "")
        if argv[:3] == ["docker", "image", "inspect"]:
            size = found.get(argv[-1])
            return (0, f"{size}\n", "") if size else (1, "", "No such image")
        return (0, "", "")

    def answer(argv: list[str], stdout: object) -> int:
        return down if "down" in argv else 0

    return FakeRunner(reply=reply, answer=answer, said=lambda argv: stderr)


def downs(runner: FakeRunner) -> list[list[str]]:
    return [call for call in runner.calls if "down" in call]


def tail(argv: list[str]) -> list[str]:
    """What follows `down`: its options."""
    return argv[argv.index("down") :]
