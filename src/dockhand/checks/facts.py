"""`Facts`: what the checks of `inv doctor` and `inv check` look at, and
where they ask docker, Compose and the engine for it (the probes: probes.py).

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

import os
import shutil
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand import envfile
from dockhand.checks import credentials
from dockhand.checks.compose_model import display_path, load_dockerfile
from dockhand.checks.probes import (
    Engine,
    Processes,
    compose_model,
    compose_variables,
    container_processes,
    image_name,
    inspect_image,
    probe_engine,
)
from dockhand.checks.result import SKIP, Check, Problem, skipped
from dockhand.discovery import older_project
from dockhand.docker import containers, engine, router_trust, trust_store
from dockhand.docker.compose import Project
from dockhand.docker.dockerfile import Dockerfile
from dockhand.docker.image import InspectedImage
from dockhand.docker.model import ComposeModel, Service
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.config.settings import Settings
    from dockhand.docker.compose import ComposeCli, Project
    from dockhand.docker.process import Runner
    from dockhand.session import Session

ENGINE_TIMEOUT = 10  # seconds; doctor should answer fast
INSTALL_DOCKER = (
    "install Docker: run scripts/engine (Linux, as root), or install Docker Desktop"
)


class Facts:
    """Everything the checks look at, each probed once, on first use."""

    def __init__(
        self,
        settings: Settings,
        session: Session | None = None,
        environ: Mapping[str, str] | None = None,
        **known: object,
    ) -> None:
        self.settings = settings
        self._session = session
        self.environ = os.environ if environ is None else environ
        self._images: dict[str, InspectedImage | Problem | None] = {}
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
        result = self._runner.capture(containers.version_argv(path), timeout=20)
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
            return self._s.find_compose()
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

        try:
            return older_project(self._s)
        except (DockhandError, LookupError):
            return ""

    @cached_property
    def host_trust(self) -> trust_store.HostTrust:
        """The CAs the host's stores (and dockhand.trust_path) hold beyond
        the public bundle: files read, nothing run. The router's own root,
        once the host trusts it, is left out (no container needs it)."""
        own = router_trust.own_files(self.environ)
        return trust_store.read(self.settings.trust_path, own=own)

    # --- the env files and the Compose model ---------------------------------

    @cached_property
    def env_files(self) -> list[Path]:
        """The example, then the project's env files, those that exist:
        Compose reads them in turn, later ones winning, so a key `.env` lacks
        has the value `inv setup` would add, and an incomplete `.env` still
        gives a model."""
        example = [self.env_example] if self.env_example.is_file() else []
        return example + [f for f in self._s.project.env_files if f != self.env_example]

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
        return Project(self.project, tuple(files), (), self.settings.profiles)

    @cached_property
    def dev(self) -> ComposeModel | Problem:
        """The model of the compose files the stack runs with."""
        return self._model(self.settings.files)

    @cached_property
    def prod(self) -> ComposeModel | Problem:
        """The model with the production override."""
        if not self.settings.prod_override:
            default = ", ".join(self.rel(f) for f in self.settings.prod_files)
            return Problem(
                f"no production override here ({default or 'none configured'})",
                "to check one, add it (e.g. docker-compose.prod.yml) to dockhand.prod_files",
                SKIP,
            )
        return self._model(self.settings.compose_files + self.settings.prod_override)

    def _model(self, files: Sequence[Path]) -> ComposeModel | Problem:
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
        files = self.settings.compose_files + self.settings.prod_override
        return compose_variables(
            self._runner, self.compose, self._project(files), self.env_files
        )

    @cached_property
    def services(self) -> list[Service]:
        return [] if isinstance(self.dev, Problem) else self.dev.by_name()

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

    def image(self, name: str) -> InspectedImage | Problem | None:
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
    def images(self) -> Mapping[str, InspectedImage | None] | Problem:
        """Each building service's image as the engine inspects it (None: not
        built)."""
        if self.client is None:
            return Problem("the engine is not reachable (see engine)", status=SKIP)
        if isinstance(self.compose, Problem) or isinstance(self.dev, Problem):
            return Problem(
                "no compose model to name the images (see compose files)", status=SKIP
            )
        found: dict[str, InspectedImage | None] = {}
        for service in self.builds:
            image = self.image(image_name(self.compose, self.project, service))
            if isinstance(image, Problem):
                return image
            found[service.name] = image
        return found

    @cached_property
    def containers(self) -> Sequence[Processes] | Problem:
        """The processes of each running container of the project."""
        if self.client is None:
            return Problem("the engine is not reachable (see engine)", status=SKIP)
        return container_processes(self.client, self.project)


__all__ = [
    "Engine",
    "Facts",
    "Processes",
    "compose_model",
    "compose_variables",
    "image_name",
    "probe_engine",
]
