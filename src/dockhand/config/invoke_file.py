"""Pure: one key added to the `dockhand` section of a project's invoke.yaml
as text, so its comments and order stay (`inv setup` turning
`dockhand.trust` on). The result is read back with the YAML Invoke reads
with and must say what the file said plus that key; when it cannot be
done so (a JSON file, a flow-style section, the key already there), None:
the person adds the line by hand."""

from __future__ import annotations

import re

from invoke.util import yaml  # type: ignore[attr-defined]  # the YAML Invoke reads with

_SECTION = re.compile(r"dockhand:\s*(#.*)?")


def _load(text: str) -> object:
    try:
        return yaml.safe_load(text) if text.strip() else {}  # type: ignore[no-untyped-call]
    except yaml.YAMLError:
        return None


def with_key(text: str, key: str, value: str) -> str | None:
    """`text` with `key: value` first in its `dockhand` section (made when
    there is none), or None."""
    before = _load(text)
    if not isinstance(before, dict):
        return None
    section = before.get("dockhand") or {}
    if not isinstance(section, dict) or key in section:
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if "dockhand" not in before:
        lines += ["dockhand:\n", f"  {key}: {value}\n"]
    else:
        at = next(
            (i for i, line in enumerate(lines) if _SECTION.fullmatch(line.rstrip())),
            None,
        )
        if at is None:
            return None
        inner = [
            line
            for line in lines[at + 1 :]
            if line.strip() and not line.lstrip().startswith("#")
        ]
        indent = inner[0][: len(inner[0]) - len(inner[0].lstrip())] if inner else ""
        lines.insert(at + 1, f"{indent or '  '}{key}: {value}\n")
    new = "".join(lines)
    expected = {**before, "dockhand": {**section, key: _load(value)}}
    return new if _load(new) == expected else None
