"""The verdict of `inv deploy` and `inv cluster rollback`: the wait for the
engine to say converged, rolled back or paused (or the deadline), then the
table or the JSON, and the verdict's exit code (swarm.converge.EXIT_CODES).
The table is `inv cluster ps`'s too; once the stack converged, the secrets
and configs no service uses any more are removed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import argv, converge, inspected
from dockhand.swarm.endpoint import Manager
from dockhand.ui import console

if TYPE_CHECKING:
    from docker import DockerClient


def report(
    s: Session,
    manager: Manager,
    client: DockerClient,
    stack: str,
    before: dict[str, int],
    timeout: float,
    as_json: bool,
    started: float,
    decide: Callable[[list[converge.ServiceState]], str | None] = converge.verdict,
) -> int:
    found, states, seen = converge.wait(
        client,
        lambda: converge.read(client, stack, before),
        decide,
        timeout,
        on_change=lambda st: console.status("  " + progress(st)),
    )
    elapsed = seen - started
    if found != converge.CONVERGED:
        states = with_logs(s, manager, stack, states)
    if found == converge.CONVERGED:
        prune_contents(s, manager, client, stack)
    if as_json:
        console.print_data(
            json.dumps(
                {
                    "verdict": found,
                    "stack": stack,
                    "endpoint": manager.host,
                    "seconds": round(elapsed, 2),
                    "services": [st.as_dict() for st in states],
                },
                indent=2,
            )
        )
    else:
        show(states, found, stack)
    if found == converge.CONVERGED:
        console.ok(f"{stack} converged in {elapsed:.1f} s")
    else:
        console.error(
            DockhandError(
                f"deploy {found.replace('_', ' ')}: "
                + ", ".join(st.name for st in states if st.state != "converged")
                + "".join(f" ({st.errors[0]})" for st in states if st.errors[:1])[:300],
                hint="`inv cluster ps`, `inv cluster logs SERVICE`; docs/deploy.md#when-a-deploy-fails",
            )
        )
    return converge.EXIT_CODES[found]


def progress(states: list[converge.ServiceState]) -> str:
    return "  ".join(f"{st.name} {st.running}/{st.desired} {st.state}" for st in states)


def with_logs(
    s: Session, manager: Manager, stack: str, states: list[converge.ServiceState]
) -> list[converge.ServiceState]:
    """The last log lines of each service that did not converge."""
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


def show(states: list[converge.ServiceState], verdict: str, stack: str) -> None:
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


def prune_contents(
    s: Session, manager: Manager, client: DockerClient, stack: str
) -> None:
    """Secrets and configs of this stack no service uses any more (each
    change of content made a new one)."""
    used: set[str] = set()
    for found in client.services.list(
        filters={"label": f"{converge.NAMESPACE}={stack}"}
    ):
        service = inspected.service(found.attrs)
        used |= {*service.secrets, *service.configs}
    for kind, listing in (("secret", client.secrets), ("config", client.configs)):
        stale = [
            item.name
            for item in listing.list(filters={"label": f"{converge.NAMESPACE}={stack}"})
            if item.name not in used
        ]
        if stale:
            s.runner.capture(argv.remove(manager.host, kind, *stale), timeout=60)
