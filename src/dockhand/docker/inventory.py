"""Pure: every Compose project on the engine, gathered from what the docker
CLI reports (containers' and volumes' labels) and the checkouts `inv setup`
recorded; and the argv that removes a gone checkout's leftovers.

Compose labels each container with its project's folder
(com.docker.compose.project.working_dir) and files (.config_files);
volumes and networks carry only the project's name, so a project whose
containers are gone is placed by dockhand's record of checkouts, or not at
all (and then never removed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dockhand.docker.states import Container

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"


@dataclass
class Project:
    name: str
    path: str = ""  # the checkout's folder, when known
    config_files: str = ""
    exists: bool | None = None  # None: the folder is not known
    dockhand: bool = False  # `inv setup` named this checkout
    containers: list[str] = field(default_factory=list)  # ids
    running: int = 0
    ports: set[int] = field(default_factory=set)
    volumes: dict[str, int] = field(default_factory=dict)  # name -> bytes, -1 unknown
    networks: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    services: set[str] = field(default_factory=set)

    @property
    def state(self) -> str:
        if not self.containers:
            return "no containers"
        if self.running == len(self.containers):
            return f"running ({self.running})"
        if self.running:
            return f"running {self.running} of {len(self.containers)}"
        return f"stopped ({len(self.containers)})"

    @property
    def gone(self) -> bool:
        """Its checkout is known and no longer exists: only then is it a leftover."""
        return self.exists is False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path or None,
            "exists": self.exists,
            "dockhand": self.dockhand,
            "state": self.state,
            "containers": len(self.containers),
            "running": self.running,
            "ports": sorted(self.ports),
            "volumes": [
                {"name": k, "size": v if v >= 0 else None}
                for k, v in sorted(self.volumes.items())
            ],
            "networks": sorted(self.networks),
            "images": sorted(self.images),
        }


def parse_labels(text: str) -> dict[str, str]:
    """`docker ... ls --format {{.Labels}}`: k=v pairs joined by commas."""
    return dict(pair.split("=", 1) for pair in text.split(",") if "=" in pair)


def gather(
    containers: Iterable[Container],
    volumes: Iterable[tuple[str, str]],
    networks: Iterable[tuple[str, str]],
    images: Iterable[str],
    recorded: Mapping[str, str],
    sizes: Mapping[str, int],
    exists: Callable[[str], bool] | None = None,
) -> list[Project]:
    """Every project: `containers` as `docker inspect` gives them (parsed:
    states.container_of), volumes
    and networks as (name, labels text), image tags as REPOSITORY:TAG."""
    found: dict[str, Project] = {}

    def project(name: str) -> Project:
        return found.setdefault(name, Project(name))

    for item in containers:
        labels = item.labels
        name = labels.get(PROJECT)
        if not name:
            continue
        p = project(name)
        p.path = p.path or labels.get(WORKING_DIR, "")
        p.config_files = p.config_files or labels.get(CONFIG_FILES, "")
        p.containers.append(item.id)
        if labels.get(SERVICE):
            p.services.add(labels[SERVICE])
        p.running += item.running
        p.ports.update(item.host_ports)
    for volume, labels_text in volumes:
        name = parse_labels(labels_text).get(PROJECT)
        if name:
            project(name).volumes[volume] = sizes.get(volume, -1)
    for network, labels_text in networks:
        name = parse_labels(labels_text).get(PROJECT)
        if name:
            project(name).networks.append(network)
    for name, path in recorded.items():
        if name in found:
            found[name].dockhand = True
            found[name].path = found[name].path or path
    for p in found.values():
        if p.path:
            p.exists = (exists or folder_exists)(p.path)
    for tag in images:
        repository = tag.rsplit(":", 1)[0]
        for p in found.values():
            # Compose names an image it builds PROJECT-SERVICE.
            if p.gone and repository in {f"{p.name}-{s}" for s in p.services}:
                p.images.append(tag)
    return sorted(found.values(), key=lambda p: p.name)


def folder_exists(path: str) -> bool:
    """False only when the folder is certainly gone; a folder that cannot be
    looked at (no permission) counts as there, so it is never a leftover."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def removal_argv(p: Project, *, volumes: bool) -> list[list[str]]:
    """The commands that remove a gone checkout's leftovers, in order."""
    argv = []
    if p.containers:
        rm = ["docker", "container", "rm", "--force"]
        argv.append([*rm, *(["--volumes"] if volumes else []), *p.containers])
    if p.networks:
        argv.append(["docker", "network", "rm", *sorted(p.networks)])
    if p.images:
        argv.append(["docker", "image", "rm", *sorted(p.images)])
    if volumes and p.volumes:
        argv.append(["docker", "volume", "rm", *sorted(p.volumes)])
    return argv


LIST_VOLUMES = ["docker", "volume", "ls", "--format", "{{.Name}}\t{{.Labels}}"]
LIST_NETWORKS = ["docker", "network", "ls", "--format", "{{.Name}}\t{{.Labels}}"]
LIST_IMAGES = ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]


def pairs(text: str) -> list[tuple[str, str]]:
    return [
        (line.partition("\t")[0], line.partition("\t")[2])
        for line in text.splitlines()
        if line.strip()
    ]
