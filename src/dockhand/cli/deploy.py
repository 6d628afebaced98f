"""`inv deploy`: the production stack onto a Swarm (the tasks against it
once deployed: cli.cluster)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.cli.cluster import VERDICT, exit_with
from dockhand.cli.task import command, seconds, writer
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.context import Context


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
    from dockhand.commands import deploy as ops

    wait = seconds("timeout", timeout)
    kept = stack_file_path(stack_file)
    s = writer(c, "deploy")
    exit_with(ops.deploy(s, as_json=json, timeout=wait, prune=prune, stack_file=kept))


def stack_file_path(value: str | None) -> Path | None:
    """--stack-file: a file in a folder that exists, refused before anything
    runs (a folder would fail only after the build and the push)."""
    if value is None:
        return None
    if not value.strip():
        raise DockhandError(
            "--stack-file is empty", hint="give a file, e.g. --stack-file stack.yml"
        )
    path = Path(value)
    if path.is_dir():
        raise DockhandError(
            f"--stack-file {path} is a folder",
            hint=f"name a file in it, e.g. {path}/stack.yml",
        )
    if not path.parent.is_dir():
        raise DockhandError(
            f"--stack-file {path}: there is no folder {path.parent}",
            hint="give a path in a folder that exists",
        )
    return path
