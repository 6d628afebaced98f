"""What one `inv` invocation knows: settings, how to run Compose, the engine.

Each piece is found on first use, so a task only pays for what it needs.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke.context import Context

from dockhand import compose, compose_errors, settings
from dockhand.compose import ComposeCli, Project
from dockhand.defaults import OWN
from dockhand.errors import DockhandError
from dockhand.process import Runner

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.engine import ServiceState


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
        return cli
    raise DockhandError(
        f"Docker Compose was not found (tried: {', '.join(tried)})",
        hint="install the Compose plugin (scripts/engine does on Linux), "
        "or set dockhand.compose_command in invoke.yaml",
    )


@dataclass
class Session:
    settings: settings.Settings
    runner: Runner
    _services: list[str] | None = field(default=None, repr=False)
    _model: dict[str, Any] | None = field(default=None, repr=False)

    @cached_property
    def cli(self) -> ComposeCli:
        """Which Compose runs here, remembered between commands while the
        files it comes from stay the same (compose_cache)."""
        from dockhand import compose_cache

        override = self.settings.compose_command
        key, folder = compose_cache.fingerprint(override), compose_cache.location()
        cli = compose_cache.recall(key, folder)
        if cli is None:
            cli = detect_compose(self.runner, override)
            compose_cache.remember(key, cli, folder)
        return cli

    @cached_property
    def project(self) -> Project:
        return self.settings.compose_project()

    @cached_property
    def client(self) -> DockerClient:
        from dockhand import engine

        return engine.connect()

    def require_engine(self) -> None:
        """Fail before changing anything when the engine does not answer."""
        if not self.runner.dry:
            self.client  # noqa: B018 - connecting is the check

    def _load(self, argv: list[str]) -> str:
        """Ask Compose about the project; an invalid file fails here with
        Compose's own message."""
        result = self.runner.capture(argv, timeout=60)
        if not result.ok:
            files = " ".join(f"-f {f}" for f in self.project.files)
            said = result.stderr.strip() or result.stdout.strip()
            reason = compose_errors.explain(said)
            message = compose_errors.lines(said)
            cause = reason.cause if reason else message[-1] if message else "no output"
            raise DockhandError(
                f"Compose could not load the project: {cause}",
                hint=(reason.hint if reason and reason.hint else "")
                or f"fix what it names; check with `docker compose {files} config`",
            )
        return result.stdout

    def services(self) -> list[str]:
        """The services the compose files define, asked of Compose itself
        (from the model when it is already loaded)."""
        if self._services is None:
            if self._model is not None:
                self._services = list(self._model.get("services") or {})
            else:
                self._services = self._load(
                    compose.config_services(self.cli, self.project)
                ).split()
        return self._services

    def model(self) -> dict[str, Any] | None:
        """The merged Compose model (`config --format json`); None under
        Compose v1, which has no JSON output."""
        if self.cli.is_v1:
            return None
        if self._model is None:
            text = self._load(compose.config_json(self.cli, self.project))
            try:
                self._model = dict(json.loads(text))
            except ValueError as exc:
                raise DockhandError(
                    f"Compose printed a model that is not JSON: {exc}",
                    hint="check with `docker compose config --format json`",
                ) from None
        return self._model

    def check_services(self, names: Sequence[str]) -> list[str]:
        """`names` unchanged when every one is a real service, else one clear error.
        With no names there is nothing to check, and no Compose call is made."""
        if not names:
            return []
        known = self.services()
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

    def states(self, names: Sequence[str] = ()) -> list[ServiceState]:
        """The containers of these services (all when none), asked of the
        docker CLI: no SDK import for a command that only looks. A name
        without containers is only then checked against the services, so a
        wrong one is the same clear error and a right one costs no call."""
        from dockhand import containers

        found = containers.states(self.runner, self.settings.project, names)
        if set(names) - {state.service for state in found}:
            self.check_services(names)
        return found


# Invoke's config levels that are files, lowest precedence first; the
# INVOKE_DOCKHAND_* variables rank between project and runtime, as Invoke's own.
# Invoke keeps each level's data and path in Config._<level> and
# Config._<level>_path (private, but so since Invoke 1.0); without them every
# key is said to come from invoke.yaml, and the variables beat every file.
_FILE_LEVELS = ("system", "user", "project")
_ABOVE_ENV = ("runtime",)


def _file_sections(
    config: Any, levels: Sequence[str], root: Path
) -> list[tuple[str, Any]]:
    """(file name, its dockhand section) of each config file Invoke loaded."""
    found = []
    for level in levels:
        data = getattr(config, f"_{level}", None)
        path = getattr(config, f"_{level}_path", None)
        if isinstance(data, Mapping) and "dockhand" in data and path:
            found.append((_relative(Path(path), root), data["dockhand"]))
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def load_settings(config: Any) -> settings.Settings:
    """Settings from Invoke's merged `dockhand` section and the INVOKE_DOCKHAND_*
    variables namespace() took from the environment, each key checked and,
    when wrong, named with the file or the variable it came from."""
    own = config.get(OWN) or {}
    root = Path(own.get("root") or ".").resolve()
    section = config.get("dockhand")
    origins: dict[str, str] = {}
    for name, data in _file_sections(config, _FILE_LEVELS, root):
        origins.update(dict.fromkeys(data, name) if isinstance(data, Mapping) else {})
        origins[""] = name
    above = _file_sections(config, _ABOVE_ENV, root)
    if section is None:
        section = {}
    if isinstance(section, Mapping):
        section = dict(section)
        overridden = {k for _, data in above if isinstance(data, Mapping) for k in data}
        for key, raw in settings.environment_settings(own.get("environ") or {}).items():
            if key not in overridden:
                section[key], origins[key] = raw, settings.env_var(key)
        section["root"] = str(root)
    for name, data in above:
        origins.update(dict.fromkeys(data, name) if isinstance(data, Mapping) else {})
        origins[""] = name
    loaded = settings.load(section, origins)
    return replace(loaded, prod=True) if own.get("prod") else loaded


def session(c: Context) -> Session:
    config = c.config
    run = config.get("run", {})
    s = Session(
        settings=load_settings(config),
        runner=Runner(dry=bool(run.get("dry")), echo=bool(run.get("echo"))),
    )
    if not (s.settings.project_given and s.settings.files_given):
        from dockhand import discovery

        s.settings = discovery.resolve(s)
    return s
