"""Pure: what `inv dash` and `inv ps --watch` show, from the engine's
events and stats streams: the rows model (one row per container, its
values as text), which event asks for what, and when the ps table changed.
The streams themselves are read in dockhand.commands.dash."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Literal

from dockhand.config.settings import Settings
from dockhand.docker.jsondoc import mapping, text
from dockhand.docker.states import ServiceState
from dockhand.docker.stats import Usage
from dockhand.steps import router_urls, status
from dockhand.steps.router_urls import Published
from dockhand.ui.sizes import size

COLUMNS = ("SERVICE", "STATE", "RESTARTS", "UPTIME", "CPU", "MEMORY", "URL")

Need = Literal["nothing", "inspect", "restarted", "gone"]


@dataclass(frozen=True)
class Event:
    """One container event of the project, as the dashboard reads it."""

    container: str
    action: str
    need: Need


def event_of(raw: Mapping[str, object]) -> Event:
    """What an event asks for: nothing (a health probe's exec_*: one every
    interval, changing nothing shown), the container's inspect (anything
    else, health_status included), a restart counted (`restart`: `docker
    restart` and `inv restart`, which the engine's RestartCount leaves out)
    then inspected, or its row dropped (`destroy`)."""
    actor = mapping(raw.get("Actor"))
    container = text(raw.get("id")) or text(actor.get("ID"))
    action = text(raw.get("Action")) or text(raw.get("status"))
    need: Need = "inspect"
    if action.startswith("exec_") or not container:
        need = "nothing"
    elif action == "restart":
        need = "restarted"
    elif action == "destroy":
        need = "gone"
    return Event(container, action, need)


@dataclass
class Entry:
    state: ServiceState
    usage: Usage | None = None
    restarts: int = 0  # restart events seen while watching


@dataclass(frozen=True)
class Row:
    key: str  # the container's id
    service: str
    cells: tuple[str, ...]  # as COLUMNS


@dataclass
class Board:
    """Every container of the project, each as the last inspect, stats
    sample and restart events left it. Changed only by the UI's thread."""

    settings: Settings
    entries: dict[str, Entry] = field(default_factory=dict)
    links: dict[str, str] | None = None  # the URLs, again only when a state changes
    router: Published | None = None  # its ports (no routes), when it routes these

    def routed(self, router: Published | None) -> None:
        """The router read again (at start, on a connect or disconnect of
        one of the project's networks): the URL column follows it."""
        if router != self.router:
            self.router, self.links = router, None

    def seed(self, states: Iterable[ServiceState]) -> None:
        for state in states:
            self.update(state)

    def update(self, state: ServiceState) -> None:
        """A fresh inspect of a container: a new container of the same
        service and number (Compose recreated it) takes the old one's place."""
        for key, entry in list(self.entries.items()):
            same_slot = (entry.state.service, entry.state.number) == (
                state.service,
                state.number,
            )
            if key != state.id and same_slot and state.number:
                del self.entries[key]
        self.links = None
        old = self.entries.get(state.id)
        self.entries[state.id] = (
            replace(old, state=state) if old else Entry(state=state)
        )

    def remove(self, container: str) -> None:
        self.links = None
        self.entries.pop(container, None)

    def restarted(self, container: str) -> None:
        if container in self.entries:
            self.entries[container].restarts += 1

    def sampled(self, container: str, usage: Usage) -> bool:
        """A stats sample; whether the container is still shown."""
        entry = self.entries.get(container)
        if entry is None:
            return False
        entry.usage = usage if entry.state.state == "running" else None
        return True

    def states(self) -> list[ServiceState]:
        return [entry.state for entry in self.entries.values()]

    def service_of(self, container: str) -> str | None:
        entry = self.entries.get(container)
        return entry.state.service if entry else None

    def rows(self, now: datetime | None = None) -> list[Row]:
        moment = now or datetime.now(timezone.utc)
        if self.links is None:
            self.links = links_of(self.settings, self.states(), self.router)
        links = self.links
        ordered = sorted(
            self.entries.items(),
            key=lambda item: (item[1].state.service, item[1].state.number, item[0]),
        )
        return [
            Row(key, entry.state.service, cells(entry, moment, links))
            for key, entry in ordered
        ]


def links_of(
    settings: Settings, states: Sequence[ServiceState], router: Published | None
) -> dict[str, str]:
    """Service -> the URL shown: the router's http:// name where it routes
    the service (its routes follow the states, as `inv up` sets them), else
    the port URL."""
    links = dict(status.urls(settings, states))
    if router is not None:
        routes = router_urls.checkout_routes(settings, states)
        for service, names in router_urls.names(replace(router, routes=routes)).items():
            links[service] = names[0]
    return links


def cells(entry: Entry, now: datetime, links: Mapping[str, str]) -> tuple[str, ...]:
    s = entry.state
    usage = entry.usage if s.state == "running" else None
    return (
        s.service,
        s.summary,
        str(s.restart_count + entry.restarts),
        status.uptime(s, now),
        cpu_text(usage.cpu if usage else None),
        memory_text(usage.memory if usage else None),
        links.get(s.service, ""),
    )


def cpu_text(percent: float | None) -> str:
    """Whole percents from 10 up, one decimal below: a busy row changes
    its text (and is redrawn) less often than every sample."""
    if percent is None:
        return ""
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%"


def memory_text(used: int | None) -> str:
    return "" if used is None else size(used, 1 if used >= 1 << 30 else 0, binary=True)


def ps_view(states: Sequence[ServiceState]) -> list[tuple[str, ...]]:
    """What makes `inv ps --watch` print its table again: a container
    come or gone, a state, health or published port changed (not the
    uptime, which changes with the clock alone)."""
    return sorted((s.service, s.container, s.summary, s.published) for s in states)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\r")


def log_line(raw: str) -> str:
    """A container's log line as plain text: its colours and carriage
    returns dropped (the log pane draws text, not a terminal's codes)."""
    return _ANSI.sub("", raw).rstrip("\n")
