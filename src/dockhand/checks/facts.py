"""`Facts`, everything the checks look at, and `gather`, the only part of
`inv check` that runs anything: it asks Compose for the model
(`config --format json`, never the YAML by hand) and the engine for images
and processes, once. Every probe is read-only."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockhand.checks.compose_model import (
    Service,
    display_path,
    load_dockerfile,
    services_of,
    variables_in,
)
from dockhand.checks.dockerfile import Dockerfile
from dockhand.checks.result import SKIP, Problem
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from dockhand.compose import ComposeCli, Project
    from dockhand.process import Runner
    from dockhand.session import Session


@dataclass(frozen=True)
class Processes:
    """The processes of one running container, as the engine lists them."""

    service: str
    container: str
    rows: tuple[tuple[str, str], ...]  # (uid, command)
    error: str = ""


def _not_probed() -> Problem:
    return Problem("not probed", status=SKIP)


@dataclass
class Facts:
    """Everything the checks look at, gathered once."""

    root: Path
    project: str
    env_example: Path
    budget_mb: float = 350
    docker: str | Problem = field(default_factory=_not_probed)
    compose: ComposeCli | Problem = field(default_factory=_not_probed)
    dev: Mapping[str, Any] | Problem = field(default_factory=_not_probed)
    prod: Mapping[str, Any] | Problem = field(default_factory=_not_probed)
    variables: set[str] | Problem = field(default_factory=_not_probed)
    images: Mapping[str, Mapping[str, Any] | None] | Problem = field(
        default_factory=_not_probed
    )
    containers: Sequence[Processes] | Problem = field(default_factory=_not_probed)

    @cached_property
    def services(self) -> list[Service]:
        return services_of(self.dev) if isinstance(self.dev, Mapping) else []

    @cached_property
    def builds(self) -> list[Service]:
        return [s for s in self.services if s.build is not None]

    @cached_property
    def dockerfiles(self) -> dict[str, Dockerfile | Problem]:
        """Each building service's Dockerfile, parsed, or why it is not."""
        parsed: dict[str, Dockerfile | Problem] = {}
        for service in self.builds:
            assert service.build is not None
            parsed[service.name] = load_dockerfile(self.root, service.build)
        return parsed

    def rel(self, path: Path) -> str:
        return display_path(self.root, path)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def _probe_docker(runner: Runner) -> str | Problem:
    if shutil.which("docker") is None:
        return Problem(
            "the docker CLI is not on PATH",
            "install Docker (scripts/engine on Linux as root, or Docker Desktop)",
        )
    result = runner.capture(
        ["docker", "version", "--format", "{{.Client.Version}} {{.Server.Version}}"],
        timeout=30,
    )
    words = result.stdout.split()
    if not result.ok or len(words) < 2:
        from dockhand.engine import endpoint

        return Problem(
            f"the Docker engine does not answer at {endpoint()}: {_last_line(result.stderr)}",
            "start it (scripts/engine on Linux as root, or Docker Desktop), "
            "or point DOCKER_HOST at a running engine",
        )
    return f"docker CLI {words[0]}, engine {words[1]}"


def _model(
    runner: Runner, cli: ComposeCli, project: Project
) -> Mapping[str, Any] | Problem:
    from dockhand import compose

    files = " + ".join(f.name for f in project.files)
    if cli.is_v1:
        quiet = runner.capture(compose.config_quiet(cli, project), timeout=60)
        if not quiet.ok:
            return Problem(
                f"Compose rejects {files}: {_last_line(quiet.stderr or quiet.stdout)}",
                f"fix it; `{' '.join(cli.argv)} -f ... config` shows the same",
            )
        return Problem(
            f"valid: {files} ({cli}: the checks of their contents need "
            "Compose v2 for `config --format json`)",
            "install the Compose v2 plugin (scripts/engine does on Linux)",
            SKIP,
            valid=True,
        )
    result = runner.capture(compose.config_json(cli, project), timeout=60)
    if not result.ok:
        return Problem(
            f"Compose rejects {files}: {_last_line(result.stderr or result.stdout)}",
            f"fix it; `docker compose {' '.join(f'-f {f.name}' for f in project.files)} "
            "config` shows the same",
        )
    try:
        model = json.loads(result.stdout)
    except ValueError:
        return Problem(f"Compose printed no JSON for {files}", "", SKIP)
    return (
        model if isinstance(model, Mapping) else Problem("unexpected config", "", SKIP)
    )


def _variables(runner: Runner, cli: ComposeCli, project: Project) -> set[str] | Problem:
    """Every variable the files interpolate: `config --variables` (2.24+),
    else the ${VAR}s of the uninterpolated model."""
    from dockhand import compose

    if cli.is_v1:
        return Problem(
            f"listing variables needs Compose v2, this is {cli}", status=SKIP
        )
    result = runner.capture(compose.config_variables(cli, project), timeout=60)
    if result.ok:
        try:
            return set(json.loads(result.stdout))
        except ValueError:
            pass
    raw = runner.capture(
        compose.config_json(cli, project, interpolate=False), timeout=60
    )
    if raw.ok:
        try:
            return variables_in(json.loads(raw.stdout))
        except ValueError:
            pass
    return Problem(
        f"Compose could not list the variables: {_last_line(raw.stderr)}",
        "see compose-dev and compose-prod",
        SKIP,
    )


def image_name(cli: ComposeCli, project: str, service: Service) -> str:
    """The tag Compose gives a built image: `image:` if set, else project-service."""
    return service.image or f"{project}{'_' if cli.is_v1 else '-'}{service.name}"


def _engine_facts(s: Session, facts: Facts, cli: ComposeCli | None) -> None:
    from docker.errors import DockerException, NotFound

    from dockhand import engine

    try:
        client = s.client
    except DockhandError as exc:
        unreachable = Problem(
            f"the engine is not reachable: {exc.message}", exc.hint, SKIP
        )
        facts.images = facts.containers = unreachable
        return
    if cli is not None and isinstance(facts.dev, Mapping):
        images: dict[str, Mapping[str, Any] | None] = {}
        failure: Problem | None = None
        for service in facts.builds:
            try:
                images[service.name] = client.api.inspect_image(
                    image_name(cli, facts.project, service)
                )
            except NotFound:
                images[service.name] = None
            except DockerException as exc:
                failure = Problem(f"the engine failed: {str(exc)[:200]}", status=SKIP)
        facts.images = failure or images
    else:
        facts.images = Problem(
            "no compose model to name the images (see compose-dev)", status=SKIP
        )
    running: list[Processes] = []
    for container in engine.containers(client, facts.project):
        if container.status != "running":
            continue
        owner = str(container.labels.get(engine.SERVICE, "?"))
        name = str(container.name)
        try:
            top: Mapping[str, Any] = client.api.top(
                str(container.id), ps_args="-o pid,uid,comm"
            )
            titles = [t.upper() for t in top.get("Titles") or []]
            uid_at, command_at = titles.index("UID"), titles.index("COMMAND")
        except (DockerException, ValueError) as exc:
            running.append(Processes(owner, name, (), str(exc)[:200]))
            continue
        rows = tuple(
            (str(row[uid_at]), str(row[command_at]))
            for row in top.get("Processes") or []
        )
        running.append(Processes(owner, name, rows))
    facts.containers = sorted(running, key=lambda p: (p.service, p.container))


def gather(s: Session) -> Facts:
    """Ask docker, Compose and the engine, once; every probe is read-only."""
    from dockhand.compose import Project

    settings = s.settings
    facts = Facts(
        root=settings.root,
        project=settings.project,
        env_example=settings.env_example,
        budget_mb=settings.image_size_budget_mb,
    )
    facts.docker = _probe_docker(s.runner)
    cli: ComposeCli | None = None
    try:
        cli = s.cli
    except DockhandError as exc:
        facts.compose = Problem(exc.message, exc.hint)
    if cli is not None:
        facts.compose = cli
        # The developer's .env when there is one, else the example: a fresh
        # clone checks with the values it would start with.
        env_file = next(
            (f for f in (settings.env_file, settings.env_example) if f.is_file()), None
        )
        dev = Project(
            settings.project, settings.compose_files, env_file, settings.profiles
        )
        facts.dev = _model(s.runner, cli, dev)
        if settings.prod_files:
            prod = Project(
                settings.project,
                settings.compose_files + settings.prod_files,
                env_file,
                settings.profiles,
            )
            facts.prod = _model(s.runner, cli, prod)
            facts.variables = _variables(s.runner, cli, prod)
        else:
            facts.prod = Problem(
                "no production override is configured (dockhand.prod_files)",
                "add one (e.g. docker-compose.prod.yml) to dockhand.prod_files",
                SKIP,
            )
            facts.variables = _variables(s.runner, cli, dev)
    else:
        needs = Problem("needs Docker Compose (see compose)", status=SKIP)
        facts.dev = facts.prod = facts.variables = needs
    if isinstance(facts.docker, Problem):
        facts.images = facts.containers = Problem(
            "the engine is not reachable (see docker)", status=SKIP
        )
    else:
        _engine_facts(s, facts, cli)
    return facts
