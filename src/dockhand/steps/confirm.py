"""Asking before data is destroyed, for every command that destroys it
(`inv down --volumes`, `inv clean --volumes`, `db.restore`, `db.reset`):
what goes is listed, then the project name must be typed."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dockhand.docker import states
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console, sizes


def volume_names(s: Session) -> list[str]:
    """The volumes Compose created for this project, asked of the engine."""
    label = f"{states.PROJECT}={s.settings.project}"
    return sorted(v.name for v in s.connect().volumes.list(filters={"label": label}))


def project_volumes(s: Session) -> list[tuple[str, str]]:
    """(name, size) of each volume Compose created for this project."""
    names = volume_names(s)
    usage = {
        v["Name"]: v.get("UsageData", {}).get("Size", -1)
        for v in s.connect().df().get("Volumes") or []
    }
    return [
        (name, sizes.size(usage[name]) if usage.get(name, -1) >= 0 else "size unknown")
        for name in names
    ]


def confirm(
    s: Session,
    *,
    yes: bool,
    action: str,
    warning: str,
    items: Sequence[str],
    what: str,
) -> bool:
    """The one place dockhand asks before it destroys data: say what goes,
    then ask for the project name to be typed. Without a terminal to ask on,
    refuse unless --yes. Returns whether to go ahead."""
    from rich.markup import escape

    console.warn(escape(warning))
    for item in items:
        console.status(f"  {escape(item)}")
    if yes or s.runner.dry:
        return True
    if not sys.stdin.isatty():
        raise DockhandError(
            f"refusing to {what} without a terminal to ask on",
            hint=f"run `{action} --yes` to confirm",
        )
    project = s.settings.project
    try:
        answer = console.err().input(
            f"Type the project name ({project}) to {what}: ", markup=False
        )
    except EOFError:
        answer = ""
    if answer.strip() != project:
        console.status(f"not confirmed ({project!r} was not typed): nothing changed")
        return False
    return True


def confirm_volume_removal(s: Session, *, yes: bool, action: str) -> bool:
    """Show the volumes that would be deleted and ask. Without a terminal,
    refuse unless --yes. Returns whether to go ahead."""
    volumes = project_volumes(s)
    if not volumes:
        console.status("no data volumes to delete")
        return True
    return confirm(
        s,
        yes=yes,
        action=action,
        warning=f"{action} deletes these volumes and every byte in them:",
        items=[f"{name}  ({size})" for name, size in volumes],
        what="delete volumes",
    )
