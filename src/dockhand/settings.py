"""Invoke config (invoke.yaml, INVOKE_DOCKHAND_*) -> one frozen Settings."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockhand.compose import Project
from dockhand.defaults import DEFAULTS
from dockhand.errors import DockhandError

_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class ServiceSettings:
    shell: str = "sh"
    port: int | None = None  # the container port a browser would open
    path: str = "/"


@dataclass(frozen=True)
class Migration:
    service: str
    run: tuple[str, ...]
    status: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        return f"{self.service}: {shlex.join(self.run)}"


@dataclass(frozen=True)
class DatabaseSettings:
    service: str = "db"
    user_var: str = "POSTGRES_USER"
    name_var: str = "POSTGRES_DB"


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
    wait_max_restarts: int = DEFAULTS[
        "wait_max_restarts"
    ]  # more restarts: a crash loop
    compose_version: str = ""  # the Compose the project pins; doctor warns on another
    services: Mapping[str, ServiceSettings] = field(default_factory=dict)
    migrations: tuple[Migration, ...] = ()
    database: DatabaseSettings | None = None
    image_size_budget_mb: float = 350
    min_free_disk_gb: float = 2

    @property
    def files(self) -> tuple[Path, ...]:
        """The compose files in merge order; the prod override last."""
        return self.compose_files + (self.prod_files if self.prod else ())

    def compose_project(self) -> Project:
        env_file = self.env_file if self.env_file.is_file() else None
        return Project(self.project, self.files, env_file, self.profiles)

    def service(self, name: str) -> ServiceSettings:
        return self.services.get(name, ServiceSettings())


def _config_error(key: str, problem: str) -> DockhandError:
    return DockhandError(
        f"invoke.yaml: dockhand.{key} {problem}",
        hint="fix it in invoke.yaml (see docs/configuration.md)",
    )


def _paths(root: Path, key: str, value: Any) -> tuple[Path, ...]:
    if isinstance(value, str):  # INVOKE_DOCKHAND_* can only carry strings
        value = [part for part in re.split(r"[,:]", value) if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _config_error(key, "must be a list of file names")
    return tuple(root / v for v in value)


def _argv(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return tuple(shlex.split(value))
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _config_error(key, "must be a command (a string or a list of words)")


def _migrations(value: Any) -> tuple[Migration, ...]:
    if not isinstance(value, list):
        raise _config_error("migrations", "must be a list")
    result = []
    for index, entry in enumerate(value):
        key = f"migrations[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("service"), str):
            raise _config_error(key, "needs a 'service' and a 'run' command")
        status = entry.get("status")
        result.append(
            Migration(
                service=entry["service"],
                run=_argv(f"{key}.run", entry.get("run")),
                status=_argv(f"{key}.status", status) if status else None,
            )
        )
    return tuple(result)


def _services(value: Any) -> dict[str, ServiceSettings]:
    if not isinstance(value, Mapping):
        raise _config_error("services", "must map service names to settings")
    services = {}
    for name, entry in value.items():
        entry = entry or {}
        if not isinstance(entry, Mapping) or set(entry) - {"shell", "port", "path"}:
            raise _config_error(f"services.{name}", "takes only shell, port and path")
        port = entry.get("port")
        services[str(name)] = ServiceSettings(
            shell=str(entry.get("shell", "sh")),
            port=int(port) if port is not None else None,
            path=str(entry.get("path", "/")),
        )
    return services


def _database(value: Any) -> DatabaseSettings | None:
    if not value:
        return None
    keys = {"service", "user_var", "name_var"}
    if not isinstance(value, Mapping) or set(value) - keys:
        raise _config_error("database", f"takes only {', '.join(sorted(keys))}")
    return DatabaseSettings(**{k: str(v) for k, v in value.items()})


def _project_name(raw: str, root: Path) -> str:
    # Compose's rule for names; the directory name is only a fallback.
    name = raw or re.sub(r"[^a-z0-9_-]", "", root.name.lower())
    if not _PROJECT_NAME.match(name):
        raise _config_error(
            "project", f"{name!r} is not a valid Compose project name ([a-z0-9_-])"
        )
    return name


def _budget(value: Any) -> float:
    try:
        budget = float(value)
    except (TypeError, ValueError):
        budget = 0
    if budget <= 0:
        raise _config_error("image_size_budget_mb", "must be a positive number of MB")
    return budget


def load(section: Mapping[str, Any]) -> Settings:
    """Build Settings from the `dockhand` section of an Invoke config."""
    unknown = sorted(set(section) - set(DEFAULTS))
    if unknown:
        raise _config_error(
            unknown[0], f"is not a setting (known: {', '.join(DEFAULTS)})"
        )
    raw = {**DEFAULTS, **section}
    root = Path(raw["root"] or ".").resolve()
    database = raw["database"]
    try:
        timeout = float(raw["wait_timeout"])
    except (TypeError, ValueError):
        raise _config_error("wait_timeout", "must be a number of seconds") from None
    return Settings(
        root=root,
        project=_project_name(str(raw["project"]), root),
        compose_files=_paths(root, "compose_files", raw["compose_files"]),
        prod_files=_paths(root, "prod_files", raw["prod_files"]),
        prod=bool(raw["prod"]),
        profiles=tuple(raw["profiles"] or ()),
        env_file=root / str(raw["env_file"]),
        env_example=root / str(raw["env_example"]),
        default_service=str(raw["default_service"]),
        wait_timeout=timeout,
        wait_stable_seconds=_number("wait_stable_seconds", raw["wait_stable_seconds"]),
        wait_max_restarts=_count("wait_max_restarts", raw["wait_max_restarts"]),
        compose_command=str(raw["compose_command"] or ""),
        compose_version=_version("compose_version", raw["compose_version"]),
        services=_services(raw["services"]),
        migrations=_migrations(raw["migrations"]),
        database=_database(database),
        image_size_budget_mb=_budget(raw["image_size_budget_mb"]),
        min_free_disk_gb=_number("min_free_disk_gb", raw["min_free_disk_gb"]),
    )


def _version(key: str, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if text and not re.fullmatch(r"\d+\.\d+(\.\d+)?", text):
        raise _config_error(key, f"must be a version like 5.6.1, not {text!r}")
    return text


def _number(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise _config_error(key, "must be a number (0 or more)")
    return number


def _count(key: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or str(number) != str(value).strip():
        raise _config_error(key, "must be a whole number (0 or more)")
    return number
