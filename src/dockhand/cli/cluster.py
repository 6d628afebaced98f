"""`inv cluster TASK`: the daily tasks against the stack on a Swarm (ps,
logs, shell, migrate, rollback, rm), selected as `inv prod` selects the
production override. rollback and rm are the cluster's own; ps, logs, shell
and migrate ask `on_cluster` (cli.stack, cli.dev)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, lines, session
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


def exit_with(code: int) -> None:
    """A verdict's exit code: the verdict has said why."""
    if code:
        raise DockhandError("", code=code)


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
    exit_with(ops.rollback(session(c), services or [], as_json=json))


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
