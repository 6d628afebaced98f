"""The configured migrations, run in order in their services once the
database is ready: `status` shows them (`inv migrate --status`), `apply`
runs them (`inv db.reset`, whose safety backup is the snapshot; with a
snapshot first: dockhand.steps.migration_safety)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from dockhand.config.schema import Migration
from dockhand.docker import compose
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps.wait import wait_for_database
from dockhand.ui import console


def look(s: Session) -> set[str]:
    """The services running among the migrations' and the database's (one
    look, for all of them), once the database is ready."""
    migrations = s.settings.migrations
    if not migrations:
        raise DockhandError(
            "no migrations are configured",
            hint="add dockhand.migrations to invoke.yaml",
        )
    database = s.settings.database
    wanted = [m.service for m in migrations] + ([database.service] if database else [])
    found = s.states(list(dict.fromkeys(wanted)))
    wait_for_database(s, found)
    return {state.service for state in found if state.state == "running"}


def in_service(
    s: Session, migration: Migration, argv: Sequence[str], running: set[str]
) -> list[str]:
    return compose.exec_or_run(
        s.find_compose(),
        s.project,
        migration.service,
        argv,
        running=s.runner.dry or migration.service in running,
        tty=False,
    )


def status(s: Session) -> None:
    """Each migration's status command, in order (`inv migrate --status`)."""
    running = look(s)
    for migration in s.settings.migrations:
        if migration.status is None:
            console.status(f"{migration.service}: no status command configured")
            continue
        console.step(f"{migration.service}: {shlex.join(migration.status)}")
        s.runner.check(
            in_service(s, migration, migration.status, running),
            f"'{migration.label}' failed with exit code {{code}}",
            hint="its output is above",
        )


def apply(s: Session) -> None:
    """Apply each migration in order, with no snapshot first."""
    run(s, look(s), failure)


def failure(migration: Migration, code: int) -> DockhandError:
    """A failed migration, when there is no snapshot to go back to."""
    return DockhandError(
        f"migration '{migration.label}' failed with exit code {code}",
        hint="its output is above; fix the cause and run `inv migrate` again",
        code=code,
    )


def run(
    s: Session,
    running: set[str],
    failure: Callable[[Migration, int], DockhandError],
) -> None:
    for migration in s.settings.migrations:
        console.step(f"{migration.service}: {shlex.join(migration.run)}")
        code = s.runner.run(in_service(s, migration, migration.run, running)).code
        if code != 0:
            raise failure(migration, code)
    console.ok("migrations applied")
