"""Across checkouts: every project on the engine, and what deleted checkouts left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, project_name, session

if TYPE_CHECKING:
    from invoke.context import Context


@command(name="ls", help={"json": "print the projects as JSON to stdout"})
def ls_(c: Context, json: bool = False) -> None:
    """List every Compose project on this engine: checkout, state, ports, volumes."""
    from dockhand.commands import projects

    projects.ls(session(c, copied_ok=True), as_json=json)


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
    from dockhand.commands import projects

    only = project_name("project", project)  # checked before anything runs
    projects.gc(session(c, copied_ok=True), volumes=volumes, yes=yes, only=only)
