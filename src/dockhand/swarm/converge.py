"""When a stack has converged, as the engine says it.

`assess` is pure: a service and its tasks (swarm.inspected) -> its state, read
as the docker CLI's own progress does (cli/command/service/progress):
UpdateStatus.State first (`paused`, `rollback_paused`, `rollback_completed`
are failures), then the running tasks on the current image against the
replicas wanted. A task with a healthcheck is `running` only once healthy.
`wait` feeds it from the manager: Swarm sends events for services (an
update starting, pausing, completing) but none for tasks, so the tasks are
read again on every event and at least every POLL seconds, until a verdict
or the deadline.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dockhand.swarm import inspected
from dockhand.swarm.inspected import GLOBAL, JOB, Service, Task
from dockhand.swarm.inspected import NAMESPACE as NAMESPACE

if TYPE_CHECKING:
    from docker import DockerClient

CONVERGED, ROLLED_BACK, PAUSED, TIMED_OUT = (
    "converged",
    "rolled_back",
    "paused",
    "timed_out",
)
VERDICTS = (CONVERGED, ROLLED_BACK, PAUSED, TIMED_OUT)
EXIT_CODES = {CONVERGED: 0, ROLLED_BACK: 3, PAUSED: 4, TIMED_OUT: 5}
POLL = 0.25
FAILED_TASK = ("failed", "rejected", "orphaned")


@dataclass(frozen=True)
class ServiceState:
    name: str
    state: str  # converged, updating, starting, rolled_back, paused, rolling_back, completed
    running: int
    desired: int
    image: str
    update: str = ""  # UpdateStatus.State, when it is this deploy's
    nodes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    logs: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "replicas": f"{self.running}/{self.desired}",
            "running": self.running,
            "desired": self.desired,
            "image": self.image,
            "update": self.update,
            "nodes": list(self.nodes),
            "errors": list(self.errors),
            "logs": list(self.logs),
        }


@dataclass(frozen=True)
class Context:
    """What `assess` knows beyond the service and its tasks.

    `ours`: the service's UpdateStatus is this deploy's (its version moved
    since the deploy began); an older one says nothing about this deploy.
    `nodes`: node ID -> hostname; `away`: node ID -> why it takes no tasks
    (inspected.absence); `since`: the service's version index before the
    deploy: a task last changed before it failed in an earlier deploy (Swarm
    keeps a few in its history), and its error is not this deploy's."""

    ours: bool = True
    nodes: Mapping[str, str] = field(default_factory=dict)
    away: Mapping[str, str] = field(default_factory=dict)
    since: int = 0


def assess(
    service: Service, tasks: Sequence[Task], context: Context = Context()
) -> ServiceState:
    job = service.mode == JOB
    live = [t for t in tasks if t.desired in ("running", "complete")]
    # global: one per node the scheduler chose
    desired = service.wanted if service.mode != GLOBAL else len({t.node for t in live})
    done = "complete" if job else "running"
    running = [t for t in live if t.state == done and t.spec == service.template]
    update = service.update if context.ours else ""
    failed = [
        t
        for t in tasks
        if t.state in FAILED_TASK and (t.version is None or t.version > context.since)
    ]
    errors = tuple(dict.fromkeys(t.error for t in _newest(failed, 3)))
    # Why Swarm paused or rolled back ("update rolled back due to failure or
    # early termination of task ..."): a task stopped while still starting
    # (its healthcheck never passed) leaves no error of its own.
    message = service.message
    if (
        context.ours
        and message
        and update in ("paused", "rollback_started", "rollback_paused")
    ):
        errors = (message + _left(message, tasks, context), *errors)
    where = tuple(sorted({context.nodes.get(t.node, t.node) for t in running}))
    state = _state(update, len(running), desired, bool(failed), job)
    return ServiceState(
        service.name, state, len(running), desired, service.image, update, where, errors
    )


def _left(message: str, tasks: Sequence[Task], context: Context) -> str:
    """Swarm's updater counts a new task stopped early as a failed one,
    whatever stopped it ("... early termination of task ID"): when its node
    was drained or went down, the service is not what failed."""
    task_id = message.rsplit(" ", 1)[-1]
    node = next((t.node for t in tasks if t.id == task_id), "")
    if node not in context.away:
        return ""
    name = context.nodes.get(node, node)
    return f": {name} was {context.away[node]} under it; the service did not fail, deploy again"


def _state(update: str, running: int, desired: int, failing: bool, job: bool) -> str:
    if update == "rollback_completed":
        # Done once the old spec runs again, as a converged service would.
        return "rolled_back" if running >= desired else "rolling_back"
    if update in ("paused", "rollback_paused"):
        return "paused"
    if update in ("rollback_started",):
        return "rolling_back"
    if update == "updating":
        return "updating"
    if job:
        return (
            "completed" if running >= desired else ("failed" if failing else "running")
        )
    if running >= desired:
        return "converged"
    return "failing" if failing else "starting"


def _newest(tasks: Sequence[Task], n: int) -> list[Task]:
    return sorted(tasks, key=lambda t: t.timestamp, reverse=True)[:n]


def verdict(states: Sequence[ServiceState]) -> str | None:
    """The stack's verdict, or None while it is still moving."""
    kinds = {s.state for s in states}
    if "rolled_back" in kinds and not kinds & {"updating", "rolling_back"}:
        return ROLLED_BACK
    if "paused" in kinds:
        return PAUSED
    if kinds <= {"converged"}:
        return CONVERGED
    return None


def _why(state: ServiceState) -> tuple[str, ...]:
    """What is known of a rollback no task error explains."""
    if state.state != "rolled_back":
        return ()
    return ("Swarm rolled the update back: a new task failed or never became healthy",)


def rollback_verdict(states: Sequence[ServiceState]) -> str | None:
    """The verdict of `inv cluster rollback`: a rollback asked for and done
    is what was wanted."""
    kinds = {s.state for s in states}
    if "paused" in kinds:
        return PAUSED
    if kinds <= {"converged", "rolled_back"}:
        return CONVERGED
    return None


# --- from the manager ----------------------------------------------------------


def read(
    client: DockerClient, stack: str, before: Mapping[str, int]
) -> list[ServiceState]:
    """Every service of the stack, assessed. `before`: each service's version
    index before the deploy (a service not in it is new)."""
    listed = [inspected.node(n.attrs) for n in client.nodes.list()]
    nodes = {n.id: n.hostname for n in listed}
    away = {n.id: n.away for n in listed if n.away}
    states = []
    for found in client.services.list(filters={"label": f"{NAMESPACE}={stack}"}):
        short = found.name.removeprefix(f"{stack}_")
        service = inspected.service(found.attrs, short)
        tasks = [inspected.task(t) for t in found.tasks()]
        was = before.get(found.name)
        context = Context(was != service.version, nodes, away, was or 0)
        states.append(assess(service, tasks, context))
    return sorted(states, key=lambda s: s.name)


def services(client: DockerClient, stack: str) -> dict[str, Service]:
    """The stack's services, by their names in the compose files."""
    return {
        found.name.removeprefix(f"{stack}_"): inspected.service(found.attrs)
        for found in client.services.list(filters={"label": f"{NAMESPACE}={stack}"})
    }


def versions(client: DockerClient, stack: str) -> dict[str, int]:
    return {
        s.name: inspected.service(s.attrs).version
        for s in client.services.list(filters={"label": f"{NAMESPACE}={stack}"})
    }


def wait(
    client: DockerClient,
    look: Callable[[], list[ServiceState]],
    decide: Callable[[list[ServiceState]], str | None],
    timeout: float,
    on_change: Callable[[list[ServiceState]], None] | None = None,
) -> tuple[str, list[ServiceState], float]:
    """Look again on every service event (and every POLL s: tasks send none)
    until `decide` gives a verdict or `timeout` passes. Returns the verdict,
    the last states and when (monotonic) the verdict was seen."""
    events: queue.Queue[object] = queue.Queue()
    stream = client.events(decode=True, filters={"type": ["service"]})

    def pump() -> None:
        try:
            for event in stream:
                events.put(event)
        except Exception:  # the stream closed: polling goes on
            return

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    last: list[ServiceState] = []
    # A failed task can be gone by the time the verdict is in (replaced by
    # its restart, then by the rollback): keep every error seen on the way.
    seen: dict[str, dict[str, None]] = {}

    def with_seen(states: list[ServiceState]) -> list[ServiceState]:
        for st in states:
            seen.setdefault(st.name, {}).update(dict.fromkeys(st.errors))
        return [
            replace(st, errors=tuple(seen[st.name])[-3:] or _why(st)) for st in states
        ]

    try:
        while True:
            states = with_seen(look())
            if states != last and on_change:
                on_change(states)
            last = states
            found = decide(states)
            if found:
                return found, states, time.monotonic()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return TIMED_OUT, states, time.monotonic()
            with contextlib.suppress(queue.Empty):
                events.get(timeout=min(POLL, remaining))
    finally:
        stream.close()


def until(client: DockerClient, done: Callable[[], bool], timeout: float) -> bool:
    """Wait, as `wait` does, until `done()`; False at the deadline."""
    found, _, _ = wait(client, list, lambda _: CONVERGED if done() else None, timeout)
    return found == CONVERGED
