"""What `inv up` checks before it changes anything, and just after the
database starts: duplicate networks (repaired), host ports another project
or process holds, and data made with another password than the env file's
(dockhand.checks.credentials). Each is one line with the command that mends it,
within seconds. On a stack already up they cost no process when warm: the
networks and the port holders are one API call each on the client `up`
holds, the published ports and a verified login are remembered by the
Compose model's fingerprint (compose_cache), a login with its volume's
CreatedAt."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from dockhand import envfile
from dockhand.checks import credentials, engine_features, ports
from dockhand.checks.result import FAIL
from dockhand.discovery import older_project
from dockhand.docker import compose, compose_cache, containers, engine
from dockhand.docker.compose import COMPOSE_SAID
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import networks
from dockhand.steps.wait import wait_for_database, wait_scope

if TYPE_CHECKING:
    from dockhand.checks.ports import Published
    from dockhand.checks.result import Check

MOVE = "run `inv setup --new-ports` to move this checkout to free ports"


def busy_ports(s: Session) -> None:
    """Stop when a port the stack publishes is held by someone else."""

    published = published_ports(s)
    if not published:
        return
    project = s.settings.project

    def judged(everyone: bool) -> list[Check]:
        return ports.port_checks(
            published,
            project,
            s.settings.env_file.name,
            holders=ports.container_ports(s.connect(), "" if everyone else project),
            by_address=lambda: ports.containers_by_ip(s.connect()),
        )

    # This stack's own containers first (a short list): on a stack that is
    # up, they hold every port. Only a port they do not hold asks for every
    # container on the engine, to name who does.
    busy = [c for c in judged(everyone=False) if c.status == FAIL]
    if busy:
        busy = [c for c in judged(everyone=True) if c.status == FAIL]
    if busy:
        said = "; ".join(f"{c.name} {c.detail}" for c in busy)
        first = busy[0].fix.split(", or ")[0]
        raise DockhandError(said, hint=f"{MOVE}, or {first}")


def published_ports(s: Session) -> list[Published]:
    """The host ports the stack publishes (with the variable setting each),
    from the model; remembered by its fingerprint, as no secret is in them.
    Nothing under Compose v1, which has no model to read them from."""
    if s.find_compose().is_v1:
        return []
    key, tag = compose_cache.project_fingerprint(s.find_compose(), s.project)
    folder, name = compose_cache.location(), f"ports-{tag}.json"
    text = compose_cache.recall_text(key, folder, name) if key else None
    try:
        return [ports.Published(*row) for row in json.loads(text or "")]
    except (ValueError, TypeError):
        pass  # not remembered (or damaged): asked
    model = s.ask_model()
    values = envfile.merged(s.project.env_files)
    values.update({k: v for k, v in os.environ.items() if k in values})
    found = ports.published_ports(model, values)
    if key is not None:
        rows = [[p.service, p.host_ip, p.port, p.variable] for p in found]
        compose_cache.remember_text(key, json.dumps(rows), folder, name)
    return found


def placeholder_secrets(s: Session) -> None:
    """A secret the env example marks, left at its placeholder (or empty),
    is refused as `inv setup` and `inv doctor` refuse it: a stack started
    with `change-me` as its password keeps it in its volumes."""

    settings = s.settings
    if not settings.env_file.is_file() or not settings.env_example.is_file():
        return
    marked = envfile.read(settings.env_example).secret_keys
    env = envfile.read(settings.env_file)
    left = envfile.placeholders(env, marked) if marked else []
    if left:
        raise DockhandError(
            f"{settings.env_file.name} still has a placeholder or empty secret: "
            f"{', '.join(left)}",
            hint=f"delete those lines from {settings.env_file.name} and run "
            "`inv setup` to generate them",
        )


def before_up(s: Session, names: list[str]) -> None:
    """The checks before `up` changes anything."""
    if s.runner.dry:
        return

    if older := older_project(s):
        raise DockhandError(
            f"this checkout's stack runs as project {older!r} (from before each "
            f"checkout had a name of its own); `up` would start another one",
            hint="run `inv setup` once: it keeps that name, its containers and data",
        )
    placeholder_secrets(s)
    project = s.settings.project
    networks.repair(s.runner, project, engine.network_ids(s.connect(), project))
    busy_ports(s)
    database_login(s, names)


def engine_lacks(s: Session, names: list[str]) -> None:
    """Stop when the engine lacks a feature the services started need (a
    Podman without systemd runs no healthchecks: the wait would only end at
    its deadline), naming the engine and the feature."""
    model = s.ask_model()
    if model is None:
        return
    scope = wait_scope(s, names)
    started = [svc for svc in model.services.values() if scope.covers(svc.name)]
    lacking = engine_features.missing(engine.kind(s.connect()), started)
    if lacking:
        said, hint = lacking[0]
        raise DockhandError(said, hint=hint)


def _refuse(s: Session, login: credentials.Login, note: str = "") -> None:
    message, hint = credentials.mismatch_message(login, s.settings.env_file.name)
    raise DockhandError(message + note, hint=hint)


def database_login(s: Session, names: list[str]) -> None:
    """Stop when the database's data was made with another password. A
    running database is asked at once; one that is not, but whose volume
    holds data already, is started alone first and asked as soon as it is
    healthy (before any backend spends its retries on it). A volume that
    does not exist yet is made with this env file's password: nothing to ask."""
    database = s.settings.database
    if database is None or credentials.remembered_match(
        s, created_of=lambda volume: engine.volume_created(s.connect(), volume)
    ):
        return
    if not wait_scope(s, names).covers(database.service):
        return
    login = credentials.probe(s)
    if login.matches is False:
        _refuse(s, login)
    credentials.remember_match(s, login)
    if login.matches is not None or not _has_data(s, database.service):
        return
    s.runner.check(
        compose.up(s.find_compose(), s.project, [database.service]),
        failure=f"Compose could not start {database.service}",
        hint=COMPOSE_SAID,
    )
    wait_for_database(s)
    login = credentials.probe(s)
    credentials.remember_match(s, login)
    if login.matches is False:
        s.runner.run(
            compose.stop(s.find_compose(), s.project, [database.service], timeout=5)
        )
        _refuse(s, login, f" ({database.service} is stopped again)")


def _has_data(s: Session, service: str) -> bool:
    """Whether a named volume the service mounts exists already."""

    model = s.ask_model()
    spec = model.services.get(service) if model else None
    for mount in spec.volumes if spec else ():
        if mount.type == "volume":
            declared = model.volumes.get(mount.source) if model else None
            name = (declared.name if declared else "") or mount.source
            if (
                name
                and s.runner.capture(
                    containers.volume_created_argv(name), timeout=30
                ).ok
            ):
                return True
    return False
