"""Pure: the env files Compose reads for a project, by its own rules.

docker/compose's `toProjectOptions` (cmd/compose/compose.go) applies
compose-go's `WithEnvFiles` and `WithDotEnv` (cli/options.go) twice:

1. `--env-file`, else COMPOSE_ENV_FILES (the shell's, split on `,`, each
   relative to the working folder), else, unless COMPOSE_DISABLE_ENV_FILE is
   true, the working folder's `.env`. Its values may set COMPOSE_FILE.
2. Once the compose files are known, the same list, except that the `.env`
   in the first compose file's folder takes the place of the first when one
   is there (a compose file found in a parent, or named by COMPOSE_FILE).

Each pass merges without overriding, so the shell wins over both files and
the working folder's wins over the compose file's. Inside a file `${VAR}`
takes the shell's value first, then the file's own earlier lines.

dockhand passes every `-f`, which would make Compose start at the compose
file's folder and skip the working folder's `.env`; so it passes the files
Compose would read as `--env-file`, in reverse (with several `--env-file`,
the last wins).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dockhand.errors import DockhandError

LISTED = "COMPOSE_ENV_FILES"
DISABLED = "COMPOSE_DISABLE_ENV_FILE"
# Go's strconv.ParseBool, which Compose reads COMPOSE_DISABLE_ENV_FILE with.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def listed(environ: Mapping[str, str], cwd: Path) -> tuple[Path, ...] | None:
    """COMPOSE_ENV_FILES as paths, or None when it is unset or empty."""
    parts = [p for p in environ.get(LISTED, "").split(",") if p]
    return tuple(cwd / Path(p).expanduser() for p in parts) or None


def disabled(environ: Mapping[str, str]) -> bool:
    value = environ.get(DISABLED)
    if value is None:
        return False
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise DockhandError(
        f"{DISABLED}={value!r} is not a boolean, so Compose refuses to start",
        hint=f"set it to true or false, or unset {DISABLED}",
    )


def _dot_env(folder: Path) -> tuple[Path, ...]:
    found = folder / ".env"
    return (found,) if found.is_file() else ()


def first_pass(folder: Path, environ: Mapping[str, str], cwd: Path) -> tuple[Path, ...]:
    """The files Compose reads before it knows the compose files (these may
    set COMPOSE_FILE), the first winning."""
    explicit = listed(environ, cwd)
    if explicit is not None:
        return tuple(reversed(explicit))  # of those listed, the last wins
    return () if disabled(environ) else _dot_env(folder)


def read_by_compose(
    folder: Path,
    compose_files: tuple[Path, ...],
    environ: Mapping[str, str],
    cwd: Path,
) -> tuple[Path, ...]:
    """Every env file Compose reads for `compose_files` run from `folder`,
    the first winning where two set the same variable."""
    first = first_pass(folder, environ, cwd)
    if listed(environ, cwd) is not None or disabled(environ) or not compose_files:
        return first
    second = _dot_env(compose_files[0].parent) or first
    return tuple(dict.fromkeys((*first, *second)))


def as_argv_order(read: tuple[Path, ...]) -> tuple[Path, ...]:
    """`read` in the order to pass them as `--env-file` (the last one wins)."""
    return tuple(reversed(read))


def for_project(
    root: Path,
    compose_files: tuple[Path, ...],
    configured: Path | None,
    environ: Mapping[str, str],
    cwd: Path,
) -> tuple[Path, ...]:
    """The `--env-file`s of a project in `root`: the one it configures
    (dockhand.env_file) when it exists, else those Compose itself reads."""
    if configured is not None:
        return (configured,) if configured.is_file() else ()
    return as_argv_order(read_by_compose(root, compose_files, environ, cwd))
