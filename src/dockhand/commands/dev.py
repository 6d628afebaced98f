"""Working inside the stack: migrations and shells."""

from __future__ import annotations

import shlex
import time

from dockhand.docker import compose
from dockhand.docker.process import interactive
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console


def wait_for_database(s: Session, found: list[ServiceState] | None = None) -> None:
    """Migrations need the database up and healthy; wait for it with the
    deadline, unless `found` (the project's containers) shows it healthy
    and up for longer than the stability window already."""
    database = s.settings.database
    if database is None or s.runner.dry:
        return
    if found is None:
        found = s.states([database.service])
    found = [state for state in found if state.service == database.service]
    if not any(state.state == "running" for state in found):
        raise DockhandError(
            f"the database service {database.service!r} is not running",
            hint="start the stack with `inv up`, then run this again",
        )
    now = time.time()
    if all(_settled(state, now, s.settings.wait_stable_seconds) for state in found):
        return
    # Here, not at the top: `inv shell` needs none of the wait's modules.
    from dockhand.commands.stack import rules
    from dockhand.steps import readiness
    from dockhand.steps import wait as waits

    waits.wait_ready(
        s.connect(),
        s.settings.project,
        now + s.settings.wait_timeout,
        lambda _: None,
        readiness.Scope(frozenset([database.service])),
        rules(s),
        since=now,
    )


def _settled(state: ServiceState, now: float, window: float) -> bool:
    started = state.started_at.timestamp() if state.started_at else now
    return (
        state.state == "running"
        and state.health in ("healthy", "")
        and now - started > window
    )


def migrate(
    s: Session,
    *,
    status: bool = False,
    snapshot: bool = True,
    restore_on_failure: bool = False,
) -> None:
    """Apply (or with `status`, show) each configured migration in order;
    before applying, a snapshot of the database when something is pending
    (ops.migrate_safety), put back on failure when asked."""
    migrations = s.settings.migrations
    if not migrations:
        raise DockhandError(
            "no migrations are configured",
            hint="add dockhand.migrations to invoke.yaml",
        )
    database = s.settings.database
    wanted = [m.service for m in migrations] + ([database.service] if database else [])
    found = s.states(list(dict.fromkeys(wanted)))  # one look, for all of them
    running = {state.service for state in found if state.state == "running"}
    wait_for_database(s, found)
    waiting = snap = None
    if not status and snapshot:
        from dockhand.commands import migrate_safety  # --status needs none of it

        waiting = migrate_safety.pending(s, running)
        snap = migrate_safety.snapshot(s, waiting)
    for migration in migrations:
        argv = migration.status if status else migration.run
        if argv is None:
            console.status(f"{migration.service}: no status command configured")
            continue
        console.step(f"{migration.service}: {shlex.join(argv)}")
        command = compose.exec_or_run(
            s.find_compose(),
            s.project,
            migration.service,
            argv,
            running=s.runner.dry or migration.service in running,
            tty=False,
        )
        if status:
            s.runner.check(
                command,
                failure=f"'{migration.label}' failed with exit code {{code}}",
                hint="its output is above",
            )
            continue
        code = s.runner.run(command).code
        if code != 0:
            from dockhand.commands import migrate_safety

            raise migrate_safety.failed(
                s,
                migration,
                code,
                None if waiting is None else waiting[migration],
                running,
                snap,
                restore_on_failure,
            )
    if not status:
        console.ok("migrations applied")


def shell(s: Session, names: list[str], command: str | None, user: str | None) -> None:
    """A shell in a service: the terminal handed over, or one command run."""
    name = s.pick_service(names)
    program = s.settings.service(name).shell
    running = s.runner.dry or s.is_running(name)  # also: the engine answers
    if command is None:
        if not interactive():
            raise DockhandError(
                "an interactive shell needs a terminal",
                hint="run one command with -c 'CMD'",
            )
        s.runner.handover(
            compose.exec_or_run(
                s.find_compose(),
                s.project,
                name,
                compose.shell_command(program),
                running=running,
                tty=True,
                user=user,
            )
        )
    argv = compose.exec_or_run(
        s.find_compose(),
        s.project,
        name,
        compose.shell_command(program, command),
        running=running,
        tty=interactive(),
        user=user,
    )
    s.runner.pass_on(argv)
