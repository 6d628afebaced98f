"""A project left with two networks of one name (two `docker compose up` at
once, before the project lock) makes every later `up` fail with "network
... is ambiguous". `inv up` repairs it: the empty duplicates are removed,
one line each. Deciding is pure; the docker CLI lists, inspects, removes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dockhand.docker.process import Runner
from dockhand.docker.states import PROJECT
from dockhand.errors import DockhandError
from dockhand.ui import console


def ls_argv(project: str) -> list[str]:
    return [
        "docker",
        "network",
        "ls",
        "--quiet",
        "--no-trunc",
        "--filter",
        f"label={PROJECT}={project}",
    ]


def inspect_argv(ids: Iterable[str]) -> list[str]:
    return ["docker", "network", "inspect", *ids]


def rm_argv(ids: Iterable[str]) -> list[str]:
    return ["docker", "network", "rm", *ids]


@dataclass(frozen=True)
class Duplicate:
    name: str
    keep: str  # the id kept
    remove: tuple[str, ...]  # empty duplicates
    busy: tuple[str, ...] = ()  # more than one in use: nothing to decide


def duplicates(inspected: list[dict[str, Any]]) -> list[Duplicate]:
    """Pure: for each name held by more than one network, the one to keep
    (the one containers use, else the oldest) and the empty ones to remove."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for network in inspected:
        by_name.setdefault(str(network.get("Name", "")), []).append(network)
    found = []
    for name, group in sorted(by_name.items()):
        if len(group) < 2:
            continue
        used = [n for n in group if n.get("Containers")]
        if len(used) > 1:
            found.append(Duplicate(name, "", (), tuple(str(n["Id"]) for n in used)))
            continue
        oldest = sorted(group, key=lambda n: str(n.get("Created", "")))
        keep = used[0] if used else oldest[0]
        remove = tuple(str(n["Id"]) for n in oldest if n is not keep)
        found.append(Duplicate(name, str(keep["Id"]), remove))
    return found


def repair(runner: Runner, project: str, ids: list[str] | None = None) -> None:
    """Remove the empty duplicates of the project's networks, saying so.
    `ids`: the project's networks when the caller has listed them already
    (`inv up` asks the engine's API, no process); else `docker network ls`."""
    if ids is None:
        listed = runner.capture(ls_argv(project), timeout=30)
        ids = listed.stdout.split() if listed.ok else []
    if len(ids) < 2:
        return  # one network or none: nothing to repair (Compose reports the rest)
    inspected = runner.capture(inspect_argv(ids), timeout=30)
    try:
        networks = json.loads(inspected.stdout or "[]")
    except ValueError:
        return
    for dup in duplicates(networks):
        if dup.busy:
            raise DockhandError(
                f"{len(dup.busy)} networks are named {dup.name} and containers "
                "use each of them",
                hint="stop the stack with `inv down` (it removes them all), then `inv up`",
            )
        short = ", ".join(i[:12] for i in dup.remove)
        console.warn(
            f"removing the empty duplicate network {dup.name} ({short}); "
            f"keeping {dup.keep[:12]}"
        )
        with open(os.devnull, "wb") as quiet:  # rm prints each id
            code = runner.run(rm_argv(dup.remove), stdout=quiet).code
        if code != 0:
            raise DockhandError(
                f"could not remove the duplicate network {dup.name} ({short})",
                hint=f"remove it with `docker network rm {dup.remove[0][:12]}`",
            )
