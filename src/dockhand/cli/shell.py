"""`inv shell`: a shell in a service, or one command run there. Thin wiring:
the work is in dockhand.commands.shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, reader, session
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    services="service",
    help={
        "service": "the service to open (default: dockhand.default_service)",
        "command": "run this one command in the service's shell and return its exit code",
        "user": "run as this user (e.g. root)",
    },
)
def shell(
    c: Context,
    service: list[str] | None = None,
    command: str | None = None,
    user: str | None = None,
) -> None:
    """Open a shell in a service (exec if running, else a one-off container)."""
    from dockhand.cli.cluster import on_cluster
    from dockhand.commands import shell as ops

    if command is not None and not command.strip():
        raise DockhandError(
            "-c takes a command to run, not an empty string",
            hint="e.g. inv shell -c 'ls -la', or leave -c out for a shell",
        )
    if on_cluster(c):
        from dockhand.swarm import cluster_shell

        cluster_shell.shell(session(c), service or [], command, user)
        return
    ops.shell(reader(c), service or [], command, user)
