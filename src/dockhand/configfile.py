"""Why Invoke could not load a config file, as one line.

Invoke reads invoke.yaml itself, after tasks.py has run, so a syntax error or
a top level that is not a mapping escapes from Invoke as a traceback before any
dockhand task runs. dockhand.cli's excepthook asks `diagnose` what went wrong;
it is imported only then.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from invoke.util import yaml  # type: ignore[attr-defined]  # the YAML Invoke reads with

from dockhand.errors import DockhandError

# The project files Invoke looks for beside tasks.py, in its order.
PROJECT_FILES = ("invoke.yaml", "invoke.yml", "invoke.json")


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


def check_project_file(folder: Path) -> DockhandError | None:
    """What is wrong with the project's config file, or None. Its `dockhand`
    section goes through the whole schema."""
    for filename in PROJECT_FILES:
        path = folder / filename
        if not path.is_file():
            continue
        try:
            with path.open() as handle:
                data = (
                    json.load(handle)
                    if filename.endswith(".json")
                    else yaml.safe_load(handle)  # type: ignore[no-untyped-call]
                )
        except yaml.YAMLError as exc:
            return yaml_error(exc, folder)
        except json.JSONDecodeError as exc:
            return _json_error(exc, filename)
        if data is not None and not isinstance(data, Mapping):
            kind = "a list" if isinstance(data, list) else f"{data!r}"
            return DockhandError(
                f"{filename}: the top level is {kind}, expected a mapping "
                "(dockhand: followed by its settings)",
                hint=f"fix {filename} (every setting: docs/configuration.md)",
            )
        from dockhand import settings

        section = (data or {}).get("dockhand")
        origins = {"": filename}
        if isinstance(section, Mapping):
            section = {**section, "root": str(folder)}
            origins.update(dict.fromkeys(section, filename))
        try:
            settings.load(section, origins)
        except DockhandError as exc:
            return exc
        return None
    return None


def diagnose(exc: BaseException, folder: Path) -> DockhandError | None:
    """The user error behind an exception Invoke raised, or None (a bug)."""
    if isinstance(exc, yaml.YAMLError):
        return yaml_error(exc, folder)
    return check_project_file(folder)
