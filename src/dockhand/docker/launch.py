"""Pure: VS Code's `.vscode/launch.json` as `inv debug` writes it: one
attach configuration per debugged service, named `dockhand: SERVICE`
(the prefix marks dockhand's own; every other entry is kept as it was),
with the path mappings between the host tree and the container.

VS Code writes the file as JSONC (comments, trailing commas): `read`
takes those out before parsing. The merged file is written as plain JSON,
so a file that had comments loses them: the caller keeps the old text
beside it (launch.json.bak) and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from dockhand.docker.debug import NODE, PathMap, Plan, host_path
from dockhand.docker.jsondoc import JSON, JSONValue, as_json, items, mapping
from dockhand.errors import DockhandError

PREFIX = "dockhand: "
# A string, a comment, or a comma before a closing bracket.
_JSONC = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[\]}])', re.DOTALL)


def strip_jsonc(text: str) -> str:
    """JSONC's comments and trailing commas removed; strings left whole."""
    return _JSONC.sub(lambda m: m.group(0) if m.group(0)[0] == '"' else "", text)


def read(text: str, where: str) -> JSON:
    """A launch.json's content (empty: a new one)."""
    if not text.strip():
        return {"version": "0.2.0", "configurations": []}
    try:
        found = json.loads(strip_jsonc(text))
    except ValueError as exc:
        raise DockhandError(
            f"{where} is not JSON dockhand can read ({exc})",
            hint="fix it, or move it aside and run `inv debug` again",
        ) from None
    if not isinstance(found, dict):
        raise DockhandError(f"{where} holds no JSON object", hint="fix it")
    return {str(k): as_json(v) for k, v in found.items()}


def configuration(p: Plan, maps: Sequence[PathMap], root: Path) -> JSON:
    """The attach configuration for the service `p` debugs."""
    name = PREFIX + p.service
    if p.kind == NODE:
        node: JSON = {
            "name": name,
            "type": "node",
            "request": "attach",
            "address": "127.0.0.1",
            "port": p.port,
            "restart": True,
        }
        if maps:  # one pair only: the most specific
            node["localRoot"] = host_path(maps[0].local, root)
            node["remoteRoot"] = maps[0].remote
        return node
    pairs: list[JSONValue] = [
        {"localRoot": host_path(m.local, root), "remoteRoot": m.remote} for m in maps
    ]
    return {
        "name": name,
        "type": "debugpy",
        "request": "attach",
        "connect": {"host": "127.0.0.1", "port": p.port},
        "pathMappings": pairs,
        "justMyCode": True,
    }


def merged(current: JSON, entry: JSON) -> JSON:
    """`current` with `entry` in place of dockhand's entry of the same name
    (added at the end when there is none); every other entry kept."""
    name = entry.get("name")
    out: list[JSONValue] = []
    placed = False
    for found in items(current.get("configurations")):
        if mapping(found).get("name") == name:
            if not placed:
                out.append(entry)
                placed = True
            continue
        out.append(as_json(found))
    if not placed:
        out.append(entry)
    return {
        **current,
        "version": current.get("version", "0.2.0"),
        "configurations": out,
    }


def render(content: JSON) -> str:
    return json.dumps(content, indent=2) + "\n"


def has_comments(text: str) -> bool:
    """Whether writing the file as JSON would lose what its author wrote."""
    return strip_jsonc(text) != text
