"""What `inv up` checks before it changes anything, and just after the
database starts: host ports another project or process holds, and data made
with another password than the env file's (dockhand.credentials). Each is
one line with the command that mends it, within seconds."""

from __future__ import annotations

import os

from dockhand import compose, credentials, readiness
from dockhand.errors import DockhandError
from dockhand.session import Session

MOVE = "run `inv setup --new-ports` to move this checkout to free ports"


def busy_ports(s: Session) -> None:
    """Stop when a port the stack publishes is held by someone else."""
    from dotenv import dotenv_values

    from dockhand.checks import machine
    from dockhand.checks.result import FAIL

    model = s.model()
    if model is None:
        return
    env = s.settings.env_file
    values = dict(dotenv_values(env)) if env.is_file() else {}
    values.update({k: v for k, v in os.environ.items() if k in values})
    checks = machine.port_checks(
        machine.published_ports(model, values),
        s.settings.project,
        env.name,
        holders=machine.container_ports(s.client),
        by_address=lambda: machine.containers_by_ip(s.client),
    )
    busy = [c for c in checks if c.status == FAIL]
    if busy:
        said = "; ".join(f"{c.name} {c.detail}" for c in busy)
        first = busy[0].fix.split(", or ")[0]
        raise DockhandError(said, hint=f"{MOVE}, or {first}")


def before_up(s: Session) -> bool:
    """The checks before `up`; whether the database was checked already
    (it was running)."""
    if s.runner.dry:
        return True
    from dockhand.discovery import older_project

    if older := older_project(s):
        raise DockhandError(
            f"this checkout's stack runs as project {older!r} (from before each "
            f"checkout had a name of its own); `up` would start another one",
            hint="run `inv setup` once: it keeps that name, its containers and data",
        )
    busy_ports(s)
    login = credentials.probe(s)
    if login.matches is False:
        message, hint = credentials.mismatch_message(login, s.settings.env_file.name)
        raise DockhandError(message, hint=hint)
    return login.matches is not None or s.settings.database is None


def after_up(s: Session, names: list[str]) -> None:
    """Once `up` started the database: wait for it alone, then check the
    password, before the backends spend their retries on it."""
    from dockhand.ops.dev import wait_for_database
    from dockhand.ops.stack import wait_scope

    database = s.settings.database
    if database is None:
        return
    scope: readiness.Scope = wait_scope(s, names)
    if not scope.covers(database.service):
        return
    wait_for_database(s)
    login = credentials.probe(s)
    if login.matches is False:
        # What this `up` started would only retry against it: stopped again.
        s.runner.stream(compose.stop(s.cli, s.project, names))
        message, hint = credentials.mismatch_message(login, s.settings.env_file.name)
        raise DockhandError(message + " (the stack is stopped again)", hint=hint)
