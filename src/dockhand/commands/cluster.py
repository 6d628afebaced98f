"""`inv cluster ps|logs|rollback|rm`, and what `inv deploy` shares with them:
the routing the cluster offers, the verdict's table (migration jobs:
ops.cluster_migrate)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import argv, converge
from dockhand.swarm.endpoint import Manager, choose, require_manager
from dockhand.swarm.services import HOST, MESH
from dockhand.ui import console

ROUTING_WORDS = {
    MESH: "virtual IPs and ingress-published ports",
    HOST: "endpoint_mode dnsrr and host-mode ports: this cluster has no IPVS",
}


def manager_of(s: Session) -> Manager:
    return require_manager(choose(s.settings, os.environ, s.runner), s.runner)


def _cache(cluster_id: str) -> Path:
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "dockhand" / f"routing-{cluster_id or 'unknown'}"


def routing(s: Session, manager: Manager, image: str) -> str:
    """The setting, or (auto) whether the manager's kernel has IPVS, asked
    once per cluster with a container of one of the stack's images."""
    chosen = s.settings.deploy_routing
    if chosen != "auto":
        return chosen
    cache = _cache(manager.cluster)
    if cache.is_file() and cache.read_text().strip() in (MESH, HOST):
        return cache.read_text().strip()
    if not image:
        return HOST  # nothing to ask with: the mode that works everywhere
    found = s.runner.capture(argv.probe_ipvs(manager.host, image), timeout=120)
    if found.code not in (0, 1):
        console.warn(
            f"could not ask the manager for IPVS ({found.stderr.strip()[:120]}): host routing"
        )
        return HOST
    chosen = MESH if found.code == 0 else HOST
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(chosen)
    return chosen


def progress(states: list[converge.ServiceState]) -> str:
    return "  ".join(f"{st.name} {st.running}/{st.desired} {st.state}" for st in states)


def with_logs(
    s: Session, manager: Manager, stack: str, states: list[converge.ServiceState]
) -> list[converge.ServiceState]:
    """The last log lines of each service that did not converge."""
    from dataclasses import replace

    out = []
    for st in states:
        if st.state != "converged":
            found = s.runner.capture(
                argv.service_logs(manager.host, f"{stack}_{st.name}", tail="10"),
                timeout=30,
            )
            lines = (found.stdout + found.stderr).strip().splitlines()[-10:]
            st = replace(st, logs=tuple(lines))
        out.append(st)
    return out


def show(
    s: Session, states: list[converge.ServiceState], verdict: str, stack: str
) -> None:
    from rich.table import Table

    table = Table(title=f"{stack}: {verdict}", title_justify="left", box=None)
    for column in ("service", "replicas", "state", "nodes", "image"):
        table.add_column(column)
    for st in states:
        table.add_row(
            st.name,
            f"{st.running}/{st.desired}",
            st.state,
            ",".join(st.nodes),
            st.image.split("/")[-1][:60],
        )
    console.out().print(table)
    for st in states:
        for error in st.errors if st.state != "converged" else ():
            console.status(f"  {st.name}: task error: {error}")
        for line in st.logs:
            console.status(f"  {st.name} | {line}")


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
        show(s, states, converge.verdict(states) or "moving", s.settings.project)


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
    from dockhand.swarm import verdict

    manager = manager_of(s)
    client = manager.client(s.runner)
    stack = s.settings.project
    services = {
        svc.name.removeprefix(f"{stack}_"): svc.attrs
        for svc in client.services.list(
            filters={"label": f"{converge.NAMESPACE}={stack}"}
        )
    }
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
    import time

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
    services: Mapping[str, Mapping[str, Any]], names: list[str]
) -> tuple[list[str], list[str]]:
    """Pure: the services to roll back (`names`, else all) and those never
    updated (skipped when none was named). Nothing is rolled back when one
    cannot be: Swarm keeps one previous spec, and drops it when it rolls a
    failed update back itself (the service runs the spec from before it
    already; `docker service rollback` has nothing left to go back to)."""
    undone = sorted(
        name
        for name in names or services
        if "PreviousSpec" not in services[name]
        and str((services[name].get("UpdateStatus") or {}).get("State", "")).startswith(
            "rollback"
        )
    )
    if undone:
        raise DockhandError(
            f"{', '.join(undone)} was rolled back by Swarm after its last update "
            "failed: it runs the spec from before that update, and Swarm keeps none "
            "older (nothing was rolled back)",
            hint="deploy a fixed version with inv deploy"
            + ("" if names else "; roll other services back by name"),
        )
    never = sorted(n for n in names or services if "PreviousSpec" not in services[n])
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
    from dockhand.docker import process

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
        if not process.interactive():
            raise DockhandError(
                "removing the stack needs confirmation", hint="rerun with --yes"
            )
        if input("remove the stack? [y/N] ").strip().lower() not in ("y", "yes"):
            raise DockhandError("nothing removed", hint="", code=1)
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


def prune_contents(s: Session, manager: Manager, client: Any, stack: str) -> None:
    """Secrets and configs of this stack no service uses any more (each
    change of content made a new one)."""
    used: set[str] = set()
    for service in client.services.list(
        filters={"label": f"{converge.NAMESPACE}={stack}"}
    ):
        container = service.attrs["Spec"]["TaskTemplate"].get("ContainerSpec") or {}
        used |= {ref.get("SecretName") for ref in container.get("Secrets") or []}
        used |= {ref.get("ConfigName") for ref in container.get("Configs") or []}
    for kind, listing in (("secret", client.secrets), ("config", client.configs)):
        stale = [
            item.name
            for item in listing.list(filters={"label": f"{converge.NAMESPACE}={stack}"})
            if item.name not in used
        ]
        if stale:
            s.runner.capture(argv.remove(manager.host, kind, *stale), timeout=60)


def _networks_gone(client: Any, stack: str) -> bool:
    from docker.errors import APIError

    left = client.networks.list(filters={"label": f"{converge.NAMESPACE}={stack}"})
    for network in left:
        try:
            network.remove()
        except APIError:
            return False
    return True
