"""Pure: JSON as dockhand reads it (Compose's model, the engine's inspect
output: `mapping`, `items`, `text`, `strings` tolerate null and absent
keys, so the parsers at the edge stay short) and as it writes it (the stack
file: `JSON`, typed all the way down, and `as_json`, the copy of a value
read from JSON into one)."""

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


Raw = Mapping[str, object]  # one JSON object, as Compose printed it
EMPTY: Raw = {}  # read only, never written to


def mapping(value: object) -> Raw:
    """`value` when it is a JSON object, else an empty one (null, absent)."""
    return value if isinstance(value, Mapping) else EMPTY


def items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def text(value: object) -> str:
    """A scalar as text; "" for null or absent."""
    return "" if value is None else str(value)


def strings(value: object) -> dict[str, str]:
    """A JSON object of scalars (labels, build args) as text; null is ""."""
    return {str(k): text(v) for k, v in mapping(value).items()}
