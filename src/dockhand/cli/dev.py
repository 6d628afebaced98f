"""Working inside the stack: migrations and shells."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, passed_on, session, writer
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
    from dockhand.commands import dev

    if on_cluster(c):
        from dockhand.swarm import cluster_migrate

        if restore_on_failure:
            raise DockhandError(
                "--restore-on-failure works on the local stack only",
                hint="inv cluster migrate takes no snapshot first; leave the option out",
            )
        cluster_migrate.migrate(
            session(c) if status else writer(c, "migrate"), status=status
        )
        return
    dev.migrate(
        session(c) if status else writer(c, "migrate"),
        status=status,
        restore_on_failure=restore_on_failure,
    )


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
    from dockhand.commands import dev

    if command is not None and not command.strip():
        raise DockhandError(
            "-c takes a command to run, not an empty string",
            hint="e.g. inv shell -c 'ls -la', or leave -c out for a shell",
        )
    if on_cluster(c):
        from dockhand.swarm import cluster_shell

        cluster_shell.shell(session(c), service or [], command, user)
        return
    dev.shell(session(c), service or [], command, user)


@command(
    name="test",
    services="service",
    help={
        "service": "the service whose tests run (default: every one with a test command)"
    },
)
def run_tests(c: Context, service: list[str] | None = None) -> None:
    """Run a service's tests in its container; words after -- go to them."""
    from dockhand.commands import test as testing

    testing.run_tests(session(c), service or [], passed_on(c))


@command(
    services="services",
    help={
        "services": "services to keep in step (default: every one with develop.watch)"
    },
)
def watch(c: Context, services: list[str] | None = None) -> None:
    """Keep running services in step with the working tree (develop.watch)."""
    from dockhand.commands import watch as live

    live.watch(session(c), services or [])
