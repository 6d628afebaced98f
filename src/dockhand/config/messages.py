"""What a wrong setting says: one line naming the file or variable it came
from, and the nearest known key (settings.load and environment_settings)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence

from dockhand.config.defaults import ENV_PREFIX
from dockhand.config.schema import Bad, Unknown
from dockhand.errors import DockhandError


def nearest(word: str, known: Sequence[str]) -> str:
    found = difflib.get_close_matches(word, known, n=1)
    return f"; did you mean {found[0]}?" if found else ""


def show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _origin(key: str, origins: Mapping[str, str]) -> str:
    return origins.get(key.split(".")[0].split("[")[0], "invoke.yaml")


def bad_value(bad: Bad, origins: Mapping[str, str]) -> DockhandError:
    origin = _origin(bad.key, origins)
    if origin.startswith(ENV_PREFIX):
        return DockhandError(
            f"{origin}={bad.value!s:.60} is not valid: expected {bad.expected}",
            hint=f"fix or unset {origin} (every setting: docs/configuration.md)",
        )
    return DockhandError(
        f"{origin}: dockhand.{bad.key} is {show(bad.value)}, expected {bad.expected}",
        hint=f"fix it in {origin} (every setting: docs/configuration.md)",
    )


def unknown_key(unknown: Unknown, origins: Mapping[str, str]) -> DockhandError:
    origin = _origin(unknown.key, origins)
    last = re.split(r"[.\]]", unknown.key)[-1]
    return DockhandError(
        f"{origin}: dockhand.{unknown.key} is not a setting{nearest(last, unknown.known)}",
        hint=f"fix it in {origin}; known here: {', '.join(unknown.known)}",
    )
