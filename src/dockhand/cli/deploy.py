"""The stack on a Swarm: deploy, and `inv cluster TASK` for the daily tasks
against it (ps, logs, shell, migrate, rollback, rm), selected as `inv prod` selects the
production override."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, lines, seconds, session, writer
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.context import Context

VERDICT = "print the verdict and every service as JSON on stdout"


def on_cluster(c: Context) -> bool:
    from dockhand.config.defaults import OWN

    return bool((c.config.get(OWN) or {}).get("cluster"))


def _require_cluster(c: Context, task: str) -> None:
    if not on_cluster(c):
        raise DockhandError(
            f"inv {task} works on the cluster's stack", hint=f"run `inv cluster {task}`"
        )


def _exit(code: int) -> None:
    from invoke.exceptions import Exit

    if code:
        raise Exit(code=code)


@command(
    help={
        "json": VERDICT,
        "timeout": "seconds to wait for convergence (default: dockhand.deploy_timeout)",
        "prune": "remove the stack's services that are no longer in the compose files",
        "stack-file": "also write the stack file it deploys to this path",
    }
)
def deploy(
    c: Context,
    json: bool = False,
    timeout: str | None = None,
    prune: bool = False,
    stack_file: str | None = None,
) -> None:
    """Build, push and deploy the production stack to a Swarm; wait for the verdict."""
    from pathlib import Path

    from dockhand.commands import deploy as ops

    wait = seconds("timeout", timeout)
    if stack_file is not None and not stack_file.strip():
        raise DockhandError(
            "--stack-file is empty", hint="give a file, e.g. --stack-file stack.yml"
        )
    kept = Path(stack_file) if stack_file else None
    s = writer(c, "deploy")
    _exit(ops.deploy(s, as_json=json, timeout=wait, prune=prune, stack_file=kept))


@command()
def cluster(c: Context) -> None:
    """Run the tasks that follow on the Swarm stack (inv cluster ps)."""
    from dockhand.config.defaults import OWN

    c.config[OWN]["cluster"] = True


@command(
    services="services",
    help={"services": "services to roll back (default: all)", "json": VERDICT},
)
def rollback(c: Context, services: list[str] | None = None, json: bool = False) -> None:
    """Roll services of the cluster's stack back to their previous spec."""
    from dockhand.commands import cluster as ops

    _require_cluster(c, "rollback")
    _exit(ops.rollback(session(c), services or [], as_json=json))


@command(help={"yes": "do not ask first"})
def rm(c: Context, yes: bool = False) -> None:
    """Remove the cluster's stack (its volumes are kept)."""
    from dockhand.commands import cluster as ops

    _require_cluster(c, "rm")
    ops.rm(session(c), yes=yes)


def cluster_logs(
    c: Context, services: list[str], follow: bool, tail: str | None
) -> None:
    from dockhand.commands import cluster as ops

    ops.logs(session(c), services, follow=follow, tail=lines("tail", tail))
