"""The project's containers and images as the docker CLI sees them
(`docker ps`, then `docker inspect`), for commands that only look: the same
inspect data the SDK gives, without importing it (about 0.12 s of requests
and urllib3). The reads of the daily commands ask the engine's socket first
(engine_socket: the same JSON, no process), and the CLI when that is not
the CLI's own endpoint or does not answer. The wait for health, which needs
the engine's events, uses the SDK (engine.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any

from dockhand.docker import engine_socket
from dockhand.docker.engine_socket import Reader
from dockhand.docker.process import Runner
from dockhand.docker.states import ONEOFF, PROJECT, SERVICE, ServiceState, state_of


def version_argv(docker: str = "docker") -> list[str]:
    """Pure: the docker CLI's own version (`docker` may be a path)."""
    return [docker, "--version"]


def buildx_version() -> list[str]:
    """Pure: whether the buildx plugin answers (Compose builds with BuildKit
    through it; without it, the classic builder)."""
    return ["docker", "buildx", "version"]


def ps_filters(
    project: str, services: Iterable[str] = (), *, running: bool = False
) -> dict[str, list[str]]:
    """Pure: what picks the project's service containers (not one-offs),
    those of one service when one is named, only running ones if asked."""
    labels = [f"{PROJECT}={project}", f"{ONEOFF}=False"]
    wanted = sorted(set(services))
    if len(wanted) == 1:
        labels.append(f"{SERVICE}={wanted[0]}")
    return {"label": labels, **({"status": ["running"]} if running else {})}


def _filter_words(filters: dict[str, list[str]]) -> list[str]:
    return [
        word
        for k, vs in filters.items()
        for v in vs
        for word in ("--filter", f"{k}={v}")
    ]


def ps_argv(project: str, services: Iterable[str] = ()) -> list[str]:
    """Pure: the ids of the project's service containers (not one-offs)."""
    argv = ["docker", "ps", "--all", "--quiet", "--no-trunc"]
    return argv + _filter_words(ps_filters(project, services))


def all_ids_argv() -> list[str]:
    """Every container on the engine, stopped ones too."""
    return ["docker", "ps", "--all", "--quiet", "--no-trunc"]


def running_argv(project: str, service: str) -> list[str]:
    """Pure: the ids of a service's running containers."""
    argv = ["docker", "ps", "--quiet", "--no-trunc"]
    return argv + _filter_words(ps_filters(project, [service], running=True))


def inspect_argv(ids: Iterable[str]) -> list[str]:
    return ["docker", "container", "inspect", *ids]


def exec_argv(container: str, command: Iterable[str]) -> list[str]:
    """A command in a running container, no TTY, by id (no Compose needed)."""
    return ["docker", "exec", container, *command]


def delete_argv(container: str, paths: Iterable[str]) -> list[str]:
    """Delete paths in a running container as root: the service's user may
    not write the folder its code is in (the reference stack's /app is
    root's), yet a file deleted in the tree must go."""
    return ["docker", "exec", "--user", "0", container, "rm", "-rf", "--", *paths]


def projects_made_in_argv(folder: str, env_file: str) -> list[str]:
    """The project of every container Compose made from `folder` with
    `env_file` (a test's stack from the same folder has an env file of its own)."""
    return [
        "docker", "ps", "--all",
        "--filter", f"label=com.docker.compose.project.working_dir={folder}",
        "--filter", f"label=com.docker.compose.project.environment_file={env_file}",
        "--format", '{{.Label "com.docker.compose.project"}}',
    ]  # fmt: skip


def volume_created_argv(volume: str) -> list[str]:
    return ["docker", "volume", "inspect", "--format", "{{.CreatedAt}}", volume]


def image_size_argv(image: str) -> list[str]:
    return ["docker", "image", "inspect", "--format", "{{.Size}}", image]


def image_inspect_argv(images: Iterable[str]) -> list[str]:
    """Every image named; one that is missing is left out (exit 1)."""
    return ["docker", "image", "inspect", *images]


def cp_in_argv(source: str, container: str, inside: str) -> list[str]:
    """`docker cp` of a host path into a container (SOURCE/. : its contents)."""
    return ["docker", "cp", source, f"{container}:{inside}"]


# A volume's files streamed as a tar archive, by a throwaway container of an
# image the project already has (no pull), as root so every file is read.
def volume_tar_argv(volume: str, image: str) -> list[str]:
    return [
        *("docker", "run", "--rm", "--user", "0", "--network", "none"),
        *("--volume", f"{volume}:/v:ro", "--entrypoint", "tar", image),
        *("-C", "/v", "-c", "."),
    ]


# Unpacked beside the old files first, then swapped in: an archive that
# fails half-way leaves the volume as it was.
UNTAR = (
    "set -e; rm -rf /v/.dockhand-new; mkdir /v/.dockhand-new;"
    " tar -C /v/.dockhand-new -x;"
    " find /v -mindepth 1 -maxdepth 1 ! -name .dockhand-new -exec rm -rf {} +;"
    " find /v/.dockhand-new -mindepth 1 -maxdepth 1 -exec mv {} /v/ \\;;"
    " rmdir /v/.dockhand-new"
)


def volume_untar_argv(volume: str, image: str) -> list[str]:
    return [
        *("docker", "run", "--rm", "-i", "--user", "0", "--network", "none"),
        *("--volume", f"{volume}:/v", "--entrypoint", "sh", image, "-c", UNTAR),
    ]


# The watch probe (dockhand.docker.sync_probe): a container that never starts,
# made to receive one file the way Compose's watch sends files.
PROBE_LABEL = "dockhand.watch-probe"


def probe_create_argv(image: str, user: str) -> list[str]:
    return [
        *("docker", "create", "--label", f"{PROBE_LABEL}=1", "--network", "none"),
        *("--user", user, "--entrypoint", "true", image),
    ]


def cp_archive_in_argv(source: str, container: str, inside: str) -> list[str]:
    """`docker cp -a`: the files owned by the container's user as the engine
    looks it up (CopyUIDGID, the option Compose's watch copies with)."""
    return ["docker", "cp", "-a", source, f"{container}:{inside}"]


def cp_out_argv(container: str, inside: str) -> list[str]:
    """A path of a container as a tar archive on stdout (its owners kept)."""
    return ["docker", "cp", f"{container}:{inside}", "-"]


def rm_argv(container: str) -> list[str]:
    return ["docker", "rm", "--force", "--volumes", container]


def restart_argv(container: str, *, seconds: int) -> list[str]:
    """Restart one container, stopping it within `seconds`."""
    return ["docker", "restart", "-t", str(seconds), container]


def image_rm_argv(images: Iterable[str]) -> list[str]:
    return ["docker", "image", "rm", *images]


def built_images(model: dict[str, Any], project: str) -> list[str]:
    """Pure: the images Compose builds for this project (a service with
    `build`: its `image:`, else Compose's default name PROJECT-SERVICE);
    never an image a service only pulls, which other projects may share."""
    name = str(model.get("name") or project)
    return sorted(
        {
            str(service.get("image") or f"{name}-{key}")
            for key, service in (model.get("services") or {}).items()
            if isinstance(service, dict) and service.get("build") is not None
        }
    )


def parse(inspected: str, services: Iterable[str] = ()) -> list[ServiceState]:
    """Pure: `docker inspect` output -> the states of the wanted services."""
    wanted = set(services)
    try:
        found = json.loads(inspected or "[]")
    except ValueError:
        found = []
    states = (state_of(attrs) for attrs in found if isinstance(attrs, dict))
    return sorted(
        (s for s in states if not wanted or s.service in wanted),
        key=lambda s: (s.service, s.container),
    )


def unreachable_reason(stderr: str) -> str:
    """The docker CLI's complaint in the few words the SDK path gives
    (engine._reason), so the line is the same whichever asked."""
    text = stderr.strip().splitlines()[-1] if stderr.strip() else "no answer"
    lowered = text.lower()
    if "permission denied" in lowered:
        return "permission denied (is your user in the docker group?)"
    if "connection refused" in lowered:
        return "connection refused (nothing listens)"
    socket = re.search(r"unix://(/[^\s]+?)\.? ", text + " ")
    if socket and "cannot connect" in lowered:
        path = socket.group(1)
        return "no socket there" if not os.path.exists(path) else "nobody answers there"
    return text if len(text) < 160 else text[:157] + "..."


def _ids(runner: Runner, argv: list[str]) -> list[str]:
    listed = runner.capture(argv, timeout=30)
    if not listed.ok:
        from dockhand.docker import engine  # see LAZY_PAIRS

        raise engine.unreachable(unreachable_reason(listed.stderr))
    return listed.stdout.split()


def _engine_ids(
    engine: Reader, filters: dict[str, list[str]], *, all: bool
) -> list[str] | None:
    """The ids `docker ps --quiet --no-trunc [--all] --filter ...` prints,
    read on the engine's socket; None when it does not answer."""
    found = engine(engine_socket.containers_path(filters, all=all))
    if found is None or found[0] != 200 or not isinstance(found[1], list):
        return None
    return [str(item.get("Id")) for item in found[1] if isinstance(item, dict)]


def _engine_inspect(
    engine: Reader, kind: str, names: Iterable[str]
) -> list[dict[str, Any]] | None:
    """What `docker {container,image} inspect NAMES` prints, parsed, read on
    the engine's socket: one that is gone (404) is left out, as the CLI
    leaves it out; None when the socket does not answer."""
    found = []
    for name in names:
        reply = engine(engine_socket.inspect_path(kind, name))
        if reply is None or reply[0] not in (200, 404):
            return None
        if reply[0] == 200 and isinstance(reply[1], dict):
            found.append(reply[1])
    return found


def running(runner: Runner, project: str, service: str, *, engine: Reader) -> bool:
    """Whether a container of the service runs: one request on the engine's
    socket (`engine`), else one docker CLI call."""
    ids = _engine_ids(engine, ps_filters(project, [service], running=True), all=False)
    if ids is None:
        ids = _ids(runner, running_argv(project, service))
    return bool(ids)


def states(
    runner: Runner, project: str, services: Iterable[str] = (), *, engine: Reader
) -> list[ServiceState]:
    """The services' containers: on the engine's socket (`engine`) when it
    answers, else `docker ps` and `docker inspect`."""
    services = list(services)
    ids = _engine_ids(engine, ps_filters(project, services), all=True)
    found = None if ids is None else _engine_inspect(engine, "containers", ids)
    if found is not None:
        return parse(json.dumps(found), services)
    ids = _ids(runner, ps_argv(project, services))
    if not ids:
        return []
    # A container removed between the two calls makes inspect exit 1 while
    # it still prints the others: read what it printed.
    return parse(runner.capture(inspect_argv(ids), timeout=30).stdout, services)


def inspect_images(runner: Runner, images: Iterable[str], *, engine: Reader) -> str:
    """What `docker image inspect IMAGES` prints (one that is missing is
    left out): on the engine's socket (`engine`) when it answers, else the CLI."""
    images = list(images)
    found = _engine_inspect(engine, "images", images)
    if found is not None:
        return json.dumps(found)
    return runner.capture(image_inspect_argv(images), timeout=30).stdout
