"""Removing what the project left behind; its data only when asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli import command, project_name, session, writer

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
    from dockhand.ops import cleanup

    cleanup.clean(writer(c, "clean"), volumes=volumes, yes=yes)


@command(name="ls", help={"json": "print the projects as JSON to stdout"})
def ls_(c: Context, json: bool = False) -> None:
    """List every Compose project on this engine: checkout, state, ports, volumes."""
    from dockhand.ops import projects

    projects.show(session(c, copied_ok=True), as_json=json)


@command(
    help={
        "volumes": "also delete their data volumes (lists them and asks)",
        "yes": "do not ask before removing",
        "project": "only the leftovers of this project",
    }
)
def gc(
    c: Context, volumes: bool = False, yes: bool = False, project: str | None = None
) -> None:
    """Remove what is left of checkouts whose folder is gone (volumes only with --volumes)."""
    from dockhand.ops import projects

    projects.gc(
        session(c, copied_ok=True),
        volumes=volumes,
        yes=yes,
        only=project_name("project", project),
    )
