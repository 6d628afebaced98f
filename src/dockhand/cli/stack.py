"""Daily stack commands: build, up, down, restart, ps, logs, and prod."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from dockhand.cli.task import command, reader, seconds, session, writer
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.context import Context

TIMEOUT = "seconds to wait for health (default: dockhand.wait_timeout)"


@command(
    services="services",
    help={
        "services": "services to build (default: all)",
        "no_cache": "build without the layer cache",
        "pull": "pull newer base images first",
    },
)
def build(
    c: Context,
    services: list[str] | None = None,
    no_cache: bool = False,
    pull: bool = False,
) -> None:
    """Build the images of the stack (or of the services named)."""
    from dockhand.commands import stack

    stack.build(writer(c, "build"), services or [], no_cache=no_cache, pull=pull)


@command(
    services="services",
    help={
        "services": "services to start (default: all)",
        "build": "build every image before starting",
        "no_build": "do not rebuild stale images (only say which are stale)",
        "no_wait": "return once the containers are started, without waiting for health",
        "timeout": TIMEOUT,
    },
)
def up(
    c: Context,
    services: list[str] | None = None,
    build: bool = False,
    no_build: bool = False,
    no_wait: bool = False,
    timeout: str | None = None,
) -> None:
    """Start the stack detached and wait until every service is healthy."""
    from dockhand.commands import stack

    wait_seconds = seconds("timeout", timeout)
    stack.up(
        writer(c, "up"),
        services or [],
        build=build,
        no_build=no_build,
        wait=not no_wait,
        timeout=wait_seconds,
    )


@command(
    help={
        "volumes": "also delete the data volumes (lists them and asks first)",
        "yes": "do not ask before deleting volumes",
    }
)
def down(c: Context, volumes: bool = False, yes: bool = False) -> None:
    """Stop and remove the stack's containers and networks (data is kept)."""
    from dockhand.commands import stack

    stack.down(writer(c, "down"), volumes=volumes, yes=yes)


@command(
    services="services",
    help={
        "services": "services to restart (default: all)",
        "no_wait": "do not wait for health",
        "timeout": TIMEOUT,
    },
)
def restart(
    c: Context,
    services: list[str] | None = None,
    no_wait: bool = False,
    timeout: str | None = None,
) -> None:
    """Restart services and wait until they are healthy again."""
    from dockhand.commands import stack

    wait_seconds = seconds("timeout", timeout)
    stack.restart(
        writer(c, "restart"), services or [], wait=not no_wait, timeout=wait_seconds
    )


@command(
    aliases=["status"],
    services="services",
    help={
        "services": "services to show (default: all)",
        "json": "print JSON to stdout instead of a table",
        "watch": "print the table again on each change the engine reports, until Ctrl-C",
    },
)
def ps(
    c: Context,
    services: list[str] | None = None,
    json: bool = False,
    watch: bool = False,
) -> None:
    """Show each service: state, health, ports, uptime."""
    from dockhand.cli.cluster import on_cluster

    if watch and json:
        raise DockhandError(
            "--watch prints tables, --json one list", hint="give one of them"
        )
    if on_cluster(c):
        if watch:
            raise DockhandError("--watch is not for a cluster", hint="leave it out")
        from dockhand.commands import cluster

        cluster.ps(session(c), as_json=json)
        return
    from dockhand.commands import stack

    stack.ps(reader(c), services or [], as_json=json, watch=watch)


@command()
def prod(c: Context) -> None:
    """Select the production override for the tasks that follow (inv prod up)."""
    from dockhand.cli.invoke_config import load_settings
    from dockhand.config.defaults import OWN

    if not load_settings(c.config).prod_files:
        raise DockhandError(
            "inv prod: no production files are configured",
            hint="list them in invoke.yaml, e.g. dockhand.prod_files: "
            "[docker-compose.prod.yml]",
        )
    if not tasks_after("prod", sys.argv):
        raise DockhandError(
            "inv prod selects the production files for the tasks after it, "
            "and none follows",
            hint="e.g. `inv prod up`, `inv prod ps`",
        )
    c.config[OWN]["prod"] = True


def tasks_after(name: str, argv: list[str]) -> bool:
    """Pure: something follows task `name` on the command line (it takes
    no options, so any later word is another task or its arguments)."""
    words = [word for word in argv[1:] if word]
    return name in words and words.index(name) < len(words) - 1
