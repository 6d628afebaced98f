"""Whole-stack snapshots: save, list, restore, rm. Thin wiring: the work is
in dockhand.commands.snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import SNAPSHOT, command, session, writer
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.context import Context

YES = "do not ask first (needed without a terminal)"


@command(
    services="name",
    values={},  # a new name: nothing to complete
    help={"name": "the snapshot's name (default: the UTC time, 20260102T150405Z)"},
)
def save(c: Context, name: list[str] | None = None) -> None:
    """Save every volume of the stack (database by its dump) under one name."""
    from dockhand.commands import snapshot as ops

    if name and len(name) > 1:
        raise DockhandError(
            f"one snapshot name, got {len(name)}: {' '.join(name)}", hint="give one"
        )
    ops.save(writer(c, "snapshot.save"), name[0] if name else None)


@command(name="list", help={"json": "print JSON to stdout instead of a table"})
def list_(c: Context, json: bool = False) -> None:
    """List the project's snapshots: name, time, size, git commit, volumes."""
    from dockhand.commands import snapshot as ops

    ops.list_(session(c), json)


@command(
    values={"name": SNAPSHOT}, help={"name": "the snapshot to restore", "yes": YES}
)
def restore(c: Context, name: str, yes: bool = False) -> None:
    """Put every volume back as the snapshot has it (checked first; asks)."""
    from dockhand.commands import snapshot as ops

    ops.restore(writer(c, "snapshot.restore"), name, yes=yes)


@command(values={"name": SNAPSHOT}, help={"name": "the snapshot to delete", "yes": YES})
def rm(c: Context, name: str, yes: bool = False) -> None:
    """Delete a snapshot (asks first)."""
    from dockhand.commands import snapshot as ops

    ops.rm(session(c), name, yes=yes)
