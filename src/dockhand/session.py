"""What one `inv` invocation knows: settings, how to run Compose, the engine.

Each piece is found on first use, so a task only pays for what it needs.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from dockhand.config import settings
from dockhand.config.defaults import COMPOSE_NAMES, INVOKE_FILES, NO_COMPOSE_FILE
from dockhand.config.settings import Settings
from dockhand.docker import compose, compose_env, engine_socket
from dockhand.docker.compose import ComposeCli, Project
from dockhand.docker.process import Captured, Runner
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.docker.model import ComposeModel
    from dockhand.docker.states import ServiceState


def detect_compose(runner: Runner, override: str = "") -> ComposeCli:
    """`docker compose` (v2+), else a standalone `docker-compose` of any version."""
    tried = []
    for probe in compose.version_probes(override or None):
        try:
            result = runner.capture(probe, timeout=20)
        except DockhandError:  # the binary is not on PATH
            result = None
        if result is None or not result.ok:
            tried.append(" ".join(probe[:-2]))
            continue
        version = compose.parse_version(result.stdout)
        cli = ComposeCli(tuple(probe[:-2]), version)
        if version < compose.MINIMUM_VERSION:
            raise DockhandError(
                f"{cli} is too old: dockhand needs Compose "
                f"{compose.format_version(compose.MINIMUM_VERSION)} or newer",
                hint="install the Compose v2 plugin (scripts/engine does on Linux)",
            )
        return replace(cli, plugin=_direct_plugin(runner, cli))
    raise DockhandError(
        f"Docker Compose was not found (tried: {', '.join(tried)})",
        hint="install the Compose plugin (scripts/engine does on Linux), "
        "or set dockhand.compose_command in invoke.yaml",
    )


def _direct_plugin(runner: Runner, cli: ComposeCli) -> str | None:
    """The plugin binary `docker compose` starts, when it can be started
    directly: found where the docker CLI looks, giving the same version."""
    if cli.argv != ("docker", "compose"):
        return None
    from dockhand.docker import compose_plugin  # see LAZY_PAIRS

    plugin = compose_plugin.candidate()
    if plugin is None:
        return None
    result = runner.capture([plugin, "version", "--short"], timeout=20)
    try:
        same = result.ok and compose.parse_version(result.stdout) == cli.version
    except DockhandError:  # no version in what it said
        return None
    return plugin if same else None


@dataclass
class Session:
    """What one `inv` call knows. A test hands it its runner and its Compose
    CLI (`Session(settings, FakeRunner(), compose_cli=...)`); whatever asks
    Compose or the engine something is a method named for it, never a
    property: `find_compose()`, `ask_services()`, `ask_model()`,
    `connect()`."""

    settings: settings.Settings
    runner: Runner
    compose_cli: ComposeCli | None = None
    # Reads of the engine's API that spare a docker CLI process: a real
    # command's is engine_socket.ask; none answer unless one is given.
    read_engine: engine_socket.Reader = field(default=engine_socket.absent, repr=False)
    client: DockerClient | None = field(default=None, repr=False)
    _services: list[str] | None = field(default=None, repr=False)
    _model: ComposeModel | None = field(default=None, repr=False)

    def reload(self, new: Settings | None = None) -> None:
        """Take new settings (or the same, after the env file changed): what
        was asked of Compose under the old ones (the model, the services,
        the project) is asked again on next use."""
        if new is not None:
            self.settings = new
        self._model = self._services = None
        self.__dict__.pop("project", None)  # cached_property's own storage

    def keep(self, new: Settings) -> None:
        """New settings that change nothing Compose reads (`copied_from`):
        what was asked of Compose stays."""
        self.settings = new

    def model_loaded(self) -> bool:
        """Whether the Compose model was asked for already (no new call)."""
        return self._model is not None

    def find_compose(self) -> ComposeCli:
        """Which Compose runs here: remembered between commands while the
        files it comes from stay the same (compose_cache), else asked
        (`docker compose version --short`)."""
        if self.compose_cli is None:
            override = self.settings.compose_command
            from dockhand.docker import compose_cache  # see LAZY_PAIRS

            key, folder = compose_cache.fingerprint(override), compose_cache.location()
            cli = compose_cache.recall(key, folder)
            if cli is None:
                cli = detect_compose(self.runner, override)
                compose_cache.remember(key, cli, folder)
            if cli.plugin is not None:
                self.runner.shortcuts[cli.argv] = (cli.plugin,)
            self.compose_cli = cli
        return self.compose_cli

    @cached_property
    def project(self) -> Project:
        """Every Compose command's project: the files in merge order, then,
        with `dockhand.trust` on, the trust override while it is current."""
        found = self.base_project()
        override = self.trust_override(found) if self.settings.trust else None
        return replace(found, files=(*found.files, override)) if override else found

    def base_project(self) -> Project:
        """The project as the settings name it, without dockhand's override."""
        settings = self.settings
        env_files = self.env_files(settings.files)
        return Project(settings.project, settings.files, env_files, settings.profiles)

    def trust_folder(self, base: Project) -> Path:
        """Where the trust override and bundle of `base` live (docker.trust_store)."""
        from dockhand.docker import compose_cache, trust_store  # see LAZY_PAIRS

        return trust_store.folder(compose_cache.location(), base, os.environ)

    def trust_override(self, base: Project) -> Path | None:
        """The override `inv up` and `inv build` wrote (steps.trust), while
        the files it was made from are unchanged: a file read, no process."""
        from dockhand.docker import trust_store  # see LAZY_PAIRS

        return trust_store.current(self.trust_folder(base), base)

    def env_files(self, files: tuple[Path, ...]) -> tuple[Path, ...]:
        """The `--env-file`s for `files`: the project's `env_file` when it
        sets one, else those Compose itself reads (docker.compose_env)."""
        settings = self.settings
        configured = settings.env_file if settings.env_file_given else None
        return compose_env.for_project(
            settings.root, files, configured, os.environ, Path.cwd()
        )

    def connect(self) -> DockerClient:
        """The engine through the docker SDK, connected and pinged on the
        first call."""
        if self.client is None:
            from dockhand.docker import engine  # the SDK's modules load on first use

            self.client = engine.connect()
        return self.client

    def require_engine(self) -> None:
        """Fail before changing anything when the engine does not answer."""
        if not self.runner.dry:
            self.connect()

    def _load(self, argv: list[str]) -> str:
        """Ask Compose about the project; an invalid file fails here with
        Compose's own message."""
        result = self.runner.capture(argv, timeout=60)
        if not result.ok:
            self._refused(result, "could not load the project")
        return result.stdout

    def _refused(self, result: Captured, failed: str) -> NoReturn:
        files = " ".join(f"-f {f}" for f in self.project.files)
        said = result.stderr.strip() or result.stdout.strip()
        from dockhand.docker import compose_errors  # its rules only for an error

        reason = compose_errors.explain(said)
        message = compose_errors.lines(said)
        cause = reason.cause if reason else message[-1] if message else "no output"
        raise DockhandError(
            f"Compose {failed}: {cause}",
            hint=(reason.hint if reason and reason.hint else "")
            or f"fix what it names; check with `docker compose {files} config`",
        )

    def require_valid(self) -> None:
        """Stop with Compose's reason when it refuses the project's files,
        before a command runs: a dry run would print commands Compose
        refuses, and `ps` reads the engine, not the files. Remembered while
        what the model depends on stays the same (compose_cache), so a
        valid project costs no Compose call after the first."""
        if self._model is not None:
            return
        if self.settings.files_source == NO_COMPOSE_FILE:
            names = ", ".join(COMPOSE_NAMES)
            raise DockhandError(
                f"no compose file in {self.settings.root} or a folder above it",
                hint=f"run it in a Compose project (one of {names}), "
                "or name the files with COMPOSE_FILE",
            )
        cli = self.find_compose()
        from dockhand.docker import compose_cache  # see LAZY_PAIRS

        key, tag = compose_cache.project_fingerprint(cli, self.project)
        folder, name = compose_cache.location(), f"valid-{tag}.json"
        if key is not None and compose_cache.recall_text(key, folder, name) == "yes":
            return
        self._load(compose.config_quiet(cli, self.project))
        if key is not None:
            compose_cache.remember_text(key, "yes", folder, name)

    def ask_services(self) -> list[str]:
        """The services the compose files define, asked of Compose itself
        (`config --services`; from the model when it is already loaded)."""
        if self._services is None:
            if self._model is not None:
                self._services = list(self._model.services)
            else:
                self._services = self._load(
                    compose.config_services(self.find_compose(), self.project)
                ).split()
                self.remember_services(self._services)
        return self._services

    def ask_model(self) -> ComposeModel | None:
        """The merged Compose model, asked of Compose once
        (`config --format json`) and parsed into types; None under Compose
        v1, which has no JSON output."""
        cli = self.find_compose()
        if cli.is_v1:
            return None
        if self._model is None:
            asked = self.runner.capture(
                compose.config_json(cli, self.project), timeout=60
            )
            if not asked.ok:  # refused, or accepted and not printed as JSON
                self._load(compose.config_quiet(cli, self.project))
                self._refused(asked, "accepts the files but prints no JSON of them")
            text = asked.stdout
            try:
                from dockhand.docker import model  # its types only where it is asked

                self._model = model.parse(dict(json.loads(text)))
            except ValueError as exc:
                raise DockhandError(
                    f"Compose printed a model that is not JSON: {exc}",
                    hint="check with `docker compose config --format json`",
                ) from None
            self.remember_services(list(self._model.services))
        return self._model

    def remember_services(self, services: list[str]) -> None:
        """What Compose said the services are, for the next TAB to read
        without asking (dockhand.docker.service_names)."""
        from dockhand.docker import service_names  # see LAZY_PAIRS

        root = self.settings.root
        also = [root / name for name in INVOKE_FILES]  # where files may be named
        service_names.remember(root, self.project, services, also)

    def check_services(self, names: Sequence[str]) -> list[str]:
        """`names` unchanged when every one is a real service, else one clear error.
        With no names there is nothing to check, and no Compose call is made."""
        if not names:
            return []
        known = self.ask_services()
        for name in names:
            if name not in known:
                nearest = difflib.get_close_matches(name, known, n=1)
                suggestion = f"did you mean {nearest[0]!r}? " if nearest else ""
                raise DockhandError(
                    f"unknown service {name!r}",
                    hint=f"{suggestion}services: {', '.join(known)}",
                )
        return list(names)

    def pick_service(self, names: Sequence[str]) -> str:
        """The one service named, or the default one; not yet checked."""
        if len(names) > 1:
            raise DockhandError(
                f"one service at a time, got {len(names)}: {' '.join(names)}",
                hint="name a single service",
            )
        name = names[0] if names else self.settings.default_service
        if not name:
            raise DockhandError(
                "no service named and no default_service configured",
                hint="name one, e.g. `inv shell backend`, or set dockhand.default_service",
            )
        return name

    def is_running(self, name: str) -> bool:
        """Whether the service has a running container: one docker CLI call;
        when it has none, the name is checked as `states` checks it."""

        from dockhand.docker import containers  # see LAZY_PAIRS

        if containers.running(
            self.runner, self.settings.project, name, engine=self.read_engine
        ):
            return True
        self.states([name])
        return False

    def states(self, names: Sequence[str] = ()) -> list[ServiceState]:
        """The containers of these services (all when none), asked of the
        docker CLI: no SDK import for a command that only looks. A name
        without containers is only then checked against the services, so a
        wrong one is the same clear error and a right one costs no call."""

        from dockhand.docker import containers  # see LAZY_PAIRS

        found = containers.states(
            self.runner, self.settings.project, names, engine=self.read_engine
        )
        if set(names) - {state.service for state in found}:
            self.check_services(names)
        return found
