"""The probes behind Facts, each a function of what it needs (a runner, a
Compose CLI, a client), so a test gives it a stand-in: whether the engine
answers, the Compose model and its variables, an image, the processes of
the running containers. Each returns its answer or a Problem saying why
there is none; none changes anything."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.checks.compose_model import variables_in
from dockhand.checks.result import SKIP, Problem
from dockhand.docker import compose, engine, model, states
from dockhand.docker.engine_kind import EngineKind, engine_kind
from dockhand.docker.image import InspectedImage, image_of
from dockhand.docker.jsondoc import Raw, items, mapping, text
from dockhand.docker.model import ComposeModel, Service
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.docker.compose import ComposeCli, Project
    from dockhand.docker.process import Runner


@dataclass(frozen=True)
class Processes:
    """The processes of one running container, as the engine lists them."""

    service: str
    container: str
    rows: tuple[tuple[str, str], ...]  # (uid, command)
    error: str = ""


@dataclass(frozen=True)
class Engine:
    """The engine that answered, and what it said about itself."""

    client: DockerClient
    version: Raw  # the engine's `version` JSON
    where: str  # engine.endpoint(), for messages
    info: Raw = field(default_factory=dict)  # the engine's `info` JSON

    @property
    def kind(self) -> EngineKind:
        return engine_kind(self.version, self.info)


def probe_engine(
    where: engine.Endpoint, connect: Callable[[], DockerClient]
) -> Engine | Problem:
    """Reachable, or why not: no socket, no permission, nobody answering."""
    described = engine.endpoint(where)
    path = where.socket
    if where.context is not None and not where.host:
        return Problem(
            f"the Docker context {where.context!r} does not exist",
            "`docker context ls` lists them; `docker context use default`",
        )
    if path is not None:
        if not os.path.exists(path):
            return Problem(
                f"no socket at {path} ({described}): the engine is not running",
                "start it: scripts/engine (Linux, as root), `sudo systemctl start "
                "docker`, or Docker Desktop; or point DOCKER_HOST at a running engine",
            )
        if not os.access(path, os.R_OK | os.W_OK):
            return Problem(
                f"permission denied on {path} ({described})",
                "add yourself to the docker group (`sudo usermod -aG docker $USER`, "
                "then log in again), or run as root",
            )
    try:
        client = connect()
        version = mapping(client.version())
        info = mapping(client.info())
    except DockhandError as exc:
        return Problem(exc.message, exc.hint)
    except Exception as exc:  # the SDK raises requests' errors too
        return Problem(
            f"not reachable at {described}: {exc}", engine.unreachable(exc).hint
        )
    return Engine(client, version, described, info)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def compose_model(
    runner: Runner, cli: ComposeCli, project: Project, env_files: Sequence[Path]
) -> ComposeModel | Problem:
    """The files as Compose reads them with the env files given; on Compose
    v1, which prints no JSON, whether it accepts them."""

    files = " + ".join(f.name for f in project.files)
    config = compose.config_shown(cli, project)
    if cli.is_v1:
        quiet = runner.capture(
            compose.config_quiet(cli, project, env_files), timeout=60
        )
        if not quiet.ok:
            return Problem(
                f"Compose rejects {files}: {_last_line(quiet.stderr or quiet.stdout)}",
                f"fix what it names; `{config}` shows the same",
            )
        return Problem(
            f"valid: {files} ({cli}: the checks of their contents need "
            "Compose v2 for `config --format json`)",
            "install the Compose v2 plugin (scripts/engine does on Linux)",
            SKIP,
            valid=True,
        )
    result = runner.capture(
        compose.config_json(cli, project, env_files=env_files), timeout=60
    )
    if not result.ok:
        quiet = runner.capture(
            compose.config_quiet(cli, project, env_files), timeout=60
        )
        said = result if quiet.ok else quiet
        verdict = "accepts {} but prints no JSON of them" if quiet.ok else "rejects {}"
        return Problem(
            f"Compose {verdict.format(files)}: {_last_line(said.stderr or said.stdout)}",
            f"fix what it names; `{config}` shows the same",
        )
    try:
        found = json.loads(result.stdout)
    except ValueError:
        return Problem(f"Compose printed no JSON for {files}", f"run `{config}`")
    if not isinstance(found, Mapping):
        return Problem(f"Compose printed no model for {files}", f"run `{config}`")
    return model.parse(found)


def compose_variables(
    runner: Runner, cli: ComposeCli, project: Project, env_files: Sequence[Path]
) -> set[str] | Problem:
    """Every variable the files interpolate: `config --variables` (2.24+),
    else the ${VAR}s of the uninterpolated model."""

    if cli.is_v1:
        return Problem(
            f"listing variables needs Compose v2, this is {cli}", status=SKIP
        )
    result = runner.capture(
        compose.config_variables(cli, project, env_files), timeout=60
    )
    if result.ok:
        try:
            return set(json.loads(result.stdout))
        except ValueError:
            pass
    raw = runner.capture(
        compose.config_json(cli, project, interpolate=False, env_files=env_files),
        timeout=60,
    )
    if raw.ok:
        try:
            return variables_in(json.loads(raw.stdout))
        except ValueError:
            pass
    return Problem(
        f"Compose could not list the variables: {_last_line(raw.stderr)}",
        "see compose files",
        SKIP,
    )


def image_name(cli: ComposeCli, project: str, service: Service) -> str:
    """The tag Compose gives a built image: `image:` if set, else project-service."""
    return service.image or f"{project}{'_' if cli.is_v1 else '-'}{service.name}"


def inspect_image(client: DockerClient, name: str) -> InspectedImage | Problem | None:
    from docker.errors import DockerException, NotFound

    try:
        return image_of(client.api.inspect_image(name))
    except NotFound:
        return None
    except DockerException as exc:
        return Problem(f"the engine failed: {str(exc)[:200]}", status=SKIP)


PS_ARGS = "-eo pid,uid,comm"


def container_processes(client: DockerClient, project: str) -> list[Processes]:
    from docker.errors import DockerException

    running: list[Processes] = []
    for container in engine.containers(client, project):
        if container.status != "running":
            continue
        owner = str(container.labels.get(states.SERVICE, "?"))
        name = str(container.name)
        try:
            # -e: Docker runs ps on the host and keeps the container's rows
            # either way; Podman runs it in the container, where without -e
            # it lists only itself.
            top = mapping(client.api.top(str(container.id), ps_args=PS_ARGS))
            titles = [text(t).upper() for t in items(top.get("Titles"))]
            uid_at, command_at = titles.index("UID"), titles.index("COMMAND")
        except (DockerException, ValueError) as exc:
            running.append(Processes(owner, name, (), str(exc)[:200]))
            continue
        rows = tuple(
            (text(row[uid_at]), text(row[command_at]))
            for row in map(items, items(top.get("Processes")))
        )
        running.append(Processes(owner, name, rows))
    return sorted(running, key=lambda p: (p.service, p.container))
