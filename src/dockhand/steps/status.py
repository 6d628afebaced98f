"""How service states are shown: a live table on a terminal, plain lines in logs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from dockhand.config.settings import Settings
from dockhand.docker.states import ServiceState
from dockhand.steps.wait import HealthFailure
from dockhand.ui import console

if TYPE_CHECKING:
    from rich.table import Table

_STYLE = {
    "healthy": "green",
    "running": "green",
    "starting": "yellow",
    "unhealthy": "red",
}


def uptime(state: ServiceState, now: datetime | None = None) -> str:
    if state.state != "running" or state.started_at is None:
        return ""
    seconds = int(
        ((now or datetime.now(timezone.utc)) - state.started_at).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


COLUMNS = ("SERVICE", "STATE")
DETAILS = ("PORTS", "UPTIME")


def rows(states: Sequence[ServiceState], *, with_details: bool) -> list[list[str]]:
    return [
        [s.service, s.summary, *((s.published, uptime(s)) if with_details else ())]
        for s in states
    ]


def table(states: Sequence[ServiceState], *, with_details: bool = False) -> Table:
    from rich.markup import escape
    from rich.table import Table

    grid = Table(box=None, header_style="bold", pad_edge=False)
    for column in (*COLUMNS, *(DETAILS if with_details else ())):
        grid.add_column(column)
    for row in rows(states, with_details=with_details):
        service, summary, *details = (escape(cell) for cell in row)
        grid.add_row(service, f"[{_STYLE.get(summary, 'red')}]{summary}[/]", *details)
    return grid


def table_text(states: Sequence[ServiceState]) -> str | None:
    """`inv ps`'s table as rich prints it off a terminal, without rich, or
    None where only rich can lay it out."""
    return console.table_text((*COLUMNS, *DETAILS), rows(states, with_details=True))


def as_json(
    states: Sequence[ServiceState], names: Mapping[str, list[str]] | None = None
) -> str:
    """`inv ps --json`: a row per container; `names`, the router's names of
    its service (http://, then https://; none where it routes nothing)."""
    rows: list[dict[str, Any]] = [
        {
            "service": s.service,
            "container": s.container,
            "state": s.state,
            "health": s.health or None,
            "exit_code": s.exit_code,
            "ports": list(s.ports),
            "started_at": s.started_at.isoformat() if s.started_at else None,
            "uptime": uptime(s) or None,
            "names": list((names or {}).get(s.service, ())),
        }
        for s in states
    ]
    return json.dumps(rows, indent=2)


class Watcher:
    """Receives each change during a wait and shows it."""

    def __init__(self) -> None:
        self.live: Any = None
        self.shown: dict[str, str] = {}

    def __call__(self, states: list[ServiceState]) -> None:
        ordered = sorted(states, key=lambda s: s.service)
        if self.live is not None:
            self.live.update(table(ordered))
            return
        for s in ordered:  # not a terminal: one plain line per change
            if self.shown.get(s.container) != s.summary:
                self.shown[s.container] = s.summary
                console.status(f"  {s.service}: {s.summary}")


@contextmanager
def watching() -> Iterator[Watcher]:
    watcher = Watcher()
    err = console.err()
    if not err.is_terminal:
        yield watcher
        return
    from rich.live import Live

    with Live(console=err, refresh_per_second=8, transient=False) as live:
        watcher.live = live
        yield watcher


def urls(settings: Settings, states: Sequence[ServiceState]) -> list[tuple[str, str]]:
    """The browser URL of each configured service, with the port Compose
    published, under the project's own host (NAME.localhost: browsers keep
    cookies per host, so two checkouts' sessions stay apart)."""
    from dockhand.config.checkout import host_name  # see LAZY_PAIRS

    host = host_name(settings.project)
    found = []
    for s in states:
        config = settings.services.get(s.service)
        if config is None or config.port is None:
            continue
        port = s.host_port(config.port)
        if port:
            found.append((s.service, f"http://{host}:{port}{config.path}"))
    return found


def show_failure(failure: HealthFailure) -> None:
    from rich.panel import Panel
    from rich.text import Text

    for service, text in failure.details:
        console.err().print(
            Panel(
                # A container's own colours become styles, which rich drops
                # where colour is off (NO_COLOR, not a terminal).
                Text.from_ansi(text),
                title=f"{service}: health log and last log lines",
                title_align="left",
            )
        )
