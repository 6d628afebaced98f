"""Pure: a checkout's own identity, its project name and host ports.

A checkout (a clone or a worktree) that does not name its Compose project
gets a name of its own from `inv setup`: the folder's name and a short hash
of its path (`neuroagent-3f9c2a`), written into its env file as
COMPOSE_PROJECT_NAME, so plain `docker compose` sees the same name. Beside
it, DOCKHAND_CHECKOUT records the folder the name belongs to: an env file
copied into another checkout is recognised by it and given a name of its
own. A name set by hand (COMPOSE_PROJECT_NAME without the marker, `name:` in
the compose file, invoke.yaml's `project`, the shell's variable) is an
explicit choice and is what makes checkouts share a stack.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

NAME_VAR = "COMPOSE_PROJECT_NAME"
MARKER_VAR = "DOCKHAND_CHECKOUT"
# The keys setup writes itself; the example need not list them.
OWN_KEYS = (NAME_VAR, MARKER_VAR)

# How far a later checkout's ports move from the defaults, per step.
PORT_STEP = 100


def folder_name(folder: Path) -> str:
    """Compose's name for a project named after its folder."""
    return re.sub(r"[^a-z0-9_-]", "", folder.name.lower()).lstrip("_-")


def own_name(root: Path) -> str:
    """The name a checkout at `root` gets: stable for the path, readable."""
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:6]
    base = folder_name(root)[:40].rstrip("_-") or "project"
    return f"{base}-{digest}"


@dataclass(frozen=True)
class Identity:
    """What a checkout's env file says about its name."""

    kind: str  # "own", "copied", "moved", "explicit", "none"
    name: str = ""
    marker: str = ""  # the folder DOCKHAND_CHECKOUT names

    @property
    def needs_name(self) -> bool:
        return self.kind in ("copied", "none")


def identity(
    values: Mapping[str, str | None],
    root: Path,
    exists: Callable[[Path], bool] = Path.exists,
) -> Identity:
    """Read the env file's COMPOSE_PROJECT_NAME and DOCKHAND_CHECKOUT."""
    name = values.get(NAME_VAR) or ""
    marker = values.get(MARKER_VAR) or ""
    if not name:
        return Identity("none", marker=marker)
    if not marker:
        return Identity("explicit", name)
    if Path(marker) == root:
        return Identity("own", name, marker)
    if exists(Path(marker)):
        return Identity("copied", name, marker)
    return Identity("moved", name, marker)  # the folder was renamed or moved


def copied_message(found: Identity, env_name: str) -> str:
    return (
        f"{env_name} was copied from the checkout {found.marker}: it names that "
        f"checkout's project {found.name!r}, so this checkout would drive its "
        "containers and data"
    )


def set_keys(text: str, values: Mapping[str, str], note: str) -> str:
    """`text` (an env file) with each key's line replaced, or the missing
    ones appended under a comment; every other line kept as it is."""
    lines = text.splitlines(keepends=True)
    done = set()
    for number, line in enumerate(lines):
        match = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if match and match.group(1) in values:
            key = match.group(1)
            ending = "\n" if line.endswith("\n") else ""
            lines[number] = f"{key}={values[key]}{ending}"
            done.add(key)
    rest = [key for key in values if key not in done]
    out = "".join(lines)
    if rest:
        if out and not out.endswith("\n"):
            out += "\n"
        out += f"\n# {note}\n" + "".join(f"{key}={values[key]}\n" for key in rest)
    return out


def port_keys(values: Mapping[str, str | None]) -> dict[str, int]:
    """The host ports an env file sets: every *_PORT key with a number."""
    found = {}
    for key, value in values.items():
        if key.endswith("_PORT") and value and value.strip().isdigit():
            found[key] = int(value)
    return found


def choose_ports(
    wanted: Mapping[str, int],
    taken: Iterable[int],
    free: Callable[[int], bool],
) -> dict[str, int]:
    """For each key, its port when nobody has it (no container publishes it,
    no other checkout's env file claims it, and it can be bound), else the
    first such port PORT_STEP, 2 * PORT_STEP, ... above it."""
    used = set(taken)
    chosen = {}
    for key, default in wanted.items():
        port = default
        for step in range(1, 400):
            if port not in used and free(port):
                break
            port = default + step * PORT_STEP
            if port > 65535:
                port = 20000 + (port * 7) % 12000
        chosen[key] = port
        used.add(port)
    return chosen


def host_name(project: str) -> str:
    """PROJECT.localhost, a host of the checkout's own that needs no set-up
    (browsers, and curl, resolve every *.localhost to the loopback address);
    plain localhost when the name cannot be a host name."""
    label = project.replace("_", "-").strip("-")
    if re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", label):
        return f"{label}.localhost"
    return "localhost"
