"""Doctor's checks of the tools: the docker CLI, the engine it talks to,
Compose, and the compose files as Compose reads them."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dockhand import compose, engine
from dockhand.compose import ComposeCli, Project
from dockhand.doctor.check import Check, failed, passed, skipped, warned
from dockhand.errors import DockhandError
from dockhand.process import Runner
from dockhand.session import detect_compose

if TYPE_CHECKING:
    from docker import DockerClient

INSTALL_DOCKER = (
    "install Docker: run scripts/engine (Linux, as root), or install Docker Desktop"
)


def docker_cli(
    runner: Runner, which: Callable[[str], str | None] = shutil.which
) -> Check:
    path = which("docker")
    if path is None:
        return failed("docker CLI", "`docker` is not on PATH", INSTALL_DOCKER)
    result = runner.capture([path, "--version"], timeout=20)
    if not result.ok:
        return failed(
            "docker CLI",
            f"{path} --version failed: {result.stderr.strip()[:200]}",
            INSTALL_DOCKER,
        )
    return passed("docker CLI", f"{result.stdout.strip()} ({path})")


def socket_path(environ: Mapping[str, str], context: str = "") -> str | None:
    """The unix socket the SDK will use, or None for tcp/ssh/other contexts."""
    host = environ.get("DOCKER_HOST", "")
    if not host:
        named = environ.get("DOCKER_CONTEXT") or context
        return None if named not in ("", "default") else "/var/run/docker.sock"
    if host.startswith("unix://"):
        return urlsplit(host).path or host[len("unix://") :]
    return None


def engine_check(
    environ: Mapping[str, str],
    connect: Callable[[], DockerClient],
    context: str = "",
) -> tuple[Check, DockerClient | None]:
    """Reachable, or why not: no socket, no permission, nobody answering."""
    name = "engine"
    where = engine.endpoint()
    path = socket_path(environ, context)
    if path is not None:
        if not os.path.exists(path):
            return failed(
                name,
                f"no socket at {path} ({where}): the engine is not running",
                "start it: scripts/engine (Linux, as root), `sudo systemctl start "
                "docker`, or Docker Desktop; or point DOCKER_HOST at a running engine",
            ), None
        if not os.access(path, os.R_OK | os.W_OK):
            return failed(
                name,
                f"permission denied on {path} ({where})",
                "add yourself to the docker group (`sudo usermod -aG docker $USER`, "
                "then log in again), or run as root",
            ), None
    try:
        client = connect()
        version = client.version()
    except DockhandError as exc:
        return failed(name, exc.message, exc.hint), None
    except Exception as exc:  # the SDK raises requests' errors too
        return failed(
            name, f"not reachable at {where}: {exc}", engine.unreachable(exc).hint
        ), None
    detail = (
        f"Docker Engine {version.get('Version', '?')} (API {version.get('ApiVersion', '?')})"
        f" at {where}"
    )
    return passed(name, detail), client


def compose_check(
    runner: Runner, override: str = "", pinned: str = ""
) -> tuple[Check, ComposeCli | None]:
    try:
        cli = detect_compose(runner, override)
    except DockhandError as exc:
        return failed("compose", exc.message, exc.hint), None
    if pinned and cli.version != compose.parse_version(pinned):
        return warned(
            "compose",
            f"{cli} runs, but this project pins Compose {pinned} "
            "(Compose changes behaviour in minor releases)",
            f"install Compose {pinned} (here: scripts/engine --compose), "
            "or change compose_version in invoke.yaml",
        ), cli
    note = " (v1: works, v2 or newer recommended)" if cli.is_v1 else ""
    minimum = compose.format_version(compose.MINIMUM_VERSION)
    return passed("compose", f"{cli}{note}; dockhand needs {minimum} or newer"), cli


def model_argv(
    cli: ComposeCli, project: Project, env_files: Sequence[Path]
) -> list[str]:
    """`config --format json` reading each env file in turn, later ones
    winning: with the example first, a key `.env` lacks has the value
    `inv setup` would add, so an incomplete `.env` still gives a model."""
    argv = compose.base(cli, replace(project, env_file=None))
    for path in env_files:
        argv += ["--env-file", str(path)]
    return [*argv, "config", "--format", "json"]


def compose_model(
    runner: Runner, cli: ComposeCli, project: Project, env_files: Sequence[Path] = ()
) -> tuple[Check, dict[str, Any] | None]:
    """The files as Compose reads them with the env files given."""
    name = "compose files"
    files = ", ".join(f.name for f in project.files)
    if cli.is_v1:
        return skipped(
            name, f"{cli} cannot print JSON; ports and images not checked"
        ), None
    result = runner.capture(model_argv(cli, project, env_files), timeout=60)
    if not result.ok:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        return failed(
            name,
            f"Compose rejected {files}: {lines[-1] if lines else 'no output'}",
            "fix what it names; `docker compose config` shows the same error",
        ), None
    try:
        model = json.loads(result.stdout)
    except json.JSONDecodeError:
        return failed(
            name, "Compose printed no JSON", "check `docker compose config`"
        ), None
    services = sorted((model.get("services") or {}).keys())
    return passed(
        name, f"{files}: {len(services)} services ({', '.join(services)})"
    ), model
