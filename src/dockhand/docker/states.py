"""Pure: one container of a service as dockhand reads it (ServiceState),
from the engine's inspect data, whichever asked for it: the SDK (engine.py,
for the wait) or the docker CLI (containers.py, for commands that only look).
Containers are found by these Compose labels, never by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dockhand.docker.jsondoc import items, mapping, strings, text

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
ONEOFF = "com.docker.compose.oneoff"
NUMBER = "com.docker.compose.container-number"


@dataclass(frozen=True)
class ServiceState:
    """One container of a service, as `inv ps` and `inv up` show it."""

    service: str
    container: str
    state: str  # running, exited, restarting, created, ...
    health: str  # healthy, unhealthy, starting, or "" without a healthcheck
    exit_code: int
    ports: tuple[str, ...]
    started_at: datetime | None
    restart_count: int = 0  # automatic restarts since the last manual start
    restart_policy: str = ""  # no, always, unless-stopped, on-failure
    id: str = ""
    image: str = ""  # the id of the image the container runs
    number: str = ""  # Compose's container number: a replacement keeps it
    user: str = ""  # the user it runs as (Config.User), "" for the image's root

    @property
    def summary(self) -> str:
        if self.state == "running":
            return self.health or "running"
        if self.state == "exited":
            return f"exited ({self.exit_code})"
        return self.state

    def host_port(self, container_port: int) -> str | None:
        prefix = f"{container_port}/tcp->"
        for published in self.ports:
            if published.startswith(prefix):
                return published.removeprefix(prefix).rsplit(":", 1)[-1]
        return None

    @property
    def published(self) -> str:
        """Ports as `docker ps` shows them: host -> container."""
        return ", ".join("->".join(reversed(p.split("->", 1))) for p in self.ports)


@dataclass(frozen=True)
class Container:
    """Any container, of any project, as `docker inspect` describes it: what
    the inventory of projects reads."""

    id: str
    labels: Mapping[str, str] = field(default_factory=dict)
    running: bool = False
    host_ports: tuple[int, ...] = ()  # the ports its HostConfig binds


def container_of(attrs: object) -> Container:
    """Pure: a Container from `docker inspect` data."""
    found = mapping(attrs)
    bindings = mapping(mapping(found.get("HostConfig")).get("PortBindings"))
    ports = [
        int(port)
        for targets in bindings.values()
        for binding in items(targets)
        if (port := text(mapping(binding).get("HostPort"))).isdigit()
    ]
    return Container(
        id=text(found.get("Id")),
        labels=strings(mapping(found.get("Config")).get("Labels")),
        running=bool(mapping(found.get("State")).get("Running")),
        host_ports=tuple(ports),
    )


def parse_time(text: str) -> datetime | None:
    if not text or text.startswith("0001-"):
        return None
    # The engine gives nanoseconds; datetime takes microseconds.
    trimmed = text[:26].rstrip("Z") if "." in text else text.rstrip("Z")
    return datetime.fromisoformat(trimmed).replace(tzinfo=timezone.utc)


def state_of(attrs: dict[str, Any]) -> ServiceState:
    """Pure: a ServiceState from `docker inspect` data."""
    labels = attrs["Config"]["Labels"] or {}
    state = attrs["State"]
    ports = []
    for container_port, bindings in sorted(
        (attrs["NetworkSettings"]["Ports"] or {}).items()
    ):
        for binding in bindings or ():
            # One entry per host port: the IPv4 and IPv6 wildcards are one port.
            host, port = binding["HostIp"], binding["HostPort"]
            address = port if host in ("", "0.0.0.0", "::") else f"{host}:{port}"  # noqa: S104
            ports.append(f"{container_port}->{address}")
    return ServiceState(
        service=labels.get(SERVICE, "?"),
        container=attrs["Name"].lstrip("/"),
        state=state["Status"],
        health=(state.get("Health") or {}).get("Status", ""),
        exit_code=int(state.get("ExitCode", 0)),
        ports=tuple(dict.fromkeys(ports)),
        started_at=parse_time(state.get("StartedAt", "")),
        restart_count=int(attrs.get("RestartCount") or 0),
        restart_policy=str(
            ((attrs.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name")
            or ""
        ),
        id=str(attrs.get("Id", "")),
        image=str(attrs.get("Image", "")),
        number=str(labels.get(NUMBER, "")),
        user=str(attrs["Config"].get("User") or ""),
    )
