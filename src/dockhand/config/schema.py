"""Pure: the schema of the `dockhand` section, one parser per key.

Each parser returns the value as Settings holds it, or raises Bad saying
what was expected (settings.load turns that into one line naming the file
or variable). The values come from YAML (typed) or from INVOKE_DOCKHAND_*
(always strings), so every parser takes both: "180" is a number, "no" is
false, "a.yml,b.yml" is a list. A parser that reads paths is made for the
project's folder (files(root), ...). Which key uses which parser, with its
default and its documentation, is declared in settings.Settings.

Longer than 350 lines: one parser per key of the section, all in one file, so
that a reader (and a new key) finds every rule of invoke.yaml in one place.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
# A key's parser: (the key's path, for the message; the value as given) -> the
# value as Settings holds it, or Bad.
Parser = Callable[[str, object], T]

_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class ServiceSettings:
    shell: str = "sh"
    port: int | None = None  # the container port a browser would open
    path: str = "/"
    test: tuple[str, ...] | None = None  # `inv test`'s command, run in the container
    # Files the image leaves out that the tests need: (host folder, container folder).
    test_files: tuple[Path, str] | None = None
    debug: tuple[str, ...] | None = None  # `inv debug`'s command to wrap


@dataclass(frozen=True)
class Migration:
    service: str
    run: tuple[str, ...]
    status: tuple[str, ...] | None = None
    # Prints what `run` would apply, one per line (nothing: up to date).
    pending: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        return f"{self.service}: {shlex.join(self.run)}"


@dataclass(frozen=True)
class DatabaseSettings:
    service: str = "db"
    user_var: str = "POSTGRES_USER"
    name_var: str = "POSTGRES_DB"
    password_var: str = "POSTGRES_PASSWORD"  # noqa: S105 - a variable name


class Bad(Exception):
    """`value` at `key` (a path such as services.web.port) is not `expected`."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        super().__init__(key)
        self.key, self.value, self.expected = key, value, expected


class Unknown(Exception):
    def __init__(self, key: str, known: Sequence[str]) -> None:
        super().__init__(key)
        self.key, self.known = key, known


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0", ""})
_PROFILE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")


def _string_keys(key: str, names: Collection[object]) -> None:
    for name in names:
        if not isinstance(name, str):
            at = f"{key}.{name}" if key else str(name)
            raise Bad(at, name, f'a name, as a string (quote it: "{name}")')


def check_keys(key: str, names: Collection[object], known: Sequence[str]) -> None:
    _string_keys(key, names)
    for name in names:
        if name not in known:
            raise Unknown(f"{key}.{name}" if key else str(name), known)


def string(key: str, value: object, *, empty: bool = True, what: str = "") -> str:
    if value is None and empty:
        return ""
    if not isinstance(value, str) or (not empty and not value.strip()):
        expected = what or ("a string" if empty else "a non-empty string")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            expected += f' (quote it: "{value}")'
        raise Bad(key, value, expected)
    return value


def number(
    key: str, value: object, unit: str, *, above: float | None = None, least: float = 0
) -> float:
    expected = (
        f"a number of {unit} greater than {above:g}"
        if above is not None
        else f"a number of {unit}, {least:g} or more"
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Bad(key, value, expected)
    try:
        number = float(value)
    except ValueError:
        raise Bad(key, value, expected) from None
    if not math.isfinite(number) or (
        number <= above if above is not None else number < least
    ):
        raise Bad(key, value, expected)
    return number


def seconds(key: str, value: object) -> float:
    return number(key, value, "seconds", above=0)


def window(key: str, value: object) -> float:
    return number(key, value, "seconds", least=0)


def whole(key: str, value: object, what: str) -> int:
    """A whole number of `what`, 0 or more: 3 or "3", never 1.5, -1 or "3.0"."""
    expected = f"a whole number of {what} (0 or more)"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Bad(key, value, expected)
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit():
        raise Bad(key, value, expected)
    return int(text)


def restarts(key: str, value: object) -> int:
    return whole(key, value, "restarts")


def megabytes(key: str, value: object) -> float:
    return number(key, value, "MB", above=0)


def gigabytes(key: str, value: object) -> float:
    return number(key, value, "GB", least=0)


def flag(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Bad(key, value, "true or false (from a variable also 1/0, yes/no, on/off)")


def _words(key: str, value: object, separators: str, what: str) -> tuple[str, ...]:
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
    raise Bad(key, value, expected)


def files(root: Path) -> Parser[tuple[Path, ...]]:
    def parse(key: str, value: object) -> tuple[Path, ...]:
        return tuple(root / name for name in _words(key, value, ",:", "file names"))

    return parse


def profiles(key: str, value: object) -> tuple[str, ...]:
    names = _words(key, value, ",", "profile names")
    for name in names:
        if not _PROFILE.match(name):
            raise Bad(key, value, "profile names ([a-zA-Z0-9][a-zA-Z0-9_.-]*)")
    return names


def project_name(root: Path) -> Parser[str]:
    def parse(key: str, value: object) -> str:
        # Compose's rule for names; the directory name is only a fallback.
        name = string(key, value) or re.sub(r"[^a-z0-9_-]", "", root.name.lower())
        if not _PROJECT_NAME.match(name):
            raise Bad(key, name, "a Compose project name ([a-z0-9][a-z0-9_-]*)")
        return name

    return parse


def file_path(root: Path) -> Parser[Path]:
    def parse(key: str, value: object) -> Path:
        path = root / string(key, value, empty=False, what="a file name (one string)")
        if path.is_dir():
            raise Bad(key, value, "a file name, and this is a folder")
        return path

    return parse


def optional_path(root: Path) -> Parser[Path | None]:
    """A file or folder, relative to `root` unless absolute; "" for none."""

    def parse(key: str, value: object) -> Path | None:
        text = string(key, value, what="a path (one string)")
        return (root / Path(text).expanduser()) if text.strip() else None

    return parse


def version(key: str, value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise Bad(
            key, value, 'a quoted version such as "5.6.1" (YAML reads 5.10 as 5.1)'
        )
    text = string(key, value).strip()
    if text and not _VERSION.match(text):
        raise Bad(key, value, 'a version like "5.6.1" (quoted)')
    return text


def argv(key: str, value: object) -> tuple[str, ...]:
    expected = "a command: a string split like a shell would, or a list of words"
    if isinstance(value, str) and value.strip():
        try:
            return tuple(shlex.split(value))
        except ValueError as exc:  # an unbalanced quote
            raise Bad(key, value, f"{expected} ({str(exc).lower()})") from None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise Bad(key, value, expected)


_MIGRATION_KEYS = ("service", "run", "status", "pending")


def migrations(key: str, value: object) -> tuple[Migration, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Bad(key, value, "a list of {service, run, status, pending} entries")
    result = []
    for index, entry in enumerate(value):
        at = f"{key}[{index}]"
        if not isinstance(entry, Mapping):
            raise Bad(at, entry, "a mapping with 'service' and 'run'")
        check_keys(at, entry, _MIGRATION_KEYS)
        status, pending = entry.get("status"), entry.get("pending")
        result.append(
            Migration(
                service=string(f"{at}.service", entry.get("service"), empty=False),
                run=argv(f"{at}.run", entry.get("run")),
                status=argv(f"{at}.status", status) if status is not None else None,
                pending=None if pending is None else argv(f"{at}.pending", pending),
            )
        )
    return tuple(result)


_SERVICE_KEYS = ("shell", "port", "path", "test", "test_files", "debug")


def test_files(root: Path, key: str, value: object) -> tuple[Path, str] | None:
    if value is None:
        return None
    expected = "HOST_FOLDER:CONTAINER_FOLDER, the container folder absolute"
    host, sep, inside = string(key, value, empty=False, what=expected).rpartition(":")
    if not sep or not host or not inside.startswith("/"):
        raise Bad(key, value, expected)
    return (root / host, inside.rstrip("/") or "/")


def stale_mode(key: str, value: object) -> str:
    expected = "one of rebuild, warn, off"
    text = string(key, value, empty=False, what=expected).strip().lower()
    if text not in ("rebuild", "warn", "off"):
        raise Bad(key, value, expected)
    return text


def kept(key: str, value: object) -> int:
    return whole(key, value, "snapshots")


def port(key: str, value: object) -> int | None:
    if value is None:
        return None
    expected = "a port number (1-65535)"
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Bad(key, value, expected)
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise Bad(key, value, expected) from None
    if not 1 <= port <= 65535:
        raise Bad(key, value, expected)
    return port


def services(root: Path) -> Parser[dict[str, ServiceSettings]]:
    def parse(key: str, value: object) -> dict[str, ServiceSettings]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise Bad(
                key, value, "a mapping of service name to {shell, port, path, test}"
            )
        _string_keys(key, value)
        services = {}
        for name, entry in value.items():
            at = f"{key}.{name}"
            entry = {} if entry is None else entry
            if not isinstance(entry, Mapping):
                raise Bad(at, entry, "a mapping with shell, port, path and test")
            check_keys(at, entry, _SERVICE_KEYS)
            path = string(f"{at}.path", entry.get("path", "/"), empty=False)
            if not path.startswith("/"):
                raise Bad(f"{at}.path", path, "a URL path starting with /")
            services[str(name)] = ServiceSettings(
                shell=string(f"{at}.shell", entry.get("shell", "sh"), empty=False),
                port=port(f"{at}.port", entry.get("port")),
                path=path,
                test=None
                if entry.get("test") is None
                else argv(f"{at}.test", entry["test"]),
                test_files=test_files(
                    root, f"{at}.test_files", entry.get("test_files")
                ),
                debug=None
                if entry.get("debug") is None
                else argv(f"{at}.debug", entry["debug"]),
            )
        return services

    return parse


def database(key: str, value: object) -> DatabaseSettings | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping):
        raise Bad(key, value, "a mapping with service, user_var and name_var")
    check_keys(key, value, tuple(DatabaseSettings.__dataclass_fields__))
    return DatabaseSettings(
        **{k: string(f"{key}.{k}", v, empty=False) for k, v in value.items()}
    )


ROUTINGS = ("auto", "mesh", "host")
_REGISTRY = re.compile(r"^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")


def routing(key: str, value: object) -> str:
    if (text := string(key, value).strip().lower() or "auto") not in ROUTINGS:
        raise Bad(key, value, "auto, mesh or host")
    return text


def registry(key: str, value: object) -> str:  # HOST[:PORT][/PATH], no scheme
    text = string(key, value).strip()
    if text and not _REGISTRY.match(text):
        raise Bad(
            key, value, "a registry address such as 127.0.0.1:5000 or ghcr.io/team"
        )
    return text
