"""`inv version`: the versions a bug report needs. Thin wiring: the work is
in dockhand.commands.version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, session

if TYPE_CHECKING:
    from invoke.context import Context


@command(help={"json": "print the versions as JSON to stdout"})
def version(c: Context, json: bool = False) -> None:
    """Show dockhand's version with Python, Invoke, Compose and the engine."""
    from dockhand.commands import version as ops

    ops.version(session(c), as_json=json)
