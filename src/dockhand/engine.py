"""The docker SDK: reach the engine, find a project's containers by their
Compose labels, and wait for health on the engine's events."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dockhand import readiness
from dockhand.errors import DockhandError
from dockhand.states import ONEOFF, PROJECT, SERVICE, ServiceState, state_of

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


@dataclass(frozen=True)
class Ready:
    """The end of a wait that succeeded: every state, and warnings to show."""

    states: list[ServiceState]
    warnings: list[str]


def _event_feed(
    client: DockerClient, project: str, since: float, until: float
) -> tuple[queue.Queue[dict[str, Any] | BaseException | None], Callable[[], None]]:
    """The project's container events on a queue, read by a thread, so the
    wait can also wake when a stability window ends; None when the stream
    ends at `until`. Returns the queue and how to close the stream."""
    stream = client.events(
        since=f"{since:.6f}",  # the engine takes fractions of a second
        until=f"{until:.6f}",
        decode=True,
        filters={"type": "container", "label": f"{PROJECT}={project}"},
    )
    feed: queue.Queue[dict[str, Any] | BaseException | None] = queue.Queue()
    closing = threading.Event()

    def pump() -> None:
        try:
            for event in stream:
                feed.put(event)
        except Exception as exc:  # any failure is handed to the waiting thread
            if not closing.is_set():
                feed.put(exc)
        feed.put(None)

    threading.Thread(target=pump, name="dockhand-events", daemon=True).start()

    def close() -> None:
        closing.set()
        stream.close()

    return feed, close


def wait_ready(
    client: DockerClient,
    project: str,
    deadline: float,
    on_change: Callable[[list[ServiceState]], None],
    scope: readiness.Scope,
    rules: readiness.Rules = readiness.Rules(),  # noqa: B008 - frozen
    since: float | None = None,
) -> Ready:
    """Wait until every container in `scope` is ready (see dockhand.readiness).

    Seeded by a list, then driven by the engine's events since `since` (when
    the command began, so nothing between it and the list is missed), with a
    wake-up when a stability window ends and the deadline. Raises
    HealthFailure naming the service that exited, turned unhealthy, keeps
    restarting or was not ready in time.
    """
    began = time.time() if since is None else since
    feed, close = _event_feed(client, project, min(began, time.time()), deadline)
    try:
        return _wait(client, project, deadline, on_change, scope, rules, began, feed)
    finally:
        close()


def _wait(
    client: DockerClient,
    project: str,
    deadline: float,
    on_change: Callable[[list[ServiceState]], None],
    scope: readiness.Scope,
    rules: readiness.Rules,
    since: float,
    feed: queue.Queue[dict[str, Any] | BaseException | None],
) -> Ready:
    now = time.time()
    watches = {
        s.id: readiness.watch(s, job=scope.is_job(s), now=now)
        for s in states(client, project)
        if scope.covers(s.service)
    }
    if not watches:
        raise DockhandError(
            f"project {project!r} has no containers"
            + (f" for {', '.join(sorted(scope.services))}" if scope.services else ""),
            hint="start it with `inv up`",
        )
    shown: list[ServiceState] = []
    while True:
        now = time.time()
        current = [w.state for w in watches.values()]
        if current != shown:
            shown = current
            on_change(current)
        verdicts = {
            key: readiness.judge(w, now, rules, since) for key, w in watches.items()
        }
        _check(client, watches, verdicts)
        if all(v.status == "ready" for v in verdicts.values()):
            return Ready(current, [v.warning for v in verdicts.values() if v.warning])
        if now >= deadline:
            break
        wake = min(
            [v.recheck_at for v in verdicts.values() if v.recheck_at is not None],
            default=deadline,
        )
        try:
            item = feed.get(timeout=max(0.0, min(wake, deadline) - now))
        except queue.Empty:
            # A window has ended: look again before calling it ready.
            due = time.time() + 0.05
            for key, verdict in verdicts.items():
                if verdict.recheck_at is not None and verdict.recheck_at <= due:
                    watches[key] = _refresh(client, watches[key])
            continue
        if item is None:
            break  # the stream ended at the deadline
        if isinstance(item, BaseException):
            raise unreachable(_reason(item)) from None
        key = item.get("id") or item.get("Actor", {}).get("ID", "")
        action = str(item.get("Action", ""))
        if key not in watches or action.startswith("exec_"):
            continue  # another container, or a health probe's exec
        if action == "die":
            exit_code = (item.get("Actor", {}).get("Attributes") or {}).get("exitCode")
            watches[key] = readiness.died(watches[key], int(exit_code or 0))
        watches[key] = _refresh(client, watches[key])
    late = {key: w for key, w in watches.items() if verdicts[key].status != "ready"}
    raise HealthFailure(
        f"{', '.join(sorted(w.state.service for w in late.values()))} "
        "not healthy after the deadline",
        hint="raise the deadline with --timeout, or look at the output above",
        details=[
            (w.state.service, diagnose(client, w.state.id)) for w in late.values()
        ],
    )


def _refresh(client: DockerClient, w: readiness.Watch) -> readiness.Watch:
    """The watch after a fresh inspect of its container."""
    from docker.errors import NotFound

    try:
        state = state_of(client.api.inspect_container(w.state.id))
    except NotFound:
        state = replace(w.state, state="removed")
    return readiness.observe(w, state, time.time())


def _check(
    client: DockerClient,
    watches: dict[str, readiness.Watch],
    verdicts: dict[str, readiness.Verdict],
) -> None:
    failed = [
        (watches[k].state, v) for k, v in verdicts.items() if v.status == "failed"
    ]
    if failed:
        first = failed[0][0].service
        raise HealthFailure(
            ", ".join(f"{s.service} {v.reason}" for s, v in failed),
            hint=f"fix it, then `inv up` again; more with `inv logs {first}`",
            details=[
                (s.service, diagnose(client, s.id or s.container)) for s, _ in failed
            ],
        )
