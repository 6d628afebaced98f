"""The wait of `inv up` and `inv restart`: seeded by a list of the project's
containers, then driven by the engine's events, judged by
dockhand.steps.readiness, always with a deadline; what a wait covers, and the
wait for the database before migrations and the db commands."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dockhand.docker.engine import _reason, states, unreachable
from dockhand.docker.states import ONEOFF, PROJECT, SERVICE, ServiceState, state_of
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import readiness

if TYPE_CHECKING:
    from docker import DockerClient


class HealthFailure(DockhandError):
    """A service failed during the wait; carries what the user needs to see."""

    def __init__(self, message: str, hint: str, details: list[tuple[str, str]]) -> None:
        super().__init__(message, hint)
        self.details = details


def diagnose(client: DockerClient, container_name: str, lines: int = 20) -> str:
    """The last health probe outputs and log lines of one container."""
    from docker.errors import APIError

    try:
        container = client.containers.get(container_name)
        log = container.logs(tail=lines, timestamps=False)
    except APIError:  # gone, or being removed: no logs to read
        return "(the container is gone)"
    health = container.attrs["State"].get("Health") or {}
    probes = [
        f"health probe exit {entry.get('ExitCode')}: {entry.get('Output', '').strip()}"
        for entry in (health.get("Log") or [])[-3:]
    ]
    text = log.decode(errors="replace").rstrip()
    return "\n".join([*probes, "--- last log lines ---", text or "(no output)"])


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
    """Wait until every container in `scope` is ready (see dockhand.steps.readiness).

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
        attributes = item.get("Actor", {}).get("Attributes") or {}
        if action.startswith("exec_"):
            continue  # a health probe's exec
        if key not in watches:
            if action == "create":  # Compose makes a successor before the stop
                for k, w in watches.items():
                    if readiness.replaces(w, attributes):
                        watches[k] = readiness.being_replaced(w)
            elif action == "start":
                _adopt(client, key, attributes, scope, watches)
            continue  # another container
        watches[key] = readiness.on_event(watches[key], action, attributes)
        watches[key] = _refresh(client, watches[key])
    now = time.time()
    verdicts = {
        key: readiness.judge(w, now, rules, since) for key, w in watches.items()
    }
    late = {key: w for key, w in watches.items() if verdicts[key].status != "ready"}
    raise HealthFailure(
        readiness.deadline_failure([(w, verdicts[key]) for key, w in late.items()]),
        hint="raise the deadline with --timeout, or look at the output above",
        details=[
            (w.state.service, diagnose(client, w.state.id)) for w in late.values()
        ],
    )


def _adopt(
    client: DockerClient,
    key: str,
    attributes: dict[str, str],
    scope: readiness.Scope,
    watches: dict[str, readiness.Watch],
) -> None:
    """A container of a covered service started during the wait: Compose
    made it, replacing (same service, same number) the one watched, whose
    exit or removal is then no failure; or it is one more replica."""
    from docker.errors import NotFound

    service = attributes.get(SERVICE, "")
    if not service or attributes.get(ONEOFF) == "True" or not scope.covers(service):
        return
    try:
        state = state_of(client.api.inspect_container(key))
    except NotFound:
        return
    for old in [
        k
        for k, w in watches.items()
        if w.state.service == service and w.state.number == state.number
    ]:
        del watches[old]
    watches[key] = readiness.watch(state, job=scope.is_job(state), now=time.time())


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
        first, verdict = failed[0]
        raise HealthFailure(
            ", ".join(f"{s.service} {v.reason}" for s, v in failed),
            hint=verdict.hint
            or f"fix it, then `inv up` again; more with `inv logs {first.service}`",
            details=[
                (s.service, diagnose(client, s.id or s.container)) for s, _ in failed
            ],
        )


def wait_scope(s: Session, names: list[str]) -> readiness.Scope:
    """What a wait for `names` covers: from the Compose model, those services
    and what they depend on (every service without names)."""
    model = s.ask_model()
    if model is None:
        return readiness.scope_without_model(names)
    return readiness.scope(model, names)


def rules_of(s: Session) -> readiness.Rules:
    return readiness.Rules(s.settings.wait_stable_seconds, s.settings.wait_max_restarts)


def seconds(s: Session, timeout: float | None) -> float:
    return timeout if timeout is not None else s.settings.wait_timeout


def still_waited_for(s: Session, names: list[str]) -> str:
    """What Compose was still waiting for when the deadline passed: the
    covered services up but not yet healthy (or restarting), and those it
    holds back until they are (created, not started); from the engine."""
    scope = wait_scope(s, names)
    covered = [state for state in s.states([]) if scope.covers(state.service)]
    late = sorted(
        f"{state.service} ({state.summary})"
        for state in covered
        if state.state not in ("created", "running")
        or (state.state == "running" and state.health not in ("", "healthy"))
    )
    held = sorted(state.service for state in covered if state.state == "created")
    if late and held:
        return f"{', '.join(late)} before it starts {', '.join(held)}"
    return ", ".join(late or held)


def wait_for_database(s: Session, found: list[ServiceState] | None = None) -> None:
    """Migrations need the database up and healthy; wait for it with the
    deadline, unless `found` (the project's containers) shows it healthy
    and up for longer than the stability window already."""
    database = s.settings.database
    if database is None or s.runner.dry:
        return
    if found is None:
        found = s.states([database.service])
    found = [state for state in found if state.service == database.service]
    if not any(state.state == "running" for state in found):
        raise DockhandError(
            f"the database service {database.service!r} is not running",
            hint="start the stack with `inv up`, then run this again",
        )
    now = time.time()
    if all(_settled(state, now, s.settings.wait_stable_seconds) for state in found):
        return
    wait_ready(
        s.connect(),
        s.settings.project,
        now + s.settings.wait_timeout,
        lambda _: None,
        readiness.Scope(frozenset([database.service])),
        rules_of(s),
        since=now,
    )


def _settled(state: ServiceState, now: float, window: float) -> bool:
    started = state.started_at.timestamp() if state.started_at else now
    return (
        state.state == "running"
        and state.health in ("healthy", "")
        and now - started > window
    )
