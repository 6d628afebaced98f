"""`inv watch`: running services kept in step with the working tree. Thin
wiring: the work is in dockhand.commands.watch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, reader

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    services="services",
    help={
        "services": "services to keep in step (default: every one with develop.watch)",
        "copier": "use dockhand's copier even where Compose's own watch works",
    },
)
def watch(c: Context, services: list[str] | None = None, copier: bool = False) -> None:
    """Keep running services in step with the working tree (develop.watch)."""
    from dockhand.commands import watch as ops

    ops.watch(reader(c), services or [], use_copier=copier)
