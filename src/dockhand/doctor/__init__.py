"""The checks behind `inv doctor` (and the first step of `inv setup`).

Each check returns a Check: a name, whether it passed, what it found, and for
a failure the fix. Checks only look: nothing here starts, writes or pulls,
and none needs the stack to be running. The probes they need (the engine, a
port, a process table) are passed in or kept small, so each check is tested
with the real thing and with a stand-in.

Here: the public API, and running every check in order. The result type
is in check; the checks are in docker_and_compose, images, disk_and_ports
and env_checks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand import engine, envfile
from dockhand.doctor.check import Check, as_json, skipped
from dockhand.doctor.disk_and_ports import (
    container_ports,
    disk_check,
    docker_data_dir,
    port_checks,
    published_ports,
)
from dockhand.doctor.docker_and_compose import (
    compose_check,
    compose_model,
    docker_cli,
    engine_check,
)
from dockhand.doctor.env_checks import env_checks
from dockhand.doctor.images import (
    BASE_IMAGE_VAR,
    DEFAULT_BASE_IMAGE,
    image_present,
    images_check,
    needed_images,
    registry_answers,
)
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from dockhand.session import Session

__all__ = ["Check", "all_checks", "as_json", "machine_checks", "secret_values"]

ENGINE_TIMEOUT = 10  # seconds; doctor should answer fast


def _variables(
    env_path: Path, example_path: Path, environ: Mapping[str, str]
) -> dict[str, str | None]:
    """The values Compose will interpolate: the shell, else the env file,
    else the example (what `inv setup` would write)."""
    files: list[envfile.EnvFile] = []
    for path in (example_path, env_path):
        try:
            files.append(envfile.read(path))
        except DockhandError:
            continue
    values: dict[str, str | None] = {}
    for f in files:
        values.update(f.values)
    values.update({k: v for k, v in environ.items() if k in values})
    return values


def machine_checks(s: Session, environ: Mapping[str, str] | None = None) -> list[Check]:
    """Everything but the env file: docker, engine, Compose, the files,
    images, disk and ports. Later checks that need an earlier one are
    skipped when it failed."""
    environ = os.environ if environ is None else environ
    settings = s.settings
    runner = s.runner
    checks = [docker_cli(runner)]
    context = ""
    if checks[0].ok and not environ.get("DOCKER_HOST"):
        shown = runner.capture(["docker", "context", "show"], timeout=10)
        context = shown.stdout.strip() if shown.ok else ""

    engine_result, client = engine_check(
        environ, lambda: engine.connect(timeout=ENGINE_TIMEOUT), context
    )
    checks.append(engine_result)
    compose_result, cli = compose_check(
        runner, settings.compose_command, settings.compose_version
    )
    checks.append(compose_result)

    model = None
    if cli is not None:
        env_files = [
            f for f in (settings.env_example, settings.env_file) if f.is_file()
        ]
        model_result, model = compose_model(
            runner, cli, settings.compose_project(), env_files
        )
        checks.append(model_result)

    variables = _variables(settings.env_file, settings.env_example, environ)
    base = variables.get(BASE_IMAGE_VAR) or DEFAULT_BASE_IMAGE
    if client is None:
        checks.append(skipped("images", "the engine is not reachable"))
    else:
        checks.append(
            images_check(
                needed_images(model, base),
                lambda image: image_present(client, image),
                lambda image: registry_answers(client, image),
            )
        )

    folder, where = docker_data_dir(client, settings.root)
    checks.append(disk_check(folder, settings.min_free_disk_gb, where=where))

    if model is None:
        checks.append(skipped("ports", "needs the Compose model (see above)"))
    else:
        checks += port_checks(
            published_ports(model, variables),
            settings.project,
            settings.env_file.name,
            holders=container_ports(client),
        )
    return checks


def all_checks(s: Session, environ: Mapping[str, str] | None = None) -> list[Check]:
    return [
        *machine_checks(s, environ),
        *env_checks(s.settings.env_file, s.settings.env_example),
    ]


def secret_values(s: Session) -> list[str]:
    """Every secret-like value of the env file, to keep out of any output."""
    return envfile.secret_values(s.settings.env_file, s.settings.env_example)
