"""Pure: one service of Compose's merged model as a Swarm service.

Compose's model (`docker compose config --format json`) is not valid stack
input (compose#13459): ports come out as strings (docker/cli#1073), keys
Swarm ignores or rejects are there, `restart` and `depends_on` mean nothing
to Swarm. Each thing translated or dropped gives a `Note`: a warning when
the stack still does what the file says, a failure when it would not.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockhand.docker.jsondoc import JSON, JSONValue, as_json, mapping
from dockhand.docker.model import Mount, Port, Service
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


@dataclass(frozen=True)
class Translated:
    spec: JSON  # the stack file's service, its deploy: aside
    deploy: JSON
    notes: list[Note]


def service(svc: Service, ctx: Context) -> Translated:
    name = svc.name
    notes: list[Note] = []

    def note(level: str, message: str) -> None:
        notes.append(Note(name, level, message))

    out: JSON = {}
    for key, value in svc.raw.items():
        if value is None or key in SILENT or key.startswith("x-"):
            continue
        if key in KEPT:
            out[key] = as_json(value)
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
        if svc.build is not None:
            note(WARN, "build replaced by the image built and pushed by `inv deploy`")
    elif svc.image is None:
        note(FAIL, "no image: nothing builds it and it names none")
    else:
        note(WARN, f"image {svc.image} is not built here: it is not pinned by digest")
    if svc.depends_on:
        conditions = [f"{k}: {d.condition}" for k, d in svc.depends_on.items()]
        note(
            WARN,
            f"depends_on ({', '.join(conditions)}) dropped: Swarm starts services in "
            "no order; `inv deploy` deploys the database first, and the service "
            "must retry its connections",
        )
    ports, port_notes = _ports(svc.ports, ctx.routing)
    for message in port_notes:
        note(WARN, message)
    if ports:
        out["ports"] = ports
    # `docker stack deploy` drops the short tmpfs: form without a word: as
    # tmpfs mounts, a read-only service still gets its scratch space.
    volumes, volume_notes, local = _volumes([*svc.volumes, *_tmpfs(svc.tmpfs)], ctx)
    notes.extend(Note(name, level, message) for level, message in volume_notes)
    if volumes:
        out["volumes"] = volumes
    out["networks"] = _networks(svc)
    host_ports = bool(ports) and ctx.routing == HOST
    deploy = rollout.deploy(svc, ctx.routing, ctx.pin, host_ports, local, note)
    return Translated(out, deploy, notes)


def _ports(ports: tuple[Port, ...], routing: str) -> tuple[list[JSONValue], list[str]]:
    """Published ports as integers, in the mode the cluster offers."""
    out: list[JSONValue] = []
    notes = []
    mode = "host" if routing == HOST else "ingress"
    for port in ports:
        if port.host_ip:
            notes.append(
                f"port {port.published or None}:{port.target} bound to "
                f"{port.host_ip} dropped: a Swarm port cannot be bound to one address"
            )
            continue
        entry: JSON = {"target": port.target, "mode": mode}
        if port.published.isdigit():
            entry["published"] = int(port.published)
        elif port.published:
            notes.append(
                f"port range {port.published} dropped: publish each port on its own"
            )
            continue
        entry["protocol"] = port.protocol
        out.append(entry)
    return out, notes


def _volumes(
    volumes: list[Mount], ctx: Context
) -> tuple[list[JSONValue], list[tuple[str, str]], bool]:
    out: list[JSONValue] = []
    notes, local = [], False
    for volume in volumes:
        if volume.type == "bind":
            notes.append(
                (
                    FAIL,
                    f"bind mount {volume.source} -> {volume.target}: the path would "
                    "have to exist on every node; use a volume or a config",
                )
            )
            continue
        entry: JSON = {
            k: v
            for k, v in (
                ("type", volume.type),
                ("source", volume.source),
                ("target", volume.target),
            )
            if v
        }
        if volume.read_only:
            entry["read_only"] = True
        if volume.type == "volume" and volume.nocopy:
            entry["volume"] = {"nocopy": True}
        if volume.type == "tmpfs" and (size := volume.tmpfs_size):
            entry["tmpfs"] = {"size": int(size) if size.isdigit() else size}
        if volume.type == "volume" and volume.source in ctx.local_volumes:
            local = True
        out.append(entry)
    return out, notes, local


def _tmpfs(paths: tuple[str, ...]) -> list[Mount]:
    mounts = []
    for path in paths:
        target, _, options = path.partition(":")
        size = ""
        for option in options.split(","):
            if option.startswith("size="):
                size = option[5:]
        mounts.append(Mount("tmpfs", "", target, tmpfs_size=size))
    return mounts


def _networks(svc: Service) -> JSON:
    if not svc.networks:
        return {"default": None}
    given = mapping(svc.raw.get("networks"))
    return {
        key: {
            k: as_json(v)
            for k, v in mapping(given.get(key)).items()
            if k in ("aliases", "ipv4_address")
        }
        or None
        for key in svc.networks
    }
