"""Removing things: the project's leftovers, and (only when asked) its data."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from dockhand import compose, console, containers, engine, sizes
from dockhand.errors import DockhandError
from dockhand.session import Session


def project_volumes(s: Session) -> list[tuple[str, str]]:
    """(name, size) of each volume Compose created for this project."""
    label = f"{engine.PROJECT}={s.settings.project}"
    usage = {
        v["Name"]: v.get("UsageData", {}).get("Size", -1)
        for v in s.connect().df().get("Volumes") or []
    }
    names = sorted(v.name for v in s.connect().volumes.list(filters={"label": label}))
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
    """Remove containers, networks and the images this project built;
    volumes only when asked and confirmed. Never an image it only pulled
    (another project may use it), never the engine's whole build cache."""
    s.require_engine()
    if volumes and not confirm_volume_removal(s, yes=yes, action="inv clean --volumes"):
        return
    model = s.ask_model()  # None under Compose v1: it removes the images it named
    s.runner.stream(
        compose.down(
            s.find_compose(), s.project, volumes=volumes, images=model is None
        ),
        failure="Compose could not remove the project",
    )
    removed = "" if model is None else remove_built_images(s, model)
    console.ok(
        f"removed containers{', volumes' if volumes else ''} and networks{removed}"
        + ("" if volumes else "; data volumes kept")
    )


def remove_built_images(s: Session, model: dict[str, Any]) -> str:
    """Remove the images the project built; what was removed, for the summary."""
    found: dict[str, int] = {}
    for image in containers.built_images(model, s.settings.project):
        size = s.runner.capture(containers.image_size_argv(image), timeout=30)
        if size.ok and size.stdout.strip().isdigit():
            found[image] = int(size.stdout.strip())
    if not found:
        return f"; no image built by {s.settings.project} was left to remove"
    s.runner.stream(
        containers.image_rm_argv(found),
        failure=f"the images built by {s.settings.project} could not all be removed",
        hint="see docker's output above; a container of another project may use one",
    )
    count = len(found)
    return (
        f", and {count} image{'s' if count != 1 else ''} built by "
        f"{s.settings.project} ({sizes.size(sum(found.values()))})"
    )
