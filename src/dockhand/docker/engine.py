"""The docker SDK: reach the engine and find a project's containers by their
Compose labels (the wait on the engine's events is in dockhand.steps.wait)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockhand.docker.engine_kind import EngineKind, engine_kind
from dockhand.docker.jsondoc import mapping
from dockhand.docker.states import ONEOFF, PROJECT, SERVICE, ServiceState, state_of
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container


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


def connect(timeout: int | None = 30) -> DockerClient:
    """A client with the API version negotiated (never pinned). `timeout`
    None: reads never time out (a stream that may stay silent, `inv dash`)."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except DockerException as exc:
        raise unreachable(_reason(exc)) from None
    return client


def kind(client: DockerClient) -> EngineKind:
    """Which engine this is, from its own answer (two API calls)."""
    return engine_kind(mapping(client.version()), mapping(client.info()))


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


# --- looks that are one API call on a client `up` holds already -------------------


def network_ids(client: DockerClient, project: str) -> list[str]:
    """The ids of the project's networks (as `docker network ls` would say)."""
    listed = client.api.networks(filters={"label": f"{PROJECT}={project}"})
    return [str(network["Id"]) for network in listed or ()]


def volume_created(client: DockerClient, name: str) -> str:
    """The volume's CreatedAt, as the engine says it; "" when it is not there."""
    from docker.errors import DockerException

    try:
        return str(client.api.inspect_volume(name).get("CreatedAt") or "")
    except DockerException:
        return ""
