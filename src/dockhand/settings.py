"""Invoke config (invoke.yaml, INVOKE_DOCKHAND_*) -> one frozen Settings."""

from __future__ import annotations

import difflib
import json
import math
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockhand.compose import Project
from dockhand.defaults import DEFAULTS, ENV_PREFIX
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
    wait_max_restarts: int = DEFAULTS["wait_max_restarts"]  # more: a crash loop
    compose_version: str = ""  # the Compose the project pins; doctor warns on another
    services: Mapping[str, ServiceSettings] = field(default_factory=dict)
    migrations: tuple[Migration, ...] = ()
    database: DatabaseSettings | None = None
    image_size_budget_mb: float = 350
    min_free_disk_gb: float = 2
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


# --- the schema ---------------------------------------------------------------
#
# Each key of the `dockhand` section has a parser: it returns the value as
# Settings holds it, or raises _Bad saying what was expected. The values come
# from YAML (typed) or from INVOKE_DOCKHAND_* (always strings), so every parser
# takes both: "180" is a number, "no" is false, "a.yml,b.yml" is a list.


class _Bad(Exception):
    """`value` at `key` (a path such as services.web.port) is not `expected`."""

    def __init__(self, key: str, value: Any, expected: str) -> None:
        super().__init__(key)
        self.key, self.value, self.expected = key, value, expected


class _Unknown(Exception):
    def __init__(self, key: str, known: Sequence[str]) -> None:
        super().__init__(key)
        self.key, self.known = key, known


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})
_PROFILE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")


def _string_keys(key: str, value: Mapping[Any, Any]) -> None:
    for name in value:
        if not isinstance(name, str):
            at = f"{key}.{name}" if key else str(name)
            raise _Bad(at, name, f'a name, as a string (quote it: "{name}")')


def _check_keys(key: str, value: Mapping[str, Any], known: Sequence[str]) -> None:
    _string_keys(key, value)
    for name in value:
        if name not in known:
            raise _Unknown(f"{key}.{name}" if key else str(name), known)


def _text(key: str, value: Any, *, empty: bool = True, what: str = "") -> str:
    if value is None and empty:
        return ""
    if not isinstance(value, str) or (not empty and not value.strip()):
        expected = what or ("a string" if empty else "a non-empty string")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            expected += f' (quote it: "{value}")'
        raise _Bad(key, value, expected)
    return value


def _number(
    key: str, value: Any, unit: str, *, above: float | None = None, least: float = 0
) -> float:
    expected = (
        f"a number of {unit} greater than {above:g}"
        if above is not None
        else f"a number of {unit}, {least:g} or more"
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Bad(key, value, expected)
    try:
        number = float(value)
    except ValueError:
        raise _Bad(key, value, expected) from None
    if not math.isfinite(number) or (
        number <= above if above is not None else number < least
    ):
        raise _Bad(key, value, expected)
    return number


def _seconds(key: str, value: Any) -> float:
    return _number(key, value, "seconds", above=0)


def _window(key: str, value: Any) -> float:
    return _number(key, value, "seconds", least=0)


def _restarts(key: str, value: Any) -> int:
    expected = "a whole number of restarts (0 or more)"
    number = _number(key, value, expected, least=0)
    if number != int(number) or (
        isinstance(value, str) and not value.strip().isdigit()
    ):
        raise _Bad(key, value, expected)
    return int(number)


def _megabytes(key: str, value: Any) -> float:
    return _number(key, value, "MB", above=0)


def _gigabytes(key: str, value: Any) -> float:
    return _number(key, value, "GB", least=0)


def _flag(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(key, value, "true or false (from a variable also 1/0, yes/no, on/off)")


def _words(key: str, value: Any, separators: str, what: str) -> tuple[str, ...]:
    """A list of non-empty strings, or one string split on `separators`."""
    expected = f"a list of {what} (or one string, split on {' or '.join(separators)})"
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(
            part.strip() for part in re.split(f"[{separators}]", value) if part.strip()
        )
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    raise _Bad(key, value, expected)


def _files(root: Path) -> Callable[[str, Any], tuple[Path, ...]]:
    def parse(key: str, value: Any) -> tuple[Path, ...]:
        return tuple(root / name for name in _words(key, value, ",:", "file names"))

    return parse


def _profiles(key: str, value: Any) -> tuple[str, ...]:
    names = _words(key, value, ",", "profile names")
    for name in names:
        if not _PROFILE.match(name):
            raise _Bad(key, value, "profile names ([a-zA-Z0-9][a-zA-Z0-9_.-]*)")
    return names


def _project_name(root: Path) -> Callable[[str, Any], str]:
    def parse(key: str, value: Any) -> str:
        # Compose's rule for names; the directory name is only a fallback.
        name = _text(key, value) or re.sub(r"[^a-z0-9_-]", "", root.name.lower())
        if not _PROJECT_NAME.match(name):
            raise _Bad(key, name, "a Compose project name ([a-z0-9][a-z0-9_-]*)")
        return name

    return parse


def _path(root: Path) -> Callable[[str, Any], Path]:
    def parse(key: str, value: Any) -> Path:
        return root / _text(key, value, empty=False, what="a file name (one string)")

    return parse


def _version(key: str, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise _Bad(
            key, value, 'a quoted version such as "5.6.1" (YAML reads 5.10 as 5.1)'
        )
    text = _text(key, value).strip()
    if text and not _VERSION.match(text):
        raise _Bad(key, value, 'a version like "5.6.1" (quoted)')
    return text


def _argv(key: str, value: Any) -> tuple[str, ...]:
    expected = "a command: a string split like a shell would, or a list of words"
    if isinstance(value, str) and value.strip():
        try:
            return tuple(shlex.split(value))
        except ValueError as exc:  # an unbalanced quote
            raise _Bad(key, value, f"{expected} ({str(exc).lower()})") from None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _Bad(key, value, expected)


_MIGRATION_KEYS = ("service", "run", "status")


def _migrations(key: str, value: Any) -> tuple[Migration, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad(key, value, "a list of {service, run, status} entries")
    result = []
    for index, entry in enumerate(value):
        at = f"{key}[{index}]"
        if not isinstance(entry, Mapping):
            raise _Bad(at, entry, "a mapping with 'service' and 'run'")
        _check_keys(at, entry, _MIGRATION_KEYS)
        status = entry.get("status")
        result.append(
            Migration(
                service=_text(f"{at}.service", entry.get("service"), empty=False),
                run=_argv(f"{at}.run", entry.get("run")),
                status=_argv(f"{at}.status", status) if status is not None else None,
            )
        )
    return tuple(result)


_SERVICE_KEYS = ("shell", "port", "path")


def _port(key: str, value: Any) -> int | None:
    if value is None:
        return None
    expected = "a port number (1-65535)"
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _Bad(key, value, expected)
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise _Bad(key, value, expected) from None
    if not 1 <= port <= 65535:
        raise _Bad(key, value, expected)
    return port


def _services(key: str, value: Any) -> dict[str, ServiceSettings]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Bad(key, value, "a mapping of service name to {shell, port, path}")
    _string_keys(key, value)
    services = {}
    for name, entry in value.items():
        at = f"{key}.{name}"
        entry = {} if entry is None else entry
        if not isinstance(entry, Mapping):
            raise _Bad(at, entry, "a mapping with shell, port and path")
        _check_keys(at, entry, _SERVICE_KEYS)
        path = _text(f"{at}.path", entry.get("path", "/"), empty=False)
        if not path.startswith("/"):
            raise _Bad(f"{at}.path", path, "a URL path starting with /")
        services[str(name)] = ServiceSettings(
            shell=_text(f"{at}.shell", entry.get("shell", "sh"), empty=False),
            port=_port(f"{at}.port", entry.get("port")),
            path=path,
        )
    return services


ROUTINGS = ("auto", "mesh", "host")
_REGISTRY = re.compile(r"^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")


def _routing(key: str, value: Any) -> str:
    text = _text(key, value).strip().lower() or "auto"
    if text not in ROUTINGS:
        raise _Bad(key, value, "auto, mesh or host")
    return text


def _registry(key: str, value: Any) -> str:
    """HOST[:PORT][/PATH] of a registry, no scheme and no trailing slash."""
    text = _text(key, value).strip()
    if text and not _REGISTRY.match(text):
        raise _Bad(
            key, value, "a registry address such as 127.0.0.1:5000 or ghcr.io/team"
        )
    return text


_DATABASE_KEYS = ("service", "user_var", "name_var")


def _database(key: str, value: Any) -> DatabaseSettings | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping):
        raise _Bad(key, value, "a mapping with service, user_var and name_var")
    _check_keys(key, value, _DATABASE_KEYS)
    return DatabaseSettings(
        **{k: _text(f"{key}.{k}", v, empty=False) for k, v in value.items()}
    )


def schema(root: Path) -> dict[str, Callable[[str, Any], Any]]:
    """Every key of the `dockhand` section and its parser; DEFAULTS has the same keys."""
    return {
        "project": _project_name(root),
        "compose_files": _files(root),
        "prod_files": _files(root),
        "prod": _flag,
        "profiles": _profiles,
        "env_file": _path(root),
        "env_example": _path(root),
        "default_service": _text,
        "wait_timeout": _seconds,
        "wait_stable_seconds": _window,
        "wait_max_restarts": _restarts,
        "compose_command": _text,
        "compose_version": _version,
        "services": _services,
        "migrations": _migrations,
        "database": _database,
        "image_size_budget_mb": _megabytes,
        "min_free_disk_gb": _gigabytes,
        "deploy_endpoint": _text,
        "deploy_registry": _registry,
        "deploy_pull_registry": _registry,
        "deploy_routing": _routing,
        "deploy_timeout": _seconds,
    }


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


def _bad_value(bad: _Bad, origins: Mapping[str, str]) -> DockhandError:
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


def _unknown_key(unknown: _Unknown, origins: Mapping[str, str]) -> DockhandError:
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
        _check_keys(
            "", {k: v for k, v in section.items() if k not in INTERNAL}, list(parsers)
        )
        values = {
            key: parse(key, section[key] if key in section else DEFAULTS[key])
            for key, parse in parsers.items()
        }
    except _Bad as bad:
        raise _bad_value(bad, origins) from None
    except _Unknown as unknown:
        raise _unknown_key(unknown, origins) from None
    return Settings(
        root=root,
        **values,
        project_given=bool(section.get("project")),
        files_given="compose_files" in section,
    )
