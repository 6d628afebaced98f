"""Removing things: the project's leftovers, and (only when asked) its data."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dockhand import compose, console, engine, sizes
from dockhand.errors import DockhandError
from dockhand.session import Session


def project_volumes(s: Session) -> list[tuple[str, str]]:
    """(name, size) of each volume Compose created for this project."""
    label = f"{engine.PROJECT}={s.settings.project}"
    usage = {
        v["Name"]: v.get("UsageData", {}).get("Size", -1)
        for v in s.client.df().get("Volumes") or []
    }
    names = sorted(v.name for v in s.client.volumes.list(filters={"label": label}))
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


def clean(s: Session, *, volumes: bool, yes: bool) -> None:
    """Remove containers, networks, images and dangling build cache; volumes
    only when asked and confirmed."""
    s.require_engine()
    if volumes and not confirm_volume_removal(s, yes=yes, action="inv clean --volumes"):
        return
    code = s.runner.stream(compose.down(s.cli, s.project, volumes=volumes, images=True))
    if code != 0:
        raise DockhandError(
            "Compose could not remove the project",
            hint="see its output above",
            code=code,
        )
    # Build cache is not labelled per project; only the dangling part is removed.
    s.runner.stream(["docker", "builder", "prune", "--force"])
    console.ok(
        "removed containers, networks and images"
        + (" and volumes" if volumes else "; data volumes kept")
    )
