"""Pure: a JSON document dockhand writes (the stack file), typed all the
way down, and the copy of a value read from JSON into one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

JSONValue: TypeAlias = (
    str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None
)
JSON: TypeAlias = dict[str, JSONValue]


def as_json(value: object) -> JSONValue:
    """A value read from JSON (a model's `raw`), copied as it is."""
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
