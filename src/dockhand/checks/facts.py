"""`Facts`: what the checks of `inv doctor` and `inv check` look at, and
where they ask docker, Compose and the engine for it.

Each fact is probed on first use and kept, so a selection of checks pays
only for the facts its checks read, and two checks reading one fact share
one probe. A fact is its value, or a `Problem` saying why it could not be
had. Every probe is read-only: Compose is asked for its model
(`config --format json`, never the YAML by hand), the engine (through the
SDK) for its version, images and processes.

A test passes the facts it wants as keyword arguments; anything else is
probed, so a test without a session names every fact its checks read.

The probes of the host only doctor's machine checks make (whether a port is
free and who holds it, free disk, whether a registry answers for a missing
image) stay beside those checks in `machine`, passed in so each is tested
with the real thing and with a stand-in.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockhand import credentials, engine, envfile
from dockhand.checks.compose_model import (
    Service,
    display_path,
    load_dockerfile,
    services_of,
    variables_in,
)
from dockhand.checks.dockerfile import Dockerfile
from dockhand.checks.result import SKIP, Check, Problem, skipped
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.compose import ComposeCli, Project
    from dockhand.process import Runner
    from dockhand.session import Session
    from dockhand.settings import Settings

ENGINE_TIMEOUT = 10  # seconds; doctor should answer fast
INSTALL_DOCKER = (
    "install Docker: run scripts/engine (Linux, as root), or install Docker Desktop"
)


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
    version: Mapping[str, Any]
    where: str  # engine.endpoint(), for messages


class Facts:
    """Everything the checks look at, each probed once, on first use."""

    def __init__(
        self,
        settings: Settings,
        session: Session | None = None,
        environ: Mapping[str, str] | None = None,
        **known: Any,
    ) -> None:
        self.settings = settings
        self._session = session
        self.environ = os.environ if environ is None else environ
        self._images: dict[str, Mapping[str, Any] | Problem | None] = {}
        # cached_property reads the instance dict first: a known fact is
        # never probed.
        self.__dict__.update(known)

    # --- what the settings say -------------------------------------------

    @property
    def root(self) -> Path:
        return self.settings.root

    @property
    def project(self) -> str:
        return self.settings.project

    @property
    def env_file(self) -> Path:
        return self.settings.env_file

    @property
    def env_example(self) -> Path:
        return self.settings.env_example

    def rel(self, path: Path) -> str:
        return display_path(self.root, path)

    @property
    def _s(self) -> Session:
        if self._session is None:
            raise LookupError("no session to probe with: pass this fact in")
        return self._session

    @property
    def _runner(self) -> Runner:
        return self._s.runner

    # --- the tools ---------------------------------------------------------

    @cached_property
    def docker_cli(self) -> str | Problem:
        """`docker --version` and where it is."""
        path = shutil.which("docker", path=self.environ.get("PATH"))
        if path is None:
            return Problem("`docker` is not on PATH", INSTALL_DOCKER)
        result = self._runner.capture([path, "--version"], timeout=20)
        if not result.ok:
            return Problem(
                f"{path} --version failed: {result.stderr.strip()[:200]}",
                INSTALL_DOCKER,
            )
        return f"{result.stdout.strip()} ({path})"

    @cached_property
    def endpoint(self) -> engine.Endpoint:
        return engine.current_endpoint(self.environ)

    @cached_property
    def engine(self) -> Engine | Problem:
        """Reachable, or why not: no socket, no permission, nobody answering."""
        return probe_engine(
            self.endpoint, lambda: engine.connect(timeout=ENGINE_TIMEOUT)
        )

    @property
    def client(self) -> DockerClient | None:
        return self.engine.client if isinstance(self.engine, Engine) else None

    @cached_property
    def compose(self) -> ComposeCli | Problem:
        try:
            return self._s.cli
        except DockhandError as exc:
            return Problem(exc.message, exc.hint)

    @cached_property
    def database_login(self) -> credentials.Login:
        """Whether the running database's data was made with the env file's
        password (a probe of the running container, nothing changed)."""
        try:
            return credentials.probe(self._s, self.environ)
        except DockhandError as exc:
            return credentials.Login(None, reason=exc.message)

    @cached_property
    def older_project(self) -> str:
        """The project this folder's containers run under, when this checkout
        has no name of its own yet and it is another one."""
        from dockhand.discovery import older_project

        try:
            return older_project(self._s)
        except (DockhandError, LookupError):
            return ""

    # --- the env files and the Compose model ---------------------------------

    @cached_property
    def env_files(self) -> list[Path]:
        """The example, then the env file, those that exist: Compose reads them
        in turn, later ones winning, so a key `.env` lacks has the value
        `inv setup` would add, and an incomplete `.env` still gives a model."""
        return [f for f in (self.env_example, self.env_file) if f.is_file()]

    @cached_property
    def values(self) -> dict[str, str | None]:
        """The values Compose will interpolate: the shell, else the env file,
        else the example (what `inv setup` would write)."""
        found: dict[str, str | None] = {}
        for path in self.env_files:
            try:
                found.update(envfile.read(path).values)
            except DockhandError:
                continue
        found.update({k: v for k, v in self.environ.items() if k in found})
        return found

    def _project(self, files: Sequence[Path]) -> Project:
        from dockhand.compose import Project

        return Project(self.project, tuple(files), None, self.settings.profiles)

    @cached_property
    def dev(self) -> Mapping[str, Any] | Problem:
        """The model of the compose files the stack runs with."""
        return self._model(self.settings.files)

    @cached_property
    def prod(self) -> Mapping[str, Any] | Problem:
        """The model with the production override."""
        if not self.settings.prod_files:
            return Problem(
                "no production override is configured (dockhand.prod_files)",
                "add one (e.g. docker-compose.prod.yml) to dockhand.prod_files",
                SKIP,
            )
        return self._model(self.settings.compose_files + self.settings.prod_files)

    def _model(self, files: Sequence[Path]) -> Mapping[str, Any] | Problem:
        if isinstance(self.compose, Problem):
            return Problem("needs Docker Compose (see compose)", status=SKIP)
        return compose_model(
            self._runner, self.compose, self._project(files), self.env_files
        )

    @cached_property
    def variables(self) -> set[str] | Problem:
        """Every variable the compose files (and the prod override) use."""
        if isinstance(self.compose, Problem):
            return Problem("needs Docker Compose (see compose)", status=SKIP)
        files = self.settings.compose_files + self.settings.prod_files
        return compose_variables(
            self._runner, self.compose, self._project(files), self.env_files
        )

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

    def needs_model(self, name: str) -> Check | None:
        """SKIP when the dev model could not be had: the check needs it."""
        if isinstance(self.dev, Problem):
            why = (
                "needs Compose v2 (`config --format json`)"
                if self.dev.status == SKIP
                else "the compose files are invalid"
            )
            return skipped(name, f"skipped: {why} (see compose files)", self.dev.fix)
        return None

    # --- what the engine holds -----------------------------------------------

    def image(self, name: str) -> Mapping[str, Any] | Problem | None:
        """The engine's inspect data of one image (None: it has none), asked
        once per name: doctor's images and check's image-size read it alike."""
        if name not in self._images:
            client = self.client
            self._images[name] = (
                Problem("the engine is not reachable (see engine)", status=SKIP)
                if client is None
                else inspect_image(client, name)
            )
        return self._images[name]

    @cached_property
    def images(self) -> Mapping[str, Mapping[str, Any] | None] | Problem:
        """Each building service's image as the engine inspects it (None: not
        built)."""
        if self.client is None:
            return Problem("the engine is not reachable (see engine)", status=SKIP)
        if isinstance(self.compose, Problem) or not isinstance(self.dev, Mapping):
            return Problem(
                "no compose model to name the images (see compose files)", status=SKIP
            )
        found: dict[str, Mapping[str, Any] | None] = {}
        for service in self.builds:
            attrs = self.image(image_name(self.compose, self.project, service))
            if isinstance(attrs, Problem):
                return attrs
            found[service.name] = attrs
        return found

    @cached_property
    def containers(self) -> Sequence[Processes] | Problem:
        """The processes of each running container of the project."""
        if self.client is None:
            return Problem("the engine is not reachable (see engine)", status=SKIP)
        return container_processes(self.client, self.project)


# --- the probes, each a function of what it needs ---------------------------


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
        version = client.version()
    except DockhandError as exc:
        return Problem(exc.message, exc.hint)
    except Exception as exc:  # the SDK raises requests' errors too
        return Problem(
            f"not reachable at {described}: {exc}", engine.unreachable(exc).hint
        )
    return Engine(client, version, described)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def compose_model(
    runner: Runner, cli: ComposeCli, project: Project, env_files: Sequence[Path]
) -> Mapping[str, Any] | Problem:
    """The files as Compose reads them with the env files given; on Compose
    v1, which prints no JSON, whether it accepts them."""
    from dockhand import compose

    files = " + ".join(f.name for f in project.files)
    config = " ".join([*cli.argv, *(f"-f {f.name}" for f in project.files), "config"])
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
        return Problem(
            f"Compose rejects {files}: {_last_line(result.stderr or result.stdout)}",
            f"fix what it names; `{config}` shows the same",
        )
    try:
        model = json.loads(result.stdout)
    except ValueError:
        return Problem(f"Compose printed no JSON for {files}", f"run `{config}`")
    if not isinstance(model, Mapping):
        return Problem(f"Compose printed no model for {files}", f"run `{config}`")
    return model


def compose_variables(
    runner: Runner, cli: ComposeCli, project: Project, env_files: Sequence[Path]
) -> set[str] | Problem:
    """Every variable the files interpolate: `config --variables` (2.24+),
    else the ${VAR}s of the uninterpolated model."""
    from dockhand import compose

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


def inspect_image(
    client: DockerClient, name: str
) -> Mapping[str, Any] | Problem | None:
    from docker.errors import DockerException, NotFound

    try:
        attrs: Mapping[str, Any] = client.api.inspect_image(name)
    except NotFound:
        return None
    except DockerException as exc:
        return Problem(f"the engine failed: {str(exc)[:200]}", status=SKIP)
    return attrs


def container_processes(client: DockerClient, project: str) -> list[Processes]:
    from docker.errors import DockerException

    running: list[Processes] = []
    for container in engine.containers(client, project):
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
    return sorted(running, key=lambda p: (p.service, p.container))


__all__ = [
    "Engine",
    "Facts",
    "Processes",
    "compose_model",
    "compose_variables",
    "image_name",
    "probe_engine",
]
