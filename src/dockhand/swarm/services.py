"""Pure: one service of Compose's merged model as a Swarm service.

Compose's model (`docker compose config --format json`) is not valid stack
input (compose#13459): ports come out as strings (docker/cli#1073), keys
Swarm ignores or rejects are there, `restart` and `depends_on` mean nothing
to Swarm. Each thing translated or dropped gives a `Note`: a warning when
the stack still does what the file says, a failure when it would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockhand.swarm import rollout
from dockhand.swarm.rollout import HOST as HOST
from dockhand.swarm.rollout import WARN as WARN

FAIL, MESH = "fail", "mesh"


@dataclass(frozen=True)
class Note:
    """What the translation did to one key, as one line."""

    service: str  # "" for a top-level key
    level: str  # WARN or FAIL
    message: str

    def __str__(self) -> str:
        return f"{self.service}: {self.message}" if self.service else self.message


# Keys of a 3.9 stack file's service that Swarm honours, kept as they are.
KEPT = frozenset(
    {
        "cap_add",
        "cap_drop",
        "command",
        "configs",
        "credential_spec",
        "dns",
        "dns_search",
        "domainname",
        "entrypoint",
        "environment",
        "expose",
        "extra_hosts",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "isolation",
        "labels",
        "logging",
        "read_only",
        "secrets",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "sysctls",
        "tty",
        "ulimits",
        "user",
        "working_dir",
    }
)
# Handled below (translated, merged or checked).
HANDLED = frozenset(
    {
        "build",
        "deploy",
        "networks",
        "ports",
        "restart",
        "volumes",
        "depends_on",
        "tmpfs",
    }
)
# Dropped without a word: Compose's own bookkeeping, already applied.
SILENT = frozenset({"profiles", "env_file", "pull_policy", "develop", "scale"})
# Swarm would run the service without what these ask for.
REFUSED = {
    "network_mode": "network_mode has no Swarm equivalent (a service joins overlay networks)",
    "privileged": "privileged containers are not possible in a Swarm service",
    "devices": "devices cannot be given to a Swarm service",
    "volumes_from": "volumes_from has no Swarm equivalent: share a named volume",
    "ipc": "ipc modes cannot be set on a Swarm service",
    "pid": "pid modes cannot be set on a Swarm service",
}


@dataclass(frozen=True)
class Context:
    """What the service is translated for (everything outside the model)."""

    stack: str
    routing: str  # MESH or HOST
    image: str  # the pinned reference, or "" when nothing was built for it
    pin: str  # the node hostname its local volumes live on, or ""
    local_volumes: frozenset[str]  # top-level volume keys on a local driver


def service(
    name: str, spec: Mapping[str, Any], ctx: Context
) -> tuple[dict[str, Any], list[Note]]:
    notes: list[Note] = []

    def note(level: str, message: str) -> None:
        notes.append(Note(name, level, message))

    out: dict[str, Any] = {}
    for key, value in spec.items():
        if value is None or key in SILENT or key.startswith("x-"):
            continue
        if key in KEPT:
            out[key] = value
        elif key in REFUSED:
            if value not in (False, [], {}, ""):
                note(FAIL, f"{key}: {REFUSED[key]}")
        elif key == "container_name":
            note(WARN, "container_name dropped: Swarm names each task itself")
        elif key == "links":
            note(
                WARN,
                "links dropped: services reach each other by name on the stack network",
            )
        elif key in rollout.RESOURCES:
            pass  # merged into deploy below
        elif key not in HANDLED:
            note(WARN, f"{key} dropped: a Swarm service does not take it")

    if ctx.image:
        out["image"] = ctx.image
        if "build" in spec:
            note(WARN, "build replaced by the image built and pushed by `inv deploy`")
    elif "image" not in spec:
        note(FAIL, "no image: nothing builds it and it names none")
    else:
        note(
            WARN, f"image {spec['image']} is not built here: it is not pinned by digest"
        )
    if conditions := _conditions(spec.get("depends_on")):
        note(
            WARN,
            f"depends_on ({', '.join(conditions)}) dropped: Swarm starts services in "
            "no order; `inv deploy` deploys the database first, and the service "
            "must retry its connections",
        )
    ports, port_notes = _ports(spec.get("ports") or [], ctx.routing)
    for message in port_notes:
        note(WARN, message)
    if ports:
        out["ports"] = ports
    # `docker stack deploy` drops the short tmpfs: form without a word: as
    # tmpfs mounts, a read-only service still gets its scratch space.
    tmpfs = spec.get("tmpfs") or []
    mounts = [
        *(spec.get("volumes") or []),
        *_tmpfs(tmpfs if isinstance(tmpfs, list) else [tmpfs]),
    ]
    volumes, volume_notes, local = _volumes(mounts, ctx)
    notes.extend(Note(name, level, message) for level, message in volume_notes)
    if volumes:
        out["volumes"] = volumes
    out["networks"] = _networks(spec.get("networks"))
    host_ports = bool(ports) and ctx.routing == HOST
    out["deploy"] = rollout.deploy(
        name, spec, ctx.routing, ctx.pin, host_ports, local, note
    )
    return out, notes


def _conditions(depends_on: Any) -> list[str]:
    if isinstance(depends_on, Mapping):
        return [
            f"{k}: {(v or {}).get('condition', 'service_started')}"
            for k, v in depends_on.items()
        ]
    return [str(d) for d in depends_on or []]


def _ports(ports: list[Any], routing: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Published ports as integers, in the mode the cluster offers."""
    out, notes = [], []
    mode = "host" if routing == HOST else "ingress"
    for port in ports:
        if not isinstance(port, Mapping):
            notes.append(f"port {port!r} dropped: not in Compose's long form")
            continue
        if port.get("host_ip"):
            notes.append(
                f"port {port.get('published')}:{port.get('target')} bound to "
                f"{port['host_ip']} dropped: a Swarm port cannot be bound to one address"
            )
            continue
        entry: dict[str, Any] = {"target": int(port["target"]), "mode": mode}
        published = str(port.get("published") or "")
        if published.isdigit():
            entry["published"] = int(published)
        elif published:
            notes.append(
                f"port range {published} dropped: publish each port on its own"
            )
            continue
        entry["protocol"] = port.get("protocol") or "tcp"
        out.append(entry)
    return out, notes


def _volumes(
    volumes: list[Any], ctx: Context
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], bool]:
    out, notes, local = [], [], False
    for volume in volumes:
        if not isinstance(volume, Mapping):
            notes.append(
                (WARN, f"volume {volume!r} dropped: not in Compose's long form")
            )
            continue
        kind = volume.get("type")
        if kind == "bind":
            notes.append(
                (
                    FAIL,
                    f"bind mount {volume.get('source')} -> {volume.get('target')}: the "
                    "path would have to exist on every node; use a volume or a config",
                )
            )
            continue
        entry = {
            k: v
            for k, v in volume.items()
            if k in ("type", "source", "target", "read_only")
        }
        if kind == "volume" and (volume.get("volume") or {}).get("nocopy"):
            entry["volume"] = {"nocopy": True}
        if kind == "tmpfs" and (size := (volume.get("tmpfs") or {}).get("size")):
            entry["tmpfs"] = {"size": int(size) if str(size).isdigit() else size}
        if kind == "volume" and volume.get("source") in ctx.local_volumes:
            local = True
        out.append(entry)
    return out, notes, local


def _tmpfs(paths: list[str]) -> list[dict[str, Any]]:
    mounts = []
    for path in paths:
        target, _, options = str(path).partition(":")
        mount: dict[str, Any] = {"type": "tmpfs", "target": target}
        for option in options.split(","):
            if option.startswith("size="):
                mount["tmpfs"] = {"size": option[5:]}
        mounts.append(mount)
    return mounts


def _networks(networks: Any) -> dict[str, Any]:
    if not networks:
        return {"default": None}
    if isinstance(networks, list):
        return dict.fromkeys(networks)
    return {
        key: {
            k: v for k, v in (value or {}).items() if k in ("aliases", "ipv4_address")
        }
        or None
        for key, value in networks.items()
    }
