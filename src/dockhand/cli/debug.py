"""`inv debug SERVICE`: a service under its debugger, and back. Thin
wiring: the work is in dockhand.commands.debug."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import SERVICE, command, seconds, writer

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    positional=["service"],
    values={"service": SERVICE},
    help={
        "service": "the service to debug (Python: debugpy; Node: the inspector)",
        "wait-for-client": "start the code only once a debugger has attached",
        "off": "put the service back as the compose files say (as `inv up` does)",
        "timeout": "seconds to wait for the service and its debugger",
    },
)
def debug(
    c: Context,
    service: str,
    wait_for_client: bool = False,
    off: bool = False,
    timeout: str | None = None,
) -> None:
    """Run a service under its debugger, on a port of this checkout's own."""
    from dockhand.commands import debug as ops

    limit = seconds("timeout", timeout)
    ops.debug(
        writer(c, "debug"),
        service,
        wait_for_client=wait_for_client,
        off=off,
        timeout=limit,
    )
