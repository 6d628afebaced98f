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
from dataclasses import replace
from pathlib import Path
from typing import Any

from dockhand.commands import cluster
from dockhand.config.schema import Migration
from dockhand.docker import compose
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import argv, cluster_migrate, converge, images, stackfile, verdict
from dockhand.swarm.endpoint import Manager, choose, require_manager
from dockhand.ui import console


def deploy(
    s: Session,
    *,
    as_json: bool = False,
    timeout: float | None = None,
    prune: bool = False,
    stack_file: Path | None = None,
) -> int:
    """`stack_file`: where to write a copy of the stack file, once rendered."""
    started = time.monotonic()
    if stack_file and stack_file.is_dir():
        raise DockhandError(
            f"--stack-file {stack_file} is a folder",
            hint=f"name a file in it, e.g. {stack_file}/stack.yml",
        )
    if stack_file and not stack_file.parent.is_dir():
        raise DockhandError(
            f"--stack-file {stack_file}: there is no folder {stack_file.parent}",
            hint="give a path in a folder that exists",
        )
    s.settings = replace(s.settings, prod=True)
    manager = require_manager(choose(s.settings, os.environ, s.runner), s.runner)
    console.step(f"deploying {s.settings.project} to {manager.host} ({manager.source})")
    images.require_registry(s.settings.deploy_registry)
    typed = s.ask_model()
    if typed is None:
        raise DockhandError(
            "inv deploy needs Compose v2 or newer (its merged model)",
            hint="install the Compose v2 plugin (scripts/engine does)",
        )
    model: dict[str, Any] = dict(typed.raw)  # images, migrations, contents
    stack = s.settings.project
    refuse(stackfile.problems(typed, stack))

    built = images.built_services(model)
    # Data to stdout (--json), so everything the tools print goes to stderr.
    code = s.runner.stream(
        compose.build(s.find_compose(), s.project, list(built)),
        stdout=sys.stderr.buffer,
    )
    if code != 0:
        raise DockhandError(
            "the build failed: nothing was deployed", hint="see above", code=code
        )
    pinned = images.push_pinned(
        s.runner,
        built,
        project=stack,
        registry=s.settings.deploy_registry,
        pull_registry=s.settings.deploy_pull_registry or s.settings.deploy_registry,
        commit=images.commit_of(s.runner, s.settings.root),
    )
    if s.runner.dry:
        console.status("(dry run: the stack is not deployed)")
        return 0
    client = manager.client(s.runner)
    current = {
        svc.name.removeprefix(f"{stack}_"): svc.attrs
        for svc in client.services.list(
            filters={"label": f"{converge.NAMESPACE}={stack}"}
        )
    }
    routing = cluster.routing(s, manager, next(iter(pinned.values()), ""))
    rendered = stackfile.render(
        typed,
        stackfile.Target(
            stack,
            routing,
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
    console.status(f"routing: {routing} ({cluster.ROUTING_WORDS[routing]})")

    changed = [
        name
        for name, spec_digest in rendered.spec_digests().items()
        if _label(current.get(name)) != spec_digest
    ]
    before = converge.versions(client, stack)
    gone = sorted(set(current) - set(rendered.services))
    if not changed:
        console.ok("nothing changed: every service already runs this spec")
        code = verdict.report(s, manager, client, stack, before, 5.0, as_json, started)
        return _prune(s, manager, client, stack, gone, prune) if code == 0 else code

    file = _write(rendered.stack)
    try:
        migrating = [m for m in s.settings.migrations if m.service in changed]
        database = s.settings.database.service if s.settings.database else ""
        if migrating and database in rendered.services:
            first = {
                **rendered.stack,
                "services": {database: rendered.services[database]},
            }
            _stack_deploy(
                s, manager, stack, _write(first), f"the database ({database})"
            )
            _wait_for(s, client, stack, before, [database], timeout)
            for migration in migrating:
                _migrate(s, manager, client, stack, migration, pinned, model, rendered)
        _stack_deploy(s, manager, stack, file, ", ".join(sorted(changed)))
        code = verdict.report(
            s, manager, client, stack, before, _seconds(s, timeout), as_json, started
        )
        return _prune(s, manager, client, stack, gone, prune) if code == 0 else code
    finally:
        file.unlink(missing_ok=True)


def _migrate(
    s: Session,
    manager: Manager,
    client: Any,
    stack: str,
    migration: Migration,
    pinned: dict[str, str],
    model: dict[str, Any],
    rendered: stackfile.Rendered,
) -> None:
    """One migration, as a job in the image just pushed; a failure stops
    the deploy before the app services update."""
    image = pinned.get(migration.service, "")
    if not image:
        raise DockhandError(
            f"migration {migration.label}: {migration.service} has no image built here",
            hint="migrations run in a service `inv deploy` builds",
        )
    cluster_migrate.apply(
        s,
        manager,
        client,
        stack,
        migration,
        cluster_migrate.from_model(
            migration,
            image,
            stack,
            model["services"][migration.service],
            rendered.stack,
        ),
        after=": the stack was not updated, the old version still serves",
        hint="fix the migration and deploy again",
        code=1,
    )


def _prune(
    s: Session, manager: Manager, client: Any, stack: str, gone: list[str], prune: bool
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
    s.runner.stream(
        argv.service_rm(manager.host, *(f"{stack}_{name}" for name in gone)),
        stdout=sys.stderr.buffer,
        failure="docker service rm failed with exit code {code}",
    )
    cluster.prune_contents(s, manager, client, stack)
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


def _pin(current: dict[str, Any] | None, manager_node: str) -> str:
    """The node a service's local volumes live on: where it was pinned
    before, else the manager (the node `inv deploy` knows by name)."""
    spec = (current or {}).get("Spec") or {}
    constraints = ((spec.get("TaskTemplate") or {}).get("Placement") or {}).get(
        "Constraints"
    ) or []
    for constraint in constraints:
        key, _, value = constraint.partition("==")
        if key.strip() == "node.hostname":
            return str(value.strip())
    return manager_node


def _label(current: dict[str, Any] | None) -> str:
    return str(
        (((current or {}).get("Spec") or {}).get("Labels") or {}).get(
            stackfile.SPEC_LABEL, ""
        )
    )


def _contents(model: dict[str, Any]) -> dict[str, str]:
    found = {}
    for kind in ("secrets", "configs"):
        for key, entry in (model.get(kind) or {}).items():
            path = Path(str((entry or {}).get("file") or ""))
            if path.is_file():
                found[f"{kind}/{key}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _write(stack: dict[str, Any]) -> Path:
    """The stack file, as JSON (YAML's subset: the CLI reads it as is)."""
    handle, name = tempfile.mkstemp(prefix="dockhand-stack-", suffix=".yml")
    with os.fdopen(handle, "w") as out:
        json.dump(stack, out, indent=1)
    return Path(name)


def _keep(stack: dict[str, Any], path: Path) -> None:
    try:
        path.write_text(json.dumps(stack, indent=1) + "\n")
    except OSError as exc:
        raise DockhandError(
            f"--stack-file {path}: {exc.strerror}: nothing was deployed",
            hint="give a path in a folder you can write to",
        ) from None
    console.status(f"stack file: {path}")


def _stack_deploy(
    s: Session, manager: Manager, stack: str, file: Path, what: str
) -> None:
    console.step(f"docker stack deploy: {what}")
    code = s.runner.stream(
        argv.stack_deploy(manager.host, stack, file), stdout=sys.stderr.buffer
    )
    if code != 0:
        raise DockhandError(
            f"docker stack deploy failed (exit {code})",
            hint="see its output above",
            code=code,
        )


def _wait_for(
    s: Session,
    client: Any,
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
        cluster.show(s, [st for st in states if st.name in names], found, stack)
        raise DockhandError(
            f"{', '.join(names)} did not become ready ({found}): nothing else was deployed",
            hint="see the task errors above; `inv cluster logs SERVICE`",
            code=converge.EXIT_CODES.get(found, 1),
        )
