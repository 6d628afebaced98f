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

from dockhand.docker.jsondoc import JSON, JSONValue, as_json
from dockhand.docker.model import ComposeModel, Resource
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
LOCAL_DRIVERS = ("", "local")


@dataclass(frozen=True)
class Target:
    stack: str
    routing: str = MESH
    images: Mapping[str, str] = field(default_factory=dict)
    pins: Mapping[str, str] = field(default_factory=dict)
    contents: Mapping[str, str] = field(default_factory=dict)  # "secrets/KEY" -> sha256


@dataclass(frozen=True)
class Rendered:
    stack: JSON
    notes: list[Note]
    services: dict[str, JSON] = field(default_factory=dict)  # stack["services"]
    digests: Mapping[str, str] = field(default_factory=dict)  # SPEC_LABEL's

    @property
    def failures(self) -> list[Note]:
        return [n for n in self.notes if n.level == FAIL]

    def spec_digests(self) -> dict[str, str]:
        return dict(self.digests)


def render(model: ComposeModel, target: Target) -> Rendered:
    notes: list[Note] = []
    # A name Compose made up (PROJECT_KEY) is left to the stack to make.
    project = model.name or target.stack
    volumes, local = _volumes(model.volumes, project)
    translated = {}
    for name, svc in model.services.items():
        ctx = Context(
            stack=target.stack,
            routing=target.routing,
            image=target.images.get(name, ""),
            pin=target.pins.get(name, ""),
            local_volumes=local,
        )
        translated[name] = service(svc, ctx)
        notes += translated[name].notes
    top: JSON = {"networks": _networks(model.networks, project, notes)}
    if volumes:
        top["volumes"] = volumes
    for kind, entries in (("secrets", model.secrets), ("configs", model.configs)):
        if found := _contents(kind, entries, target, notes):
            top[kind] = found
    top = _escaped(top)
    services: dict[str, JSON] = {}
    digests = {}
    for name, svc in model.services.items():
        spec = _escaped(translated[name].spec)
        deploy = _escaped(translated[name].deploy)
        labels = deploy.get("labels")
        own = labels if isinstance(labels, dict) else {}
        deploy["labels"] = own  # where Compose had them, else last
        digests[name] = digest(spec, deploy, _used(svc.secrets, svc.configs, top))
        deploy["labels"] = {**own, SPEC_LABEL: digests[name]}
        services[name] = {**spec, "deploy": deploy}
    stack: JSON = {"version": VERSION, "services": dict(services), **top}
    return Rendered(stack, notes, services, digests)


def digest(spec: JSON, deploy: JSON, used: JSON) -> str:
    """sha256 of a service's spec (its own label aside) and of the networks,
    volumes, secrets and configs it uses, as they are rendered."""
    labels = deploy.get("labels")
    deploy = {
        **deploy,
        "labels": {k: v for k, v in labels.items() if k != SPEC_LABEL}
        if isinstance(labels, dict)
        else {},
    }
    body = json.dumps(
        {**spec, "deploy": deploy, "uses": used}, sort_keys=True, default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _used(secrets: tuple[str, ...], configs: tuple[str, ...], top: JSON) -> JSON:
    used: JSON = {}
    for kind, keys in (("secrets", secrets), ("configs", configs)):
        entries = top.get(kind)
        for key in keys:
            used[f"{kind}/{key}"] = (
                entries.get(key) if isinstance(entries, dict) else None
            )
    return used


def _volumes(
    volumes: Mapping[str, Resource], project: str
) -> tuple[JSON, frozenset[str]]:
    out: JSON = {}
    local = set()
    for key, volume in volumes.items():
        entry: JSON = {}
        if volume.external:
            entry = {"external": True, "name": volume.name or key}
        else:
            if volume.name and volume.name != f"{project}_{key}":
                entry["name"] = volume.name
            if volume.driver:
                entry["driver"] = volume.driver
            entry.update(_copied(volume, "driver_opts", "labels"))
            if volume.driver in LOCAL_DRIVERS:
                local.add(key)
        out[key] = entry or None
    return out, frozenset(local)


def _copied(resource: Resource, *keys: str) -> JSON:
    """The keys of `resource` that are set, as Compose gives them."""
    return {k: as_json(resource.raw[k]) for k in keys if resource.raw.get(k)}


def _networks(
    networks: Mapping[str, Resource], project: str, notes: list[Note]
) -> JSON:
    out: JSON = {}
    for key, network in {"default": Resource("default"), **networks}.items():
        if network.external:
            out[key] = {"external": True, "name": network.name or key}
            continue
        driver = network.driver or "overlay"
        if driver != "overlay":
            notes.append(
                Note("", WARN, f"network {key}: driver {driver} replaced by overlay")
            )
        entry: JSON = {"driver": "overlay", "attachable": True}
        if network.name and network.name != f"{project}_{key}":
            entry["name"] = network.name
        entry.update(_copied(network, "driver_opts", "labels", "internal"))
        out[key] = entry
    return out


def _contents(
    kind: str, entries: Mapping[str, Resource], target: Target, notes: list[Note]
) -> JSON:
    out: JSON = {}
    for key, entry in entries.items():
        if entry.external:
            out[key] = {"external": True, "name": entry.name or key}
        elif entry.file:
            sha = target.contents.get(f"{kind}/{key}", "")
            name = (
                f"{target.stack}_{key}_{sha[:12]}" if sha else f"{target.stack}_{key}"
            )
            out[key] = {"file": entry.file, "name": name}
        else:
            source = "environment" if entry.raw.get("environment") else "content"
            notes.append(
                Note(
                    "",
                    FAIL,
                    f"{kind[:-1]} {key} comes from its {source}: a stack takes a "
                    f"{kind[:-1]} from a file or an external one only",
                )
            )
    return out


def escape(value: JSONValue) -> JSONValue:
    """`docker stack deploy` interpolates ${VAR} again: every $ Compose left
    in a value (a password, a shell command) must reach the service as is."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, list):
        return [escape(v) for v in value]
    if isinstance(value, dict):
        return _escaped(value)
    return value


def _escaped(document: JSON) -> JSON:
    return {k: escape(v) for k, v in document.items()}


def problems(model: ComposeModel, stack: str) -> list[Note]:
    """What the translation would say of this model, whatever the cluster:
    the Swarm-compatibility check (`checks/swarm.py`) reads it."""
    built = {s.name: f"{stack}-{s.name}@sha256:0" for s in model.built()}
    return render(model, Target(stack, MESH, built)).notes
