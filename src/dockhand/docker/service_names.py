"""A project's name and services, remembered for completion (`dockhand logs
b<TAB>`): written whenever a command has asked Compose for them, read back
on TAB without starting Compose.

One file per project folder (`services-<hash of the folder>.json` in the
cache, compose_cache.location). It holds the stat of every file the answer
came from (the compose files, the env files, the .env beside the first
compose file, and what the caller adds: the folder's invoke.yaml) and the
COMPOSE_* variables; when
any of them changed since, the answer is not given (the TAB asks anew).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockhand.docker import compose_cache
from dockhand.docker.compose import Project


@dataclass(frozen=True)
class Remembered:
    project: str
    services: tuple[str, ...]


def file_name(root: Path) -> str:
    return f"services-{hashlib.sha256(str(root).encode()).hexdigest()[:16]}.json"


def depends_on(project: Project, also: Sequence[Path] = ()) -> list[str]:
    """The files an answer about `project` came from (and `also`)."""
    files = [*project.files, *also, *project.env_files]
    if project.files:
        files.append(project.files[0].parent / ".env")
    return sorted({str(f) for f in files})


def _variables(environ: Mapping[str, str]) -> list[list[str]]:
    return sorted([k, v] for k, v in environ.items() if k.startswith("COMPOSE_"))


def remember(
    root: Path,
    project: Project,
    services: Sequence[str],
    also: Sequence[Path] = (),
    folder: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Remember what Compose said of the project in folder `root`; `also`:
    files besides Compose's that the answer depends on. Best effort, as
    every cache here: a file not written costs the next TAB."""
    stats = [[f, compose_cache.file_stat(f)] for f in depends_on(project, also)]
    value = {
        "project": project.name,
        "services": list(services),
        "stats": stats,
        "variables": _variables(environ),
    }
    where = compose_cache.location(environ) if folder is None else folder
    compose_cache.remember_text(str(root), json.dumps(value), where, file_name(root))


def recall(
    root: Path, folder: Path | None = None, environ: Mapping[str, str] = os.environ
) -> Remembered | None:
    """What was remembered for `root`, when nothing it came from changed."""
    where = compose_cache.location(environ) if folder is None else folder
    text = compose_cache.recall_text(str(root), where, file_name(root))
    try:
        data = json.loads(text or "")
        if data["variables"] != _variables(environ):
            return None
        for path, stat in data["stats"]:
            if compose_cache.file_stat(path) != stat:
                return None
        return Remembered(str(data["project"]), tuple(map(str, data["services"])))
    except (ValueError, KeyError, TypeError):
        return None
