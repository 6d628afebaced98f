"""Migration jobs on the cluster: `inv cluster migrate [--status]`, and the
migrations `inv deploy` runs before the app services update.

Each one is a replicated job (run once, never restarted, label dockhand.job)
on the stack's network, its logs shown once it ends, removed afterwards.
`inv deploy` runs it in the image it just pushed; `inv cluster migrate` in
the image the deployed service runs now (pinned by digest), with that
service's environment and network: what is deployed, not a new build.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from dockhand.config.schema import Migration
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import argv, converge, inspected
from dockhand.swarm.endpoint import Manager, manager_of
from dockhand.swarm.inspected import Service, Task, dig
from dockhand.ui import console

if TYPE_CHECKING:
    from docker import DockerClient


@dataclass(frozen=True)
class Job:
    """What a job runs: `command` as the stack's `service`, in `image`."""

    service: str
    command: tuple[str, ...]
    image: str
    network: str
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    why: str = ""  # the task's errors, when it failed
    code: int = 0  # the task's exit code (1 when it is not known)

    @property
    def failure(self) -> str:
        """How it failed, for `... failed {failure}`: its exit code, and
        what else the task said (an image not pulled, a kill)."""
        said = "" if self.why == f"task: non-zero exit ({self.code})" else self.why
        return f"with exit code {self.code}" + (f" ({said})" if said else "")


def from_model(
    migration: Migration,
    image: str,
    stack: str,
    spec: Mapping[str, Any],
    rendered: Mapping[str, Any],
) -> Job:
    """Pure: the job of `inv deploy`, from Compose's merged model of the
    service (`spec`) and the stack file about to be deployed."""
    key = next(iter(spec.get("networks") or {"default": None}))
    declared = spec.get("environment")
    environment = {
        str(k): str(v)
        for k, v in (declared.items() if isinstance(declared, Mapping) else ())
        if v is not None
    }
    return Job(
        migration.service,
        migration.run,
        image,
        str(dig(rendered, "networks", key, "name") or f"{stack}_{key}"),
        environment,
    )


def from_service(
    service: Service, command: tuple[str, ...], networks: Mapping[str, str]
) -> Job:
    """Pure: a job in the deployed service's image, environment and first
    network (`networks`: network ids to names; an unknown id stays an id)."""
    stack, attached = service.stack, service.networks
    return Job(
        service.name.removeprefix(f"{stack}_") if stack else service.name,
        command,
        service.image,
        networks.get(attached[0], attached[0]) if attached else "",
        dict(service.environment),
    )


def run_job(
    s: Session,
    manager: Manager,
    client: DockerClient,
    stack: str,
    job: Job,
    logs_to: IO[bytes],
) -> Outcome:
    """Create the job, wait for it to end, show its logs, remove it."""
    name = f"{stack}_migrate-{job.service}"
    create = argv.job(
        manager.host,
        name,
        stack,
        job.image,
        job.network,
        job.environment,
        job.command,
    )
    if s.runner.dry:
        s.runner.run(create)
        return Outcome(ok=True)
    s.runner.capture(argv.service_rm(manager.host, name), timeout=60)  # a leftover
    created = s.runner.capture(create, timeout=120)
    if not created.ok:
        raise DockhandError(
            f"could not start the migration job: {created.stderr.strip().splitlines()[-1:]}",
            hint="nothing ran; see `docker service ls` on the manager",
        )
    tasks: list[Task] = []

    def look() -> list[converge.ServiceState]:
        found = client.services.get(name)
        tasks[:] = [inspected.task(t) for t in found.tasks()]
        return [converge.assess(inspected.service(found.attrs, job.service), tasks)]

    def decide(states: list[converge.ServiceState]) -> str | None:
        return {"completed": converge.CONVERGED, "failed": "failed"}.get(
            states[0].state
        )

    try:
        found, states, _ = converge.wait(
            client, look, decide, s.settings.deploy_timeout
        )
        s.runner.run(argv.service_logs(manager.host, name, raw=True), stdout=logs_to)
    finally:
        s.runner.capture(argv.service_rm(manager.host, name), timeout=60)
    if found == converge.CONVERGED:
        return Outcome(ok=True)
    return Outcome(False, "; ".join(states[0].errors) or found, exit_code(tasks))


def exit_code(tasks: list[Task]) -> int:
    """Pure: the exit code of the job's task that failed, else 1."""
    return next((t.exit_code for t in tasks if t.exit_code), 1)


def apply(
    s: Session,
    manager: Manager,
    client: DockerClient,
    stack: str,
    migration: Migration,
    job: Job,
    *,
    after: str = "",
    hint: str,
    code: int | None = None,
) -> None:
    """One migration as a job; its failure an error (`code`: its exit code,
    else the task's)."""
    console.step(f"migration {migration.label} (a job on {manager.source})")
    outcome = run_job(s, manager, client, stack, job, sys.stderr.buffer)
    if not outcome.ok:
        raise DockhandError(
            f"migration {migration.label} failed {outcome.failure}{after}",
            hint=hint,
            code=outcome.code if code is None else code,
        )
    console.ok(f"migration {migration.label} done")


def before_update(
    s: Session,
    manager: Manager,
    client: DockerClient,
    migration: Migration,
    image: str,
    service_model: Mapping[str, Any],
    stack_file: Mapping[str, Any],
) -> None:
    """One migration of `inv deploy`, as a job in the image just pushed
    (`image`); a failure stops the deploy before the app services update."""
    if not image:
        raise DockhandError(
            f"migration {migration.label}: {migration.service} has no image built here",
            hint="migrations run in a service `inv deploy` builds",
        )
    stack = s.settings.project
    job = from_model(migration, image, stack, service_model, stack_file)
    apply(
        s,
        manager,
        client,
        stack,
        migration,
        job,
        after=": the stack was not updated, the old version still serves",
        hint="fix the migration and deploy again",
        code=1,
    )


def migrate(s: Session, *, status: bool) -> None:
    """`inv cluster migrate [--status]`: each configured migration (or its
    status command) in order, as a job in what the stack runs now."""
    migrations = s.settings.migrations
    if not migrations:
        raise DockhandError(
            "no migrations are configured",
            hint="add dockhand.migrations to invoke.yaml",
        )
    manager = manager_of(s)
    client = manager.client(s.runner)
    stack = s.settings.project
    deployed = {st.name: st for st in converge.read(client, stack, {})}
    if not deployed:
        raise DockhandError(
            f"no stack {stack} on {manager.host} ({manager.source})",
            hint="deploy it first: inv deploy",
        )
    for migration in migrations:
        if migration.service not in deployed:
            raise DockhandError(
                f"migration {migration.label}: the stack {stack} has no service "
                f"{migration.service!r}",
                hint=f"services: {', '.join(deployed)}; deploy it with inv deploy",
            )
    require_database(s, deployed)
    networks = {n.id: n.name for n in client.networks.list()}
    for migration in migrations:
        command = migration.status if status else migration.run
        if command is None:
            console.status(f"{migration.service}: no status command configured")
            continue
        service = client.services.get(f"{stack}_{migration.service}")
        job = from_service(inspected.service(service.attrs), command, networks)
        if not status:
            apply(
                s,
                manager,
                client,
                stack,
                migration,
                job,
                hint="its logs are above; fix it and run `inv cluster migrate` again",
            )
            continue
        what = f"{migration.service}: {shlex.join(command)}"
        console.step(f"{what} (a job on {manager.source})")
        outcome = run_job(s, manager, client, stack, job, sys.stdout.buffer)
        if not outcome.ok:
            raise DockhandError(
                f"'{what}' failed {outcome.failure}",
                hint="its output is above",
                code=outcome.code,
            )
    if not status:
        console.ok("migrations applied")


def require_database(s: Session, deployed: Mapping[str, converge.ServiceState]) -> None:
    """The stack's database service runs every replica it should, healthy
    (a task with a healthcheck counts as running once healthy)."""
    database = s.settings.database
    if database is None or database.service not in deployed:
        return
    state = deployed[database.service]
    if state.desired == 0 or state.running < state.desired:
        raise DockhandError(
            f"the database service {database.service!r} of the stack is not running "
            f"healthy ({state.running} of {state.desired} replicas)",
            hint=f"see `inv cluster ps` and `inv cluster logs {database.service}`; "
            "nothing was migrated",
        )
