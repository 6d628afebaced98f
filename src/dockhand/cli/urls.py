"""`inv urls`: each service's URLs. Thin wiring: the work is in
dockhand.commands.urls (the router itself: dockhand.steps.router)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, reader

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    help={"json": "print JSON to stdout: each service and its URLs, the name first"}
)
def urls(c: Context, json: bool = False) -> None:
    """Print each service's URLs: http://SERVICE.CHECKOUT.localhost and its port."""
    from dockhand.commands import urls as ops

    ops.urls(reader(c), as_json=json)
