"""Removing what the project left behind; its data only when asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, writer

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    help={
        "volumes": "also delete the data volumes (lists them and asks)",
        "yes": "do not ask before deleting volumes",
    }
)
def clean(c: Context, volumes: bool = False, yes: bool = False) -> None:
    """Remove the project's containers, networks and the images it built (keeps data)."""
    from dockhand.commands import clean as cleanup

    cleanup.clean(writer(c, "clean"), volumes=volumes, yes=yes)
