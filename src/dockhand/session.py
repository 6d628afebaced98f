"""What one `inv` invocation knows: settings, how to run Compose, the engine.

Each piece is found on first use, so a task only pays for what it needs.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from invoke.context import Context

from dockhand import compose, settings
from dockhand.compose import ComposeCli, Project
from dockhand.errors import DockhandError
from dockhand.process import Runner

if TYPE_CHECKING:
    from docker import DockerClient


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
        return detect_compose(self.runner, self.settings.compose_command)

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
            message = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise DockhandError(
                f"Compose could not load the project: {message[-1] if message else 'no output'}",
                hint=f"fix what it names; check with `docker compose {files} config`",
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

    def one_service(self, names: Sequence[str]) -> str:
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
        return self.check_services([name])[0]

    def running(self, service: str) -> bool:
        from dockhand import engine

        return any(
            s.state == "running"
            for s in engine.states(self.client, self.settings.project, [service])
        )


def session(c: Context) -> Session:
    config = c.config
    run = config.get("run", {})
    return Session(
        settings=settings.load(dict(config.get("dockhand") or {})),
        runner=Runner(dry=bool(run.get("dry")), echo=bool(run.get("echo"))),
    )
