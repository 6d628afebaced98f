"""`inv migrate`: the configured migrations, in order (`--status`: applied
and pending). Thin wiring: the work is in dockhand.commands.migrate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, reader, writer
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    help={
        "status": "show applied and pending migrations instead of applying them",
        "restore_on_failure": "put the snapshot taken first back if a migration fails",
    }
)
def migrate(c: Context, status: bool = False, restore_on_failure: bool = False) -> None:
    """Run the configured migrations in order (--status: applied and pending)."""
    from dockhand.cli.cluster import on_cluster
    from dockhand.commands import migrate as ops

    if on_cluster(c):
        from dockhand.swarm import cluster_migrate

        if restore_on_failure:
            raise DockhandError(
                "--restore-on-failure works on the local stack only",
                hint="inv cluster migrate takes no snapshot first; leave the option out",
            )
        cluster_migrate.migrate(
            reader(c) if status else writer(c, "migrate"), status=status
        )
        return
    ops.migrate(
        reader(c) if status else writer(c, "migrate"),
        status=status,
        restore_on_failure=restore_on_failure,
    )
