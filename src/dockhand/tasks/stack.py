"""Daily stack commands: build, up, down, restart, ps, logs, and prod."""

from __future__ import annotations

import sys
import time

from invoke.context import Context

from dockhand import compose, console, status
from dockhand.cli import command
from dockhand.errors import DockhandError
from dockhand.session import Session, session


def _run(s: Session, argv: list[str], failure: str) -> None:
    code = s.runner.stream(argv)
    if code != 0:
        raise DockhandError(failure, hint="see Compose's output above", code=code)


def wait_ready(s: Session, timeout: float | None) -> None:
    """Wait until every service is ready, showing progress; print the URLs."""
    from dockhand import engine

    if s.runner.dry:
        return
    deadline = time.time() + (
        timeout if timeout is not None else s.settings.wait_timeout
    )
    console.step("waiting for every service to be healthy")
    try:
        with status.watching() as watcher:
            states = engine.wait_ready(s.client, s.settings.project, deadline, watcher)
    except engine.HealthFailure as failure:
        status.show_failure(failure)
        raise
    console.ok("all services are ready")
    for service, url in status.urls(s.settings, states):
        console.status(f"  {service:<12} {url}")


@command(
    help={
        "no_cache": "build without the layer cache",
        "pull": "pull newer base images first",
        "services": "services to build (default: all)",
    },
    services="services",
)
def build(
    c: Context,
    services: list[str] | None = None,
    no_cache: bool = False,
    pull: bool = False,
) -> None:
    """Build the images of the stack (or of the services named)."""
    s = session(c)
    build_images(s, s.check_services(services or []), no_cache=no_cache, pull=pull)


def build_images(
    s: Session, names: list[str], *, no_cache: bool = False, pull: bool = False
) -> None:
    """`inv build` without the task: build the services named (all when none)."""
    _run(
        s,
        compose.build(s.cli, s.project, names, no_cache=no_cache, pull=pull),
        "the build failed",
    )


@command(
    help={
        "services": "services to start (default: all)",
        "build": "build images before starting",
        "no_wait": "return once the containers are started, without waiting for health",
        "timeout": "seconds to wait for health (default: dockhand.wait_timeout)",
    },
    services="services",
)
def up(
    c: Context,
    services: list[str] | None = None,
    build: bool = False,
    no_wait: bool = False,
    timeout: float | None = None,
) -> None:
    """Start the stack detached and wait until every service is healthy."""
    s = session(c)
    s.services()  # an invalid file fails here, with Compose's own message
    start(
        s,
        s.check_services(services or []),
        build=build,
        wait=not no_wait,
        timeout=float(timeout) if timeout is not None else None,
    )


def start(
    s: Session,
    names: list[str],
    *,
    build: bool = False,
    wait: bool = True,
    timeout: float | None = None,
) -> None:
    """`inv up` without the task: start detached, then wait until ready."""
    s.require_engine()
    _run(
        s,
        compose.up(s.cli, s.project, names, build=build),
        "Compose could not start the stack",
    )
    if wait:
        wait_ready(s, timeout)


@command(
    help={
        "volumes": "also delete the data volumes (asks first)",
        "yes": "do not ask before deleting volumes",
    }
)
def down(c: Context, volumes: bool = False, yes: bool = False) -> None:
    """Stop and remove the stack's containers and networks (data is kept)."""
    from dockhand.tasks.cleanup import confirm_volume_removal

    s = session(c)
    if volumes and not confirm_volume_removal(s, yes=yes, action="inv down --volumes"):
        return
    _run(
        s,
        compose.down(s.cli, s.project, volumes=volumes),
        "Compose could not stop the stack",
    )


@command(
    help={
        "services": "services to restart (default: all)",
        "no_wait": "do not wait for health",
        "timeout": "seconds to wait for health",
    },
    services="services",
)
def restart(
    c: Context,
    services: list[str] | None = None,
    no_wait: bool = False,
    timeout: float | None = None,
) -> None:
    """Restart services and wait until they are healthy again."""
    s = session(c)
    names = s.check_services(services or [])
    _run(s, compose.restart(s.cli, s.project, names), "Compose could not restart")
    if not no_wait:
        wait_ready(s, float(timeout) if timeout is not None else None)


@command(
    aliases=["status"],
    help={
        "json": "print JSON to stdout instead of a table",
        "services": "services to show (default: all)",
    },
    services="services",
)
def ps(c: Context, services: list[str] | None = None, json: bool = False) -> None:
    """Show each service: state, health, ports, uptime."""
    from dockhand import engine

    s = session(c)
    names = s.check_services(services) if services else []
    states = engine.states(s.client, s.settings.project, names)
    if json:
        console.print_data(status.as_json(states))
    elif not states:
        console.status(
            f"no containers for project {s.settings.project!r}; start them with `inv up`"
        )
    else:
        console.out().print(status.table(states, with_details=True))


@command(
    help={
        "services": "services to show (default: all)",
        "follow": "keep streaming new lines until Ctrl-C",
        "tail": "only the last N lines of each service",
        "since": "only lines since a time (2026-01-02T15:04:05) or duration (10m)",
        "timestamps": "prefix each line with its timestamp",
    },
    services="services",
)
def logs(
    c: Context,
    services: list[str] | None = None,
    follow: bool = False,
    tail: str | None = None,
    since: str | None = None,
    timestamps: bool = False,
) -> None:
    """Show service logs (all services unless named); -f to follow."""
    s = session(c)
    names = s.check_services(services or [])
    if tail is not None and not (tail.isdigit() or tail == "all"):
        raise DockhandError(
            f"--tail takes a number of lines, not {tail!r}", hint="e.g. --tail 100"
        )
    argv = compose.logs(
        s.cli,
        s.project,
        names,
        follow=follow,
        tail=tail,
        since=since,
        timestamps=timestamps,
        color=console.colour_wanted(sys.stdout),
    )
    _run(s, argv, "Compose could not show the logs")


@command()
def prod(c: Context) -> None:
    """Select the production override for the tasks that follow (inv prod up)."""
    c.config.dockhand.prod = True
