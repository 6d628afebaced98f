"""The docker SDK: reach the engine, find a project's containers by their
Compose labels, and wait for health on the engine's events."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
ONEOFF = "com.docker.compose.oneoff"


@dataclass(frozen=True)
class Endpoint:
    """Where the SDK connects: DOCKER_HOST, else the Docker CLI context."""

    host: str  # the engine's URL; "" when the named context is not there
    context: str | None = None  # None when DOCKER_HOST decides

    @property
    def socket(self) -> str | None:
        """The unix socket file, or None for tcp, ssh and npipe endpoints."""
        if not self.host.startswith("unix://"):
            return None
        return self.host[len("unix://") :] or None


def current_endpoint(environ: Mapping[str, str] | None = None) -> Endpoint:
    """DOCKER_HOST, else the context the docker CLI (and docker.from_env)
    uses: DOCKER_CONTEXT, else config.json's currentContext, through
    docker-py's docker.context (whose get_current_context() reads only
    config.json, so DOCKER_CONTEXT is looked up by name)."""
    from docker.context import ContextAPI
    from docker.context.config import get_current_context_name

    environ = os.environ if environ is None else environ
    host = environ.get("DOCKER_HOST")
    if host:
        return Endpoint(host)
    name = environ.get("DOCKER_CONTEXT")
    found = ContextAPI.get_context(name) if name else ContextAPI.get_current_context()
    if found is None:  # named, but not there: the docker CLI refuses it
        return Endpoint("", name or get_current_context_name())
    return Endpoint(str(found.Host or ""), str(found.Name))


def endpoint(found: Endpoint | None = None) -> str:
    """Where the SDK looks for the engine, for error messages and doctor."""
    found = found or current_endpoint()
    if found.context is None:
        return f"DOCKER_HOST={found.host}"
    if found.context != "default":
        return f"the Docker context {found.context!r}"
    return f"{found.host} (DOCKER_HOST is not set)"


def unreachable(reason: object) -> DockhandError:
    return DockhandError(
        f"the Docker engine is not reachable at {endpoint()}: {reason}",
        hint="start it (scripts/engine on Linux as root, or start Docker Desktop), "
        "or point DOCKER_HOST at a running engine",
    )


def connect(timeout: int = 30) -> DockerClient:
    """A client with the API version negotiated (never pinned)."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except DockerException as exc:
        raise unreachable(_reason(exc)) from None
    return client


def _reason(exc: BaseException) -> str:
    """The root cause in a few words, not requests' nested reprs."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, FileNotFoundError):
            return "no socket there"
        if isinstance(cause, PermissionError):
            return "permission denied (is your user in the docker group?)"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens)"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).split(": ", 1)[-1]
    return text if len(text) < 160 else text[:157] + "..."


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

    @property
    def ready(self) -> bool:
        """Healthy, or running where there is no healthcheck (as Compose does),
        or a one-shot that finished cleanly."""
        if self.state == "running":
            return self.health in ("", "healthy")
        return self.state == "exited" and self.exit_code == 0

    @property
    def failed(self) -> bool:
        if self.health == "unhealthy":
            return True
        return (
            self.state in ("exited", "dead", "restarting", "removed") and not self.ready
        )

    @property
    def summary(self) -> str:
        if self.state == "running":
            return self.health or "running"
        if self.state == "exited":
            return f"exited ({self.exit_code})"
        return self.state

    def host_port(self, container_port: int) -> str | None:
        prefix = f"{container_port}/tcp->"
        for mapping in self.ports:
            if mapping.startswith(prefix):
                return mapping.removeprefix(prefix).rsplit(":", 1)[-1]
        return None

    @property
    def published(self) -> str:
        """Ports as `docker ps` shows them: host -> container."""
        return ", ".join("->".join(reversed(p.split("->", 1))) for p in self.ports)


def _parse_time(text: str) -> datetime | None:
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
        started_at=_parse_time(state.get("StartedAt", "")),
    )


def project_filters(project: str, services: Iterable[str] = ()) -> dict[str, Any]:
    labels = [f"{PROJECT}={project}", f"{ONEOFF}=False"]
    services = list(services)
    if len(services) == 1:
        labels.append(f"{SERVICE}={services[0]}")
    return {"label": labels}


def containers(
    client: DockerClient, project: str, services: Iterable[str] = ()
) -> list[Container]:
    """The project's service containers (not one-offs), found by label."""
    wanted = set(services)
    found = client.containers.list(
        all=True, filters=project_filters(project, wanted), ignore_removed=True
    )
    return [c for c in found if not wanted or c.labels.get(SERVICE) in wanted]


def states(
    client: DockerClient, project: str, services: Iterable[str] = ()
) -> list[ServiceState]:
    return sorted(
        (state_of(c.attrs) for c in containers(client, project, services)),
        key=lambda s: (s.service, s.container),
    )


class HealthFailure(DockhandError):
    """A service failed during the wait; carries what the user needs to see."""

    def __init__(self, message: str, hint: str, details: list[tuple[str, str]]) -> None:
        super().__init__(message, hint)
        self.details = details


def diagnose(client: DockerClient, container_name: str, lines: int = 20) -> str:
    """The last health probe outputs and log lines of one container."""
    from docker.errors import NotFound

    try:
        container = client.containers.get(container_name)
    except NotFound:
        return "(the container is gone)"
    health = container.attrs["State"].get("Health") or {}
    probes = [
        f"health probe exit {entry.get('ExitCode')}: {entry.get('Output', '').strip()}"
        for entry in (health.get("Log") or [])[-3:]
    ]
    log = container.logs(tail=lines, timestamps=False).decode(errors="replace").rstrip()
    return "\n".join([*probes, "--- last log lines ---", log or "(no output)"])


def wait_ready(
    client: DockerClient,
    project: str,
    deadline: float,
    on_change: Callable[[list[ServiceState]], None],
    services: Iterable[str] = (),
) -> list[ServiceState]:
    """Wait until every service container of the project is ready.

    Seeded by a list, then driven by the engine's events, so nothing between
    the two is missed; the event stream ends at the deadline on its own.
    Raises HealthFailure naming the service that exited, turned unhealthy or
    was not ready in time. With `services`, only those are waited for.
    """
    since = int(time.time()) - 1
    current = {s.container: s for s in states(client, project, services)}
    if not current:
        raise DockhandError(
            f"project {project!r} has no containers",
            hint="start it with `inv up`",
        )
    on_change(list(current.values()))
    _check(client, current)
    if all(s.ready for s in current.values()):
        return list(current.values())
    events = client.events(
        since=since,
        until=int(deadline) + 1,
        decode=True,
        filters={"type": "container", "label": f"{PROJECT}={project}"},
    )
    try:
        for event in events:
            attributes = event.get("Actor", {}).get("Attributes") or {}
            name = attributes.get("name", "")
            if name not in current:
                continue
            current[name] = _after(
                client, current[name], event.get("Action", ""), attributes
            )
            on_change(list(current.values()))
            _check(client, current)
            if all(s.ready for s in current.values()):
                return list(current.values())
    finally:
        events.close()
    late = sorted(s.service for s in current.values() if not s.ready)
    raise HealthFailure(
        f"{', '.join(late)} not healthy after the deadline",
        hint="raise the deadline with --timeout, or look at the output above",
        details=[
            (s.service, diagnose(client, s.container))
            for s in current.values()
            if not s.ready
        ],
    )


def _after(
    client: DockerClient, before: ServiceState, action: str, attributes: dict[str, str]
) -> ServiceState:
    """The state after an event. A crash counts even when a restart policy has
    already brought the container back by the time we look."""
    from docker.errors import NotFound

    if action == "die" and attributes.get("exitCode", "0") != "0":
        return replace(before, state="exited", exit_code=int(attributes["exitCode"]))
    try:
        return state_of(client.api.inspect_container(before.container))
    except NotFound:
        return replace(before, state="removed")


def _check(client: DockerClient, current: dict[str, ServiceState]) -> None:
    failed = [s for s in current.values() if s.failed]
    if failed:
        raise HealthFailure(
            ", ".join(f"{s.service} {s.summary}" for s in failed),
            hint=f"fix it, then `inv up` again; more with `inv logs {failed[0].service}`",
            details=[(s.service, diagnose(client, s.container)) for s in failed],
        )
