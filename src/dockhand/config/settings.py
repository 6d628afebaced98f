"""Invoke config (invoke.yaml, INVOKE_DOCKHAND_*) -> one frozen Settings,
checked against the schema (schema.py), a wrong value one line naming the
file or variable it came from."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockhand.config.defaults import DEFAULTS, ENV_PREFIX
from dockhand.config.schema import (
    Bad,
    DatabaseSettings,
    Migration,
    ServiceSettings,
    Unknown,
    check_keys,
    schema,
)
from dockhand.docker.compose import Project
from dockhand.errors import DockhandError


@dataclass(frozen=True)
class Settings:
    root: Path
    project: str
    compose_files: tuple[Path, ...]
    prod_files: tuple[Path, ...]
    prod: bool
    profiles: tuple[str, ...]
    env_file: Path
    env_example: Path
    default_service: str
    wait_timeout: float
    compose_command: str
    wait_stable_seconds: float = DEFAULTS["wait_stable_seconds"]  # up this long = ready
    wait_max_restarts: int = DEFAULTS["wait_max_restarts"]  # more: a crash loop
    compose_version: str = ""  # the Compose the project pins; doctor warns on another
    services: Mapping[str, ServiceSettings] = field(default_factory=dict)
    migrations: tuple[Migration, ...] = ()
    database: DatabaseSettings | None = None
    image_size_budget_mb: float = 350
    min_free_disk_gb: float = 2
    stale_images: str = "rebuild"  # rebuild, warn or off (dockhand.steps.stale)
    migrate_snapshots: int = 5  # automatic snapshots before migrate kept; 0: none
    watch_files: tuple[Path, ...] = ()  # compose files `inv watch` adds (develop.watch)
    # The checkout an env file was copied from (dockhand.config.checkout), when it was.
    copied_from: str = ""
    # `inv deploy`: the Swarm manager (a context name or a Docker host URL;
    # empty: DOCKER_HOST, else the swarm-lab context, else the current one),
    # where images are pushed, the name nodes pull them by, and the routing.
    deploy_endpoint: str = ""
    deploy_registry: str = ""
    deploy_pull_registry: str = ""
    deploy_routing: str = "auto"
    deploy_timeout: float = 300
    # Whether invoke.yaml (or a variable) gave them; if not, the session asks
    # Compose (dockhand.discovery) and says where each came from.
    project_given: bool = True
    files_given: bool = True
    project_source: str = "invoke.yaml"
    files_source: str = "invoke.yaml"

    @property
    def files(self) -> tuple[Path, ...]:
        """The compose files in merge order; the prod override last."""
        return self.compose_files + (self.prod_files if self.prod else ())

    def compose_project(self) -> Project:
        env_file = self.env_file if self.env_file.is_file() else None
        return Project(self.project, self.files, env_file, self.profiles)

    def service(self, name: str) -> ServiceSettings:
        return self.services.get(name, ServiceSettings())


# Keys a variable can set: those whose value can be written as one string.
ENV_KEYS = (
    "project",
    "compose_files",
    "prod_files",
    "prod",
    "profiles",
    "env_file",
    "env_example",
    "default_service",
    "wait_timeout",
    "wait_stable_seconds",
    "wait_max_restarts",
    "compose_command",
    "compose_version",
    "image_size_budget_mb",
    "min_free_disk_gb",
    "stale_images",
    "migrate_snapshots",
    "watch_files",
    "deploy_endpoint",
    "deploy_registry",
    "deploy_pull_registry",
    "deploy_routing",
    "deploy_timeout",
)
INTERNAL = ("root",)  # set by dockhand.namespace(), not by a user


def env_var(key: str) -> str:
    return ENV_PREFIX + key.upper()


def _nearest(word: str, known: Sequence[str]) -> str:
    found = difflib.get_close_matches(word, known, n=1)
    return f"; did you mean {found[0]}?" if found else ""


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _origin(key: str, origins: Mapping[str, str]) -> str:
    return origins.get(key.split(".")[0].split("[")[0], "invoke.yaml")


def _bad_value(bad: Bad, origins: Mapping[str, str]) -> DockhandError:
    origin = _origin(bad.key, origins)
    if origin.startswith(ENV_PREFIX):
        return DockhandError(
            f"{origin}={bad.value!s:.60} is not valid: expected {bad.expected}",
            hint=f"fix or unset {origin} (every setting: docs/configuration.md)",
        )
    return DockhandError(
        f"{origin}: dockhand.{bad.key} is {_show(bad.value)}, expected {bad.expected}",
        hint=f"fix it in {origin} (every setting: docs/configuration.md)",
    )


def _unknown_key(unknown: Unknown, origins: Mapping[str, str]) -> DockhandError:
    origin = _origin(unknown.key, origins)
    last = re.split(r"[.\]]", unknown.key)[-1]
    return DockhandError(
        f"{origin}: dockhand.{unknown.key} is not a setting{_nearest(last, unknown.known)}",
        hint=f"fix it in {origin}; known here: {', '.join(unknown.known)}",
    )


def environment_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The INVOKE_DOCKHAND_* variables as {key: raw string}; a variable that
    names no setting is an error naming the nearest one."""
    found = {}
    for var, value in sorted(environ.items()):
        if not var.startswith(ENV_PREFIX):
            continue
        key = var[len(ENV_PREFIX) :].lower()
        if key in ENV_KEYS:
            found[key] = value
            continue
        nested = key.split("_")[0]
        if nested in ("services", "migrations", "database"):
            raise DockhandError(
                f"{var}: dockhand.{nested} cannot be set by a variable",
                hint="put it in a config file: `inv -f FILE ...` or INVOKE_RUNTIME_CONFIG=FILE",
            )
        raise DockhandError(
            f"{var} is not a setting{_nearest(var, [env_var(k) for k in ENV_KEYS])}",
            hint="unset it; every variable: docs/configuration.md#environment-variables",
        )
    return found


def load(section: Any, origins: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the `dockhand` section of an Invoke config, checked
    against the schema. `origins` says where each top-level key came from (a
    file name, or an INVOKE_DOCKHAND_* variable); invoke.yaml when not said."""
    origins = origins or {}
    if section is None:  # `dockhand:` with nothing under it
        section = {}
    if not isinstance(section, Mapping):
        origin = origins.get("", "invoke.yaml")
        raise DockhandError(
            f"{origin}: dockhand is {_show(section)}, expected a mapping of settings",
            hint=f"fix it in {origin} (every setting: docs/configuration.md)",
        )
    root = Path(str(section.get("root") or ".")).resolve()
    parsers = schema(root)
    try:
        check_keys(
            "", {k: v for k, v in section.items() if k not in INTERNAL}, list(parsers)
        )
        values = {
            key: parse(key, section[key] if key in section else DEFAULTS[key])
            for key, parse in parsers.items()
        }
    except Bad as bad:
        raise _bad_value(bad, origins) from None
    except Unknown as unknown:
        raise _unknown_key(unknown, origins) from None
    return Settings(
        root=root,
        **values,
        project_given=bool(section.get("project")),
        files_given="compose_files" in section,
        # A file name, or the INVOKE_DOCKHAND_* variable that gave it.
        project_source=origins.get("project", "invoke.yaml"),
        files_source=origins.get("compose_files", "invoke.yaml"),
    )
