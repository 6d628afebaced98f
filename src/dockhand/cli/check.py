"""`inv doctor` (this machine and the env file) and `inv check` (the Docker
configuration), one line per check.
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


@command(name="doctor", help={"json": "print the checks as JSON to stdout"})
def doctor(c: Context, json: bool = False) -> None:
    """Check this machine and the env file; say how to fix what is wrong."""
    from dockhand.commands import check as ops

    ops.doctor(session(c, copied_ok=True), as_json=json)
