"""`inv check`: the Docker configuration checked, one line per check.
Thin wiring: the work is in dockhand.commands.check, imported when the task runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, session

if TYPE_CHECKING:
    from invoke.context import Context


@command(help={"json": "print the results as JSON to stdout instead of a report"})
def check(c: Context, json: bool = False) -> None:
    """Check the Dockerfiles, compose files (dev and prod), images and containers."""
    from dockhand.commands import check as ops

    ops.check(session(c), as_json=json)
