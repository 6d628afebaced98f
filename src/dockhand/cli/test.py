"""`inv test`: a service's tests in its container. Thin wiring: the work is
in dockhand.commands.test."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, passed_on, reader

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    name="test",
    services="service",
    help={
        "service": "the service whose tests run (default: every one with a test command)"
    },
)
def test(c: Context, service: list[str] | None = None) -> None:
    """Run a service's tests in its container; words after -- go to them."""
    from dockhand.commands import test as ops

    ops.test(reader(c), service or [], passed_on(c))
