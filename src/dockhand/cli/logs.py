"""`inv logs`: Compose's logs, streamed. Thin wiring: the work is in
dockhand.commands.logs (on a cluster, dockhand.commands.cluster)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import command, lines, reader, when

if TYPE_CHECKING:
    from invoke.context import Context


@command(
    services="services",
    help={
        "services": "services to show (default: all)",
        "follow": "keep streaming new lines until Ctrl-C",
        "tail": "only the last N lines of each service",
        "since": "only lines since a time (2026-01-02T15:04:05) or duration (10m)",
        "timestamps": "prefix each line with its timestamp",
    },
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
    from dockhand.cli.cluster import cluster_logs, on_cluster

    if on_cluster(c):
        cluster_logs(c, services or [], follow, tail)
        return
    from dockhand.commands import logs as ops

    tail, since = lines("tail", tail), when("since", since)
    ops.logs(
        reader(c),
        services or [],
        follow=follow,
        tail=tail,
        since=since,
        timestamps=timestamps,
    )
