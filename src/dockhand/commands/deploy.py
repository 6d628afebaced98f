"""`inv deploy`: the stack with its production override onto a Swarm.

1. the manager answers and is one; the registry answers;
2. Compose's merged model -> the stack file (swarm.stackfile); what Swarm
   cannot take stops the deploy here, one line each;
3. build, tag immutably, push, pin by digest;
4. nothing changed (every service's spec digest the same): stop, deployed;
5. the database first, waited for; then each migration whose service
   changes, as a one-off job on the stack's network (a failure stops here,
   the old version still serving); then the whole stack;
6. wait for the engine to say converged, rolled back or paused, or the
   deadline; the verdict's exit code (swarm.converge.EXIT_CODES).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockhand.config.schema import Migration
from dockhand.docker import compose
from dockhand.docker.model import ComposeModel
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import (
    argv,
    cluster_migrate,
    converge,
    images,
    inspected,
    stackfile,
    verdict,
)
from dockhand.swarm.endpoint import ROUTING_WORDS, Manager, manager_of, routing
from dockhand.swarm.inspected import Service
from dockhand.ui import console

if TYPE_CHECKING:
    from docker import DockerClient

# Compose's merged model (`docker compose config --format json`), as read.
Model = dict[str, Any]
# The stack file, as swarm.stackfile renders it.
StackFile = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """What a deploy changes on the cluster."""

    changed: list[str]  # services whose spec differs from the one running
    gone: list[str]  # the stack's services no longer in the compose files
    migrating: list[Migration]  # the migrations of changed services, in order


def deploy(
    s: Session,
    *,
    as_json: bool = False,
    timeout: float | None = None,
    prune: bool = False,
    stack_file: Path | None = None,
) -> int:
    """`stack_file`: where to write a copy of the stack file, once rendered
    (its folder exists: cli.deploy.stack_file_path)."""
    started = time.monotonic()
    # The project is asked anew; never with the trust override: its bind
    # mount names a file of this machine, not of the cluster's nodes.
    s.reload(replace(s.settings, prod=True, trust=False))
    manager = manager_of(s)
    console.step(f"deploying {s.settings.project} to {manager.host} ({manager.source})")
    images.require_registry(s.settings.deploy_registry)
    stack = s.settings.project
    typed = _model(s)
    model: Model = dict(typed.raw)  # images, migrations, contents
    pinned = _build_and_push(s, model)
    if s.runner.dry:
        console.status("(dry run: the stack is not deployed)")
        return 0
    client = manager.client(s.runner)
    current = converge.services(client, stack)
    rendered = _render(s, manager, typed, pinned, current, stack_file)
    found = plan(rendered, current, s.settings.migrations)
    before = converge.versions(client, stack)
    if not found.changed:
        console.ok("nothing changed: every service already runs this spec")
        wait = 5.0
    else:
        _roll_out(s, manager, client, found, rendered, before, timeout, model, pinned)
        wait = _seconds(s, timeout)
    code = verdict.report(s, manager, client, stack, before, wait, as_json, started)
    return _prune(s, manager, client, stack, found.gone, prune) if code == 0 else code


def _model(s: Session) -> ComposeModel:
    """Compose's merged model of the production stack, when Swarm can take
    all of it."""
    typed = s.ask_model()  # the stack file is written from Compose's own JSON
    if typed is None:
        raise DockhandError(
            "inv deploy needs Compose v2 or newer (its merged model)",
            hint="install the Compose v2 plugin (scripts/engine does)",
        )
    refuse(stackfile.problems(typed, s.settings.project))
    return typed


def _build_and_push(s: Session, model: Model) -> dict[str, str]:
    """Build, tag immutably, push: {service: its image, pinned by digest}."""
    built = images.built_services(model)
    # Data to stdout (--json), so everything the tools print goes to stderr.
    code = s.runner.run(
        compose.build(s.find_compose(), s.project, list(built)),
        stdout=sys.stderr.buffer,
    ).code
    if code != 0:
        raise DockhandError(
            "the build failed: nothing was deployed", hint="see above", code=code
        )
    return images.push_pinned(
        s.runner,
        built,
        project=s.settings.project,
        registry=s.settings.deploy_registry,
        pull_registry=s.settings.deploy_pull_registry or s.settings.deploy_registry,
        commit=images.commit_of(s.runner, s.settings.root),
    )


def _render(
    s: Session,
    manager: Manager,
    typed: ComposeModel,
    pinned: dict[str, str],
    current: Mapping[str, Service],
    stack_file: Path | None,
) -> stackfile.Rendered:
    """The stack file, each service pinned where its volumes are, with the
    routing the cluster offers (a copy kept at `stack_file`); what it cannot
    carry stops here."""
    routed = routing(s, manager, next(iter(pinned.values()), ""))
    model: Model = dict(typed.raw)
    rendered = stackfile.render(
        typed,
        stackfile.Target(
            s.settings.project,
            routed,
            pinned,
            {name: _pin(current.get(name), manager.node) for name in model["services"]},
            _contents(model),
        ),
    )
    refuse(rendered.notes)
    for note in rendered.notes:
        console.warn(str(note))
    if stack_file:
        _keep(rendered.stack, stack_file)
    console.status(f"routing: {routed} ({ROUTING_WORDS[routed]})")
    return rendered


def plan(
    rendered: stackfile.Rendered,
    current: Mapping[str, Service],
    migrations: tuple[Migration, ...] | list[Migration],
) -> Plan:
    """Pure: the services whose spec digest moved, those gone from the
    compose files, and the migrations of the changed ones."""
    changed = [
        name
        for name, spec_digest in rendered.spec_digests().items()
        if _label(current.get(name)) != spec_digest
    ]
    gone = sorted(set(current) - set(rendered.services))
    return Plan(changed, gone, [m for m in migrations if m.service in changed])


def _roll_out(
    s: Session,
    manager: Manager,
    client: DockerClient,
    found: Plan,
    rendered: stackfile.Rendered,
    before: dict[str, int],
    timeout: float | None,
    model: Model,
    pinned: dict[str, str],
) -> None:
    """The database first, waited for, then each migration as a job (a
    failure stops here, the old version still serving); then the stack."""
    stack = s.settings.project
    database = s.settings.database.service if s.settings.database else ""
    if found.migrating and database in rendered.services:
        first = {
            **rendered.stack,
            "services": {database: rendered.services[database]},
        }
        _stack_deploy(s, manager, stack, first, f"the database ({database})")
        _wait_for(s, client, stack, before, [database], timeout)
        for migration in found.migrating:
            image = pinned.get(migration.service, "")
            service_model = model["services"][migration.service]
            cluster_migrate.before_update(
                s, manager, client, migration, image, service_model, rendered.stack
            )
    _stack_deploy(s, manager, stack, rendered.stack, ", ".join(sorted(found.changed)))


def _prune(
    s: Session,
    manager: Manager,
    client: DockerClient,
    stack: str,
    gone: list[str],
    prune: bool,
) -> int:
    """The stack's services no longer in the compose files: named, and with
    --prune removed, once the rest has converged (as `docker stack deploy
    --prune` would, but never before the new spec runs)."""
    if not gone:
        return 0
    names = ", ".join(gone)
    if not prune:
        console.warn(
            f"still running, no longer in the compose files: {names}"
            " (`inv deploy --prune` removes them)"
        )
        return 0
    console.step(f"removing {names}: no longer in the compose files")
    s.runner.check(
        argv.service_rm(manager.host, *(f"{stack}_{name}" for name in gone)),
        stdout=sys.stderr.buffer,
        failure="docker service rm failed with exit code {code}",
    )
    verdict.prune_contents(s, manager, client, stack)
    return 0


def refuse(notes: list[stackfile.Note]) -> None:
    failures = [n for n in notes if n.level == stackfile.FAIL]
    for note in failures:
        console.status(f"  swarm: {note}")
    if failures:
        raise DockhandError(
            f"{len(failures)} thing(s) in the production configuration Swarm cannot do "
            f"(listed above): nothing was deployed",
            hint="change them in the compose files; `inv check` lists them as swarm-compat",
        )


def _seconds(s: Session, timeout: float | None) -> float:
    return timeout if timeout is not None else s.settings.deploy_timeout


def _pin(current: Service | None, manager_node: str) -> str:
    """The node a service's local volumes live on: where it was pinned
    before, else the manager (the node `inv deploy` knows by name)."""
    for constraint in current.constraints if current else ():
        key, _, value = constraint.partition("==")
        if key.strip() == "node.hostname":
            return value.strip()
    return manager_node


def _label(current: Service | None) -> str:
    return current.labels.get(stackfile.SPEC_LABEL, "") if current else ""


def _contents(model: Model) -> dict[str, str]:
    found = {}
    for kind in ("secrets", "configs"):
        declared = model.get(kind)
        for key, entry in declared.items() if isinstance(declared, Mapping) else ():
            path = Path(str(inspected.dig(entry, "file") or ""))
            if path.is_file():
                found[f"{kind}/{key}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _write(stack: StackFile) -> Path:
    """The stack file, as JSON (YAML's subset: the CLI reads it as is)."""
    handle, name = tempfile.mkstemp(prefix="dockhand-stack-", suffix=".yml")
    with os.fdopen(handle, "w") as out:
        json.dump(stack, out, indent=1)
    return Path(name)


def _keep(stack: StackFile, path: Path) -> None:
    try:
        path.write_text(json.dumps(stack, indent=1) + "\n")
    except OSError as exc:
        raise DockhandError(
            f"--stack-file {path}: {exc.strerror}: nothing was deployed",
            hint="give a path in a folder you can write to",
        ) from None
    console.status(f"stack file: {path}")


def _stack_deploy(
    s: Session, manager: Manager, stack: str, stack_file: StackFile, what: str
) -> None:
    console.step(f"docker stack deploy: {what}")
    file = _write(stack_file)
    try:
        code = s.runner.run(
            argv.stack_deploy(manager.host, stack, file), stdout=sys.stderr.buffer
        ).code
    finally:
        file.unlink(missing_ok=True)
    if code != 0:
        raise DockhandError(
            f"docker stack deploy failed (exit {code})",
            hint="see its output above",
            code=code,
        )


def _wait_for(
    s: Session,
    client: DockerClient,
    stack: str,
    before: dict[str, int],
    names: list[str],
    timeout: float | None,
) -> None:
    def decide(states: list[converge.ServiceState]) -> str | None:
        return converge.verdict([st for st in states if st.name in names])

    found, states, _ = converge.wait(
        client,
        lambda: converge.read(client, stack, before),
        decide,
        _seconds(s, timeout),
    )
    if found != converge.CONVERGED:
        verdict.show([st for st in states if st.name in names], found, stack)
        raise DockhandError(
            f"{', '.join(names)} did not become ready ({found}): nothing else was deployed",
            hint="see the task errors above; `inv cluster logs SERVICE`",
            code=converge.EXIT_CODES.get(found, 1),
        )
