"""`inv cluster ps|logs|rollback|rm` (migration jobs and the shell:
swarm.cluster_migrate, swarm.cluster_shell; the table and the verdict:
swarm.verdict)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps.confirm import refuse_without_terminal, yes_or_no
from dockhand.swarm import argv, converge, verdict
from dockhand.swarm.endpoint import manager_of
from dockhand.swarm.inspected import Service
from dockhand.ui import console

if TYPE_CHECKING:
    from docker import DockerClient


def ps(s: Session, as_json: bool) -> None:
    manager = manager_of(s)
    client = manager.client(s.runner)
    states = converge.read(client, s.settings.project, {})
    if not states:
        raise DockhandError(
            f"no stack {s.settings.project} on {manager.host} ({manager.source})",
            hint="deploy it first: inv deploy",
        )
    if as_json:
        console.print_data(json.dumps([st.as_dict() for st in states], indent=2))
    else:
        verdict.show(states, converge.verdict(states) or "moving", s.settings.project)


def logs(s: Session, names: list[str], follow: bool, tail: str | None) -> None:
    manager = manager_of(s)
    known = [
        st.name
        for st in converge.read(manager.client(s.runner), s.settings.project, {})
    ]
    for name in names or known:
        if name not in known:
            raise DockhandError(
                f"no service {name!r} in the stack {s.settings.project}",
                hint=f"services: {', '.join(known) or 'none (inv deploy first)'}",
            )
    if len(names or known) != 1 and follow:
        raise DockhandError(
            "follow one service at a time", hint="e.g. inv cluster logs -f backend"
        )
    for name in names or known:
        s.runner.run(
            argv.service_logs(
                manager.host, f"{s.settings.project}_{name}", follow=follow, tail=tail
            )
        )


def rollback(s: Session, names: list[str], as_json: bool) -> int:
    manager = manager_of(s)
    client = manager.client(s.runner)
    stack = s.settings.project
    services = converge.services(client, stack)
    for name in names:
        if name not in services:
            raise DockhandError(
                f"no service {name!r} in the stack {stack}",
                hint=f"services: {', '.join(sorted(services))}",
            )
    chosen, never = rollback_plan(services, names)
    if never:
        console.status(f"never updated, nothing to roll back to: {', '.join(never)}")
    before = converge.versions(client, stack)
    for name in chosen:
        code = s.runner.run(
            argv.rollback(manager.host, f"{stack}_{name}"), stdout=sys.stderr.buffer
        ).code
        if code != 0:
            raise DockhandError(
                f"docker service rollback {name} failed",
                hint="see above; a service never updated has nothing to roll back to",
            )
    return verdict.report(
        s,
        manager,
        client,
        stack,
        before,
        s.settings.deploy_timeout,
        as_json,
        time.monotonic(),
        decide=converge.rollback_verdict,
    )


def rollback_plan(
    services: Mapping[str, Service], names: list[str]
) -> tuple[list[str], list[str]]:
    """Pure: the services to roll back (`names`, else all) and those never
    updated (skipped when none was named). Nothing is rolled back when one
    cannot be: Swarm keeps one previous spec, and drops it when it rolls a
    failed update back itself (the service runs the spec from before it
    already; `docker service rollback` has nothing left to go back to)."""
    undone = sorted(
        name
        for name in names or services
        if not services[name].has_previous
        and services[name].update.startswith("rollback")
    )
    if undone:
        raise DockhandError(
            f"{', '.join(undone)} was rolled back by Swarm after its last update "
            "failed: it runs the spec from before that update, and Swarm keeps none "
            "older (nothing was rolled back)",
            hint="deploy a fixed version with inv deploy"
            + ("" if names else "; roll other services back by name"),
        )
    never = sorted(n for n in names or services if not services[n].has_previous)
    if names and never:
        raise DockhandError(
            f"{', '.join(never)} has no previous spec to roll back to: never updated "
            "since it was created (nothing was rolled back)",
            hint="inv cluster ps shows the stack; inv deploy changes it",
        )
    chosen = sorted(n for n in names or services if n not in never)
    if not chosen:
        raise DockhandError(
            "no service of the stack has a previous spec to roll back to",
            hint="a service has one once a deploy has updated it",
        )
    return chosen, [] if names else never


def rm(s: Session, yes: bool) -> None:
    manager = manager_of(s)
    stack = s.settings.project
    states = converge.read(manager.client(s.runner), stack, {})
    if not states:
        console.ok(f"no stack {stack} on {manager.host}: nothing to remove")
        return
    console.status(
        f"removes from {manager.host}: the services {', '.join(st.name for st in states)}, the stack's networks, secrets and configs (volumes are kept)"
    )
    if not yes:
        refuse_without_terminal("remove the stack", "inv cluster rm")
        if not yes_or_no("remove the stack?"):
            console.status("not confirmed: nothing changed")
            return
    code = s.runner.run(
        argv.stack_rm(manager.host, stack), stdout=sys.stderr.buffer
    ).code
    if code != 0:  # never under --dry: run() gives 0
        # A network goes only once the tasks on it are gone: remove what is
        # left as they go.
        client = manager.client(s.runner)
        if not converge.until(client, lambda: _networks_gone(client, stack), 120):
            raise DockhandError(
                f"the networks of {stack} are still in use after 120 s",
                hint="see `docker network ls` on the manager; run inv cluster rm again",
            )
        code = 0
    if code != 0:
        raise DockhandError("docker stack rm failed", hint="see above")
    console.ok(f"removed the stack {stack} (its volumes are kept)")


def _networks_gone(client: DockerClient, stack: str) -> bool:
    from docker.errors import APIError

    left = client.networks.list(filters={"label": f"{converge.NAMESPACE}={stack}"})
    for network in left:
        try:
            network.remove()
        except APIError:
            return False
    return True
