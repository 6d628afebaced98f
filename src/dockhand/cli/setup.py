"""Onboarding: `inv setup` (clone to running stack), `inv env`.
Thin wiring: the work is in dockhand.commands.setup, imported when a task runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, project_name, seconds, session, writer

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    help={
        "timeout": "seconds to wait for health (default: dockhand.wait_timeout)",
        "name": "this checkout's project name, kept in .env (default: its own)",
        "new_ports": "move this checkout to free host ports (written to .env)",
        "data_from": "start with a copy of the database of the checkout at PATH",
    }
)
def setup(
    c: Context,
    timeout: str | None = None,
    name: str | None = None,
    new_ports: bool = False,
    data_from: str | None = None,
) -> None:
    """Onboard: doctor, .env, build, start healthy, migrate; safe to re-run."""
    from dockhand.commands import setup as ops

    wait_seconds = seconds("timeout", timeout)
    wanted = project_name("name", name)  # checked before anything runs
    ops.setup(
        writer(c, "setup", copied_ok=True, checked=False),
        timeout=wait_seconds,
        name=wanted,
        new_ports=new_ports,
        data_from=data_from or "",
    )


@command(
    help={
        "show_secrets": "show secret values instead of masking them",
        "json": "print the variables as JSON to stdout",
    }
)
def env(c: Context, show_secrets: bool = False, json: bool = False) -> None:
    """Show the effective variables, where each comes from, secrets masked."""
    from dockhand.commands import setup as ops

    ops.env(session(c), show_secrets=show_secrets, as_json=json)
