"""`inv dash`: the stack live in the terminal. Thin wiring: the work is in
dockhand.commands.dash (textual is imported only when it runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, reader

if TYPE_CHECKING:
    from invoke.context import Context


@command()
def dash(c: Context) -> None:
    """Watch the stack live: states, CPU, memory, URLs, logs."""
    from dockhand.commands import dash as ops

    ops.dash(reader(c))
