"""The manager's inspect data, parsed once at the edge: services, their
tasks and the nodes, as docker-py hands them over (`.attrs`, `.tasks()`),
into frozen records the rest of swarm/ reads by name. A key the engine left
out reads as empty (0, "", ()), as the docker CLI reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The label `docker stack deploy` puts on everything of a stack.
NAMESPACE = "com.docker.stack.namespace"


def dig(data: object, *keys: str) -> object:
    """data[k1][k2]...; None where a key is missing or a value is null."""
    for key in keys:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def _text(data: object, *keys: str) -> str:
    found = dig(data, *keys)
    return "" if found is None else str(found)


def _list(data: object, *keys: str) -> list[object]:
    found = dig(data, *keys)
    return list(found) if isinstance(found, list | tuple) else []


def _strings(data: object, *keys: str) -> dict[str, str]:
    found = dig(data, *keys)
    return (
        {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}
    )


def _bare(spec: object) -> dict[str, object]:
    """A task's spec as Swarm compares it with its service's (swarmkit's
    IsTaskDirty): the template itself; the task also says its runtime."""
    if not isinstance(spec, Mapping):
        return {}
    return {str(k): v for k, v in spec.items() if k != "Runtime"}


REPLICATED, JOB, GLOBAL = "replicated", "job", "global"


@dataclass(frozen=True)
class Service:
    name: str  # as the stack names it (STACK_SERVICE), unless parsed with another
    image: str
    mode: str  # REPLICATED, JOB or GLOBAL
    wanted: int  # replicas, or a job's completions (GLOBAL: 0, its tasks say)
    template: Mapping[str, object]  # the task template, as tasks are compared
    update: str = ""  # UpdateStatus.State
    message: str = ""  # UpdateStatus.Message
    version: int = 0
    has_previous: bool = False  # a PreviousSpec to roll back to
    labels: Mapping[str, str] = field(default_factory=dict)
    constraints: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    networks: tuple[str, ...] = ()  # network ids, in order
    secrets: tuple[str, ...] = ()  # the names used
    configs: tuple[str, ...] = ()

    @property
    def stack(self) -> str:
        return self.labels.get(NAMESPACE, "")


@dataclass(frozen=True)
class Task:
    id: str
    node: str  # its NodeID ("None" when it has none yet)
    desired: str  # DesiredState
    state: str  # Status.State
    timestamp: str
    detail: str  # Status.Err, else .Message, else .State
    exit_code: int | None
    container: str  # ContainerStatus.ContainerID
    version: int | None  # None: not said (counts as changed)
    spec: Mapping[str, object] = field(default_factory=dict)

    @property
    def error(self) -> str:
        code = self.exit_code
        if code not in (None, 0) and "exit" not in self.detail:
            return f"{self.detail} (exit {code})"
        return self.detail


@dataclass(frozen=True)
class Node:
    id: str
    hostname: str
    away: str  # why it takes no tasks: "drained", "down", or ""


def service(attrs: Mapping[str, object], name: str = "") -> Service:
    """A service's inspect data; `name`: what to call it instead."""
    spec = attrs.get("Spec")
    mode = dig(spec, "Mode")
    if isinstance(mode, Mapping) and "Replicated" in mode:
        replicas = dig(mode, "Replicated", "Replicas")
        kind, wanted = REPLICATED, 1 if replicas is None else replicas
    elif isinstance(mode, Mapping) and "ReplicatedJob" in mode:
        kind, wanted = JOB, dig(mode, "ReplicatedJob", "TotalCompletions") or 1
    else:
        kind, wanted = GLOBAL, 0
    container = dig(spec, "TaskTemplate", "ContainerSpec")
    version = dig(attrs, "Version", "Index")
    return Service(
        name=name or _text(spec, "Name"),
        image=_text(container, "Image"),
        mode=kind,
        wanted=int(str(wanted)),
        template=_bare(dig(spec, "TaskTemplate")),
        update=_text(attrs, "UpdateStatus", "State"),
        message=_text(attrs, "UpdateStatus", "Message"),
        version=int(str(version)) if version is not None else 0,
        has_previous="PreviousSpec" in attrs,
        labels=_strings(spec, "Labels"),
        constraints=tuple(
            str(c) for c in _list(spec, "TaskTemplate", "Placement", "Constraints")
        ),
        environment=dict(
            str(entry).partition("=")[::2] for entry in _list(container, "Env")
        ),
        networks=tuple(
            str(dig(n, "Target")) for n in _list(spec, "TaskTemplate", "Networks")
        ),
        secrets=tuple(_text(ref, "SecretName") for ref in _list(container, "Secrets")),
        configs=tuple(_text(ref, "ConfigName") for ref in _list(container, "Configs")),
    )


def task(data: Mapping[str, object]) -> Task:
    status = data.get("Status")
    detail = dig(status, "Err") or dig(status, "Message") or dig(status, "State")
    code = dig(status, "ContainerStatus", "ExitCode")
    version = dig(data, "Version", "Index")
    return Task(
        id=_text(data, "ID"),
        node=str(data.get("NodeID")),
        desired=_text(data, "DesiredState"),
        state=_text(status, "State"),
        timestamp=str(dig(status, "Timestamp")),
        detail=str(detail),
        exit_code=None if code is None else int(str(code)),
        container=_text(status, "ContainerStatus", "ContainerID"),
        version=None if version is None else int(str(version)),
        spec=_bare(data.get("Spec")),
    )


def node(attrs: Mapping[str, object]) -> Node:
    return Node(
        _text(attrs, "ID"), _text(attrs, "Description", "Hostname"), absence(attrs)
    )


def absence(attrs: Mapping[str, object]) -> str:
    """Why a node (its inspect data) runs no tasks: "drained", "down", or ""."""
    if (dig(attrs, "Spec", "Availability") or "active") == "drain":
        return "drained"
    if (dig(attrs, "Status", "State") or "ready") in ("down", "disconnected"):
        return "down"
    return ""
