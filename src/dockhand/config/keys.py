"""Pure: how one setting is declared (Key, made by setting() on a field of
settings.Settings) and what the declarations make besides the schema: the
table of docs/configuration.md."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockhand.config.schema import Parser


@dataclass(frozen=True)
class Key:
    """One key of the `dockhand` section: its default as a user would write
    it, its parser, whether a variable can set it, and its row of the docs."""

    default: object
    parse: Parser[object] | None  # None: at_root makes the parser
    at_root: Callable[[Path], Parser[object]] | None
    kind: str  # the docs' "type and range"
    doc: str  # the docs' "meaning"
    shown: str  # the docs' "default", when not the default itself
    env: bool  # INVOKE_DOCKHAND_<KEY> can set it: its value fits one string

    def parser(self, root: Path) -> Parser[object]:
        if self.parse is not None:
            return self.parse
        assert self.at_root is not None  # setting() takes one of them
        return self.at_root(root)


def setting(
    default: object,
    parse: Parser[object] | None = None,
    *,
    at_root: Callable[[Path], Parser[object]] | None = None,
    kind: str,
    doc: str,
    shown: str = "",
    env: bool = True,
) -> Any:  # a dataclass field, typed by the annotation it is assigned to
    """A field of Settings that is a key of the `dockhand` section."""
    if (parse is None) == (at_root is None):
        raise TypeError("a setting has one parser: parse or at_root")
    key = Key(default, parse, at_root, kind, doc, shown, env)
    return field(metadata={"key": key})


def shown(default: object) -> str:
    """A default as the docs' table shows it."""
    if default in ("", None):
        return "none"
    if isinstance(default, list):
        return f"`[{', '.join(str(item) for item in default)}]`"
    if isinstance(default, str):
        return f"`{default}`"
    return f"`{json.dumps(default)}`"


def markdown_table(keys: Mapping[str, Key]) -> str:
    """The table of every key in docs/configuration.md."""
    rows = [
        "| key | type and range | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name, key in keys.items():
        default = key.shown or shown(key.default)
        rows.append(f"| `{name}` | {key.kind} | {default} | {key.doc} |")
    return "\n".join(rows) + "\n"
