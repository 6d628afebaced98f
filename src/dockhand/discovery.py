"""The project Compose itself would see, for a project that does not say
(no `project` or `compose_files` in invoke.yaml or INVOKE_DOCKHAND_*).

Files follow Compose's own discovery (compose-go's cli/options): COMPOSE_FILE
(from the shell or the project's .env), else the first of compose.yaml,
compose.yml, docker-compose.yml, docker-compose.yaml in the folder or the
nearest parent that has one, with the first override file beside it. The
name is asked of Compose (`config --format json`, without `-p`), so
COMPOSE_PROJECT_NAME, a top-level `name:` and the folder rule are Compose's,
not re-derived; the answer is remembered while the files it depends on stay
the same. tests/integration/test_compose_discovery.py holds this view against plain
`docker compose` on each layout.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.config import checkout
from dockhand.config.checkout import MARKER_VAR, NAME_VAR
from dockhand.config.defaults import COMPOSE_NAMES, NO_COMPOSE_FILE, OVERRIDE_NAMES
from dockhand.docker import compose, compose_cache, compose_env, containers
from dockhand.docker.compose import Project
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from dockhand.config.settings import Settings
    from dockhand.session import Session


def compose_files(
    root: Path, variables: Mapping[str, str | None]
) -> tuple[tuple[Path, ...], str]:
    """The files Compose would read from `root`, and where the list came from.
    `variables`: the shell's, then the env file's (the shell wins, as in Compose)."""
    listed = variables.get("COMPOSE_FILE")
    if listed:
        separator = variables.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        files = tuple(root / part for part in listed.split(separator) if part)
        return files, "COMPOSE_FILE"
    for folder in (root, *root.parents):
        found = next(
            (folder / n for n in COMPOSE_NAMES if (folder / n).is_file()), None
        )
        if found is None:
            continue
        override = next(
            (folder / n for n in OVERRIDE_NAMES if (folder / n).is_file()), None
        )
        files = (found,) if override is None else (found, override)
        return files, "Compose's discovery"
    return (root / "docker-compose.yml",), NO_COMPOSE_FILE


folder_name = checkout.folder_name


def _first_env_files(settings: Settings) -> tuple[Path, ...]:
    """The env files Compose reads before it knows the compose files."""
    if settings.env_file_given:
        return (settings.env_file,) if settings.env_file.is_file() else ()
    return compose_env.first_pass(settings.root, os.environ, Path.cwd())


def _variables(settings: Settings) -> dict[str, str | None]:
    """What COMPOSE_FILE, COMPOSE_PROJECT_NAME and the like are: the shell's,
    else the first env file's that sets them."""
    from dockhand import envfile  # python-dotenv, only where an env file is read

    values: dict[str, str | None] = {}
    for path in reversed(_first_env_files(settings)):
        values.update(envfile.values(path))
    values.update({k: v for k, v in os.environ.items() if k.startswith("COMPOSE_")})
    return values


def _ask_compose(s: Session, project: Project) -> str:
    """The name Compose gives these files with no `-p`, remembered by a
    fingerprint of what the answer depends on."""
    key = json.dumps(
        [[str(f), compose_cache.file_stat(str(f))] for f in project.files]
        + [[str(f), compose_cache.file_stat(str(f))] for f in project.env_files]
        + [
            os.environ.get("COMPOSE_PROJECT_NAME"),
            list(s.find_compose().argv),
        ]
    )
    folder = compose_cache.location()
    cached = compose_cache.recall_text(key, folder, "project.json")
    if cached:
        return cached
    asked = s.runner.capture(compose.config_json(s.find_compose(), project), timeout=60)
    if not asked.ok:
        return ""  # the command itself will show Compose's reason
    name = str(json.loads(asked.stdout).get("name") or "")
    if name:
        compose_cache.remember_text(key, name, folder, "project.json")
    return name


def resolve(s: Session) -> Settings:
    """`s.settings` with the project's files and name filled in as Compose
    would choose them, where the settings do not give them."""
    settings = s.settings
    variables = _variables(settings)
    files, files_from = settings.compose_files, settings.files_source
    if not settings.files_given:
        files, files_from = compose_files(settings.root, variables)
    name, name_from = settings.project, settings.project_source
    copied = ""
    if not settings.project_given:
        name, name_from = _name(s, files, variables, settings)
        if name_from == "COMPOSE_PROJECT_NAME" and not os.environ.get(NAME_VAR):
            name_from, copied = _whose(settings, variables)
    return replace(
        settings,
        compose_files=files,
        project=name,
        files_source=files_from,
        project_source=name_from,
        copied_from=copied,
    )


_SOURCES = {
    "own": "this checkout's own name (.env, made by inv setup)",
    "moved": "the name .env was made with in {marker}, now moved here",
    "copied": ".env copied from the checkout {marker}",
    "explicit": "COMPOSE_PROJECT_NAME in .env (shared by every checkout that sets it)",
}


def _whose(settings: Settings, variables: Mapping[str, str | None]) -> tuple[str, str]:
    """Where a name in the env file came from, and the checkout it was
    copied from when it was (dockhand.config.checkout)."""
    found = checkout.identity(
        {**variables, MARKER_VAR: _marker(settings)}, settings.root
    )
    source = _SOURCES.get(found.kind, "COMPOSE_PROJECT_NAME").format(
        marker=found.marker
    )
    return source, found.marker if found.kind == "copied" else ""


def _marker(settings: Settings) -> str | None:
    from dockhand import envfile  # python-dotenv, only where an env file is read

    if not settings.env_file.is_file():
        return None
    return envfile.values(settings.env_file).get(MARKER_VAR)


def _name(
    s: Session,
    files: tuple[Path, ...],
    variables: Mapping[str, str | None],
    settings: Settings,
) -> tuple[str, str]:
    given = variables.get("COMPOSE_PROJECT_NAME")
    source = "COMPOSE_PROJECT_NAME" if given else "the folder's name"
    try:
        if not s.find_compose().is_v1:  # v1 ignores `name:` and prints no JSON
            project = Project("", files, s.env_files(files), settings.profiles)
            asked = _ask_compose(s, project)
            if asked:
                if not given and asked != folder_name(files[0].parent):
                    source = "name: in the compose file"
                return asked, source
    except (DockhandError, ValueError):
        pass  # doctor and the command itself will say what is wrong
    return (given or folder_name(files[0].parent)), source


def older_project(s: Session) -> str:
    """The project Compose made this folder's containers under, when this
    checkout has no name of its own yet and that project is another one (a
    checkout from before each had its own name): "" otherwise."""

    settings = s.settings
    if settings.project_given or settings.project_source != "the folder's name":
        return ""
    if not settings.env_file.is_file():
        return ""
    argv = containers.projects_made_in_argv(str(settings.root), str(settings.env_file))
    found = s.runner.capture(argv, timeout=30)
    names = set(found.stdout.split()) - {"", settings.project} if found.ok else set()
    return sorted(names)[0] if len(names) == 1 else ""
