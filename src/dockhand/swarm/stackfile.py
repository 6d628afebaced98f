"""Pure: Compose's merged model (with the production override) -> a stack
file for `docker stack deploy`, and a note for every key translated or
dropped (`services.Note`). Nothing here runs anything.

What it needs from outside the model comes in a `Target`: the stack's name,
the routing the cluster offers (`mesh`: virtual IPs and ingress ports;
`host`: `endpoint_mode: dnsrr` and host-mode ports, for clusters without
IPVS), the image each built service runs (pinned by digest), the node each
service with a local data volume is pinned to, and a digest of each file
secret and config (Swarm cannot change one once made, moby#35048, so each is
named after its content).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockhand.swarm.services import FAIL, HOST, MESH, WARN, Context, Note, service

__all__ = [
    "FAIL",
    "HOST",
    "MESH",
    "SPEC_LABEL",
    "WARN",
    "Note",
    "Rendered",
    "Target",
    "render",
]

# Each service carries the digest of its own rendered spec, so a redeploy
# that would change nothing can be seen to, and skipped (`inv deploy`).
SPEC_LABEL = "dockhand.spec"
VERSION = "3.9"  # the newest schema the 20.10 CLI reads; newer CLIs read it too
LOCAL_DRIVERS = (None, "", "local")


@dataclass(frozen=True)
class Target:
    stack: str
    routing: str = MESH
    images: Mapping[str, str] = field(default_factory=dict)
    pins: Mapping[str, str] = field(default_factory=dict)
    contents: Mapping[str, str] = field(default_factory=dict)  # "secrets/KEY" -> sha256


@dataclass(frozen=True)
class Rendered:
    stack: dict[str, Any]
    notes: list[Note]

    @property
    def failures(self) -> list[Note]:
        return [n for n in self.notes if n.level == FAIL]

    def spec_digests(self) -> dict[str, str]:
        return {
            name: spec["deploy"]["labels"][SPEC_LABEL]
            for name, spec in self.stack["services"].items()
        }


def render(model: Mapping[str, Any], target: Target) -> Rendered:
    notes: list[Note] = []
    # A name Compose made up (PROJECT_KEY) is left to the stack to make.
    project = str(model.get("name") or target.stack)
    volumes, local = _volumes(model.get("volumes") or {}, project)
    stack: dict[str, Any] = {"version": VERSION, "services": {}}
    for name, spec in (model.get("services") or {}).items():
        ctx = Context(
            stack=target.stack,
            routing=target.routing,
            image=target.images.get(name, ""),
            pin=target.pins.get(name, ""),
            local_volumes=local,
        )
        translated, found = service(name, spec, ctx)
        notes += found
        stack["services"][name] = translated
    stack["networks"] = _networks(model.get("networks") or {}, project, notes)
    if volumes:
        stack["volumes"] = volumes
    for kind in ("secrets", "configs"):
        if entries := _contents(kind, model.get(kind) or {}, target, notes):
            stack[kind] = entries
    stack = escape(stack)
    for spec in stack["services"].values():
        labels = spec["deploy"].setdefault("labels", {})
        labels[SPEC_LABEL] = digest(spec, _used(spec, stack))
    return Rendered(stack, notes)


def digest(spec: Mapping[str, Any], used: Mapping[str, Any]) -> str:
    """sha256 of a service's spec (its own label aside) and of the networks,
    volumes, secrets and configs it uses, as they are rendered."""
    deploy = dict(spec.get("deploy") or {})
    deploy["labels"] = {
        k: v for k, v in (deploy.get("labels") or {}).items() if k != SPEC_LABEL
    }
    body = json.dumps(
        {**spec, "deploy": deploy, "uses": used}, sort_keys=True, default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _used(spec: Mapping[str, Any], stack: Mapping[str, Any]) -> dict[str, Any]:
    used: dict[str, Any] = {}
    for kind in ("secrets", "configs"):
        for ref in spec.get(kind) or []:
            key = ref if isinstance(ref, str) else ref.get("source")
            used[f"{kind}/{key}"] = (stack.get(kind) or {}).get(key)
    return used


def _volumes(
    volumes: Mapping[str, Any], project: str
) -> tuple[dict[str, Any], frozenset[str]]:
    out: dict[str, Any] = {}
    local = set()
    for key, volume in volumes.items():
        volume = dict(volume or {})
        entry: dict[str, Any] = {}
        if volume.get("external"):
            entry = {"external": True, "name": volume.get("name") or key}
        else:
            if volume.get("name") and volume["name"] != f"{project}_{key}":
                entry["name"] = volume["name"]
            for k in ("driver", "driver_opts", "labels"):
                if volume.get(k):
                    entry[k] = volume[k]
            if volume.get("driver") in LOCAL_DRIVERS:
                local.add(key)
        out[key] = entry or None
    return out, frozenset(local)


def _networks(
    networks: Mapping[str, Any], project: str, notes: list[Note]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, network in {"default": {}, **networks}.items():
        network = dict(network or {})
        if network.get("external"):
            out[key] = {"external": True, "name": network.get("name") or key}
            continue
        driver = network.get("driver") or "overlay"
        if driver != "overlay":
            notes.append(
                Note("", WARN, f"network {key}: driver {driver} replaced by overlay")
            )
        entry: dict[str, Any] = {"driver": "overlay", "attachable": True}
        if network.get("name") and network["name"] != f"{project}_{key}":
            entry["name"] = network["name"]
        for k in ("driver_opts", "labels", "internal"):
            if network.get(k):
                entry[k] = network[k]
        out[key] = entry
    return out


def _contents(
    kind: str, entries: Mapping[str, Any], target: Target, notes: list[Note]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, entry in entries.items():
        entry = dict(entry or {})
        if entry.get("external"):
            out[key] = {"external": True, "name": entry.get("name") or key}
        elif entry.get("file"):
            sha = target.contents.get(f"{kind}/{key}", "")
            name = (
                f"{target.stack}_{key}_{sha[:12]}" if sha else f"{target.stack}_{key}"
            )
            out[key] = {"file": entry["file"], "name": name}
        else:
            source = "environment" if entry.get("environment") else "content"
            notes.append(
                Note(
                    "",
                    FAIL,
                    f"{kind[:-1]} {key} comes from its {source}: a stack takes a "
                    f"{kind[:-1]} from a file or an external one only",
                )
            )
    return out


def escape(value: Any) -> Any:
    """`docker stack deploy` interpolates ${VAR} again: every $ Compose left
    in a value (a password, a shell command) must reach the service as is."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, list):
        return [escape(v) for v in value]
    if isinstance(value, Mapping):
        return {k: escape(v) for k, v in value.items()}
    return value


def problems(model: Mapping[str, Any], stack: str) -> list[Note]:
    """What the translation would say of this model, whatever the cluster:
    the Swarm-compatibility check (`checks/swarm.py`) reads it."""
    built = {
        name: f"{stack}-{name}@sha256:0"
        for name, s in (model.get("services") or {}).items()
        if "build" in s
    }
    return render(model, Target(stack, MESH, built)).notes
