"""The verdict of `inv deploy` and `inv cluster rollback`: the wait for the
engine to say converged, rolled back or paused (or the deadline), then the
table or the JSON, and the verdict's exit code (swarm.converge.EXIT_CODES)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dockhand.commands import cluster
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import converge
from dockhand.swarm.endpoint import Manager
from dockhand.ui import console


def report(
    s: Session,
    manager: Manager,
    client: Any,
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
        on_change=lambda st: console.status("  " + cluster.progress(st)),
    )
    elapsed = seen - started
    if found != converge.CONVERGED:
        states = cluster.with_logs(s, manager, stack, states)
    if found == converge.CONVERGED:
        cluster.prune_contents(s, manager, client, stack)
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
        cluster.show(s, states, found, stack)
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
