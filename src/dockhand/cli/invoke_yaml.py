"""Why Invoke could not load a config file, as one line.

Invoke reads invoke.yaml itself, after tasks.py has run, so a syntax error or
a top level that is not a mapping escapes from Invoke as a traceback before any
dockhand task runs. dockhand.cli.task's excepthook asks `diagnose` what went wrong;
it is imported only then.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from invoke.util import yaml  # type: ignore[attr-defined]  # the YAML Invoke reads with

from dockhand.config.defaults import INVOKE_FILES
from dockhand.errors import DockhandError


def _name(path: str | Path, folder: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


def yaml_error(exc: Any, folder: Path) -> DockhandError:
    """A YAML syntax error as `file, line L, column C: problem`."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return DockhandError(f"a config file is not valid YAML: {problem}")
    name = _name(mark.name, folder)
    return DockhandError(
        f"{name}, line {mark.line + 1}, column {mark.column + 1}: {problem}",
        hint=f"fix the YAML in {name} (a quote or bracket left open, a tab, a stray colon)",
    )


def _json_error(exc: json.JSONDecodeError, name: str) -> DockhandError:
    return DockhandError(
        f"{name}, line {exc.lineno}, column {exc.colno}: {exc.msg}",
        hint=f"fix the JSON in {name}",
    )


def check_file(path: Path, folder: Path) -> DockhandError | None:
    """What is wrong with one config file, or None. Its `dockhand` section
    goes through the whole schema."""
    name = _name(path, folder)
    try:
        with path.open() as handle:
            data = (
                json.load(handle) if path.suffix == ".json" else yaml.safe_load(handle)  # type: ignore[no-untyped-call]
            )
    except OSError:
        return None  # Invoke says so itself
    except yaml.YAMLError as exc:
        return yaml_error(exc, folder)
    except json.JSONDecodeError as exc:
        return _json_error(exc, name)
    if data is not None and not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"{data!r}"
        return DockhandError(
            f"{name}: the top level is {kind}, expected a mapping "
            "(dockhand: followed by its settings)",
            hint=f"fix {name} (every setting: docs/configuration.md)",
        )
    from dockhand.config import settings

    section = (data or {}).get("dockhand")
    origins = {"": name}
    if isinstance(section, Mapping):
        section = {**section, "root": str(folder)}
        origins.update(dict.fromkeys(section, name))
    try:
        settings.load(section, origins)
    except DockhandError as exc:
        return exc
    return None


def check_project_file(folder: Path) -> DockhandError | None:
    """What is wrong with the project's config file (the first Invoke finds)."""
    for filename in INVOKE_FILES:
        if (folder / filename).is_file():
            return check_file(folder / filename, folder)
    return None


def runtime_file(argv: Sequence[str], environ: Mapping[str, str]) -> Path | None:
    """The runtime config file Invoke reads: -f/--config FILE among the core
    flags (before the first task: `inv logs -f` is --follow), else
    INVOKE_RUNTIME_CONFIG, in Invoke's own order."""
    for index, word in enumerate(argv):
        if word.startswith("--config="):
            return Path(word.split("=", 1)[1])
        if word in ("-f", "--config") and index + 1 < len(argv):
            return Path(argv[index + 1])
        if not word.startswith("-"):
            break  # a task name, or the value of another core flag
    value = environ.get("INVOKE_RUNTIME_CONFIG")
    return Path(value) if value else None


def diagnose(exc: BaseException, folder: Path) -> DockhandError | None:
    """The user error behind an exception Invoke raised, or None (a bug)."""
    if isinstance(exc, yaml.YAMLError):
        return yaml_error(exc, folder)
    problem = check_project_file(folder)
    runtime = runtime_file(sys.argv[1:], os.environ)
    if problem is None and runtime is not None:
        problem = check_file(runtime, folder)
    return problem
