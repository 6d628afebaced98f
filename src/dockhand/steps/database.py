"""The database the commands work on: its service, user and name, psql run
in its container, and the progress lines of the commands that change it
(paths and database names in them are text: the console escapes them)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from dockhand import postgres
from dockhand.docker import compose, engine
from dockhand.errors import DockhandError
from dockhand.postgres import Target, dumps
from dockhand.session import Session
from dockhand.steps.wait import wait_for_database
from dockhand.ui import console


def target(s: Session) -> Target:
    """The configured database, its user and name: from the running
    container's environment (what the server was started with), else the env
    file, else PostgreSQL's defaults. The password is never read."""
    from dockhand import envfile  # python-dotenv, only where an env file is read

    database = s.settings.database
    if database is None:
        raise DockhandError(
            "no database is configured",
            hint="set dockhand.database (service, user_var, name_var) in invoke.yaml",
        )
    sources: list[dict[str, str | None]] = []
    if not s.runner.dry:
        for container in engine.containers(
            s.connect(), s.settings.project, [database.service]
        ):
            if container.status == "running":
                sources.append(
                    dict(postgres.env_pairs(container.attrs["Config"]["Env"] or []))
                )
                break
    sources.append(envfile.merged(s.project.env_files))
    return postgres.resolve_target(
        database.service, database.user_var, database.name_var, *sources
    )


def ready(s: Session) -> Target:
    """The database target, once its service runs and is healthy."""
    database = s.settings.database
    if database is not None:
        s.check_services([database.service])
    s.require_engine()
    wait_for_database(s)
    return target(s)


def in_db(s: Session, t: Target, argv: Sequence[str]) -> list[str]:
    """`exec -T` in the database service: never a TTY, so bytes stay bytes."""
    return compose.exec_(s.find_compose(), s.project, t.service, argv, tty=False)


def run_sql(
    s: Session,
    t: Target,
    sql: str,
    *,
    database: str | None = None,
    failure: str | None = None,
) -> int:
    """Run one SQL command for its effect; psql's errors reach stderr, its
    status output is dropped. A failure raises `failure` when given (psql's
    message is above it), else the exit code is returned."""
    argv = in_db(s, t, postgres.psql_command(t, sql, database=database))
    with open(os.devnull, "wb") as devnull:
        if failure is None:
            return s.runner.run(argv, stdout=devnull).code
        s.runner.check(
            argv,
            stdout=devnull,
            failure=failure,
            hint="psql's message is above",
            code=1,
        )
        return 0


def query(s: Session, t: Target, sql: str) -> list[str]:
    """A read-only probe: the values psql prints, one row per line."""
    argv = in_db(s, t, postgres.psql_query(t, sql, database=t.maintenance))
    result = s.runner.capture(argv, timeout=60)
    if not result.ok:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise DockhandError(
            f"could not ask the database: {reason}",
            hint=f"check it with `inv logs {t.service}`",
        )
    return [line for line in result.stdout.splitlines() if line]


def existing(s: Session, t: Target, names: Sequence[str]) -> set[str]:
    """Which of `names` are databases (under --dry: assume only the target)."""
    if s.runner.dry:
        return {t.name} & set(names)
    return set(query(s, t, postgres.exists_sql(names)))


def size_of(s: Session, t: Target, name: str) -> str:
    if s.runner.dry:
        return "size not probed under --dry"
    rows = query(s, t, postgres.size_sql(name))
    return rows[0] if rows else "size unknown"


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it."""
    return dumps.shown_path(path, Path.cwd())


def step(message: str) -> None:
    """A progress line (the console escapes it: names are never markup)."""
    console.step(message)


def ok(message: str) -> None:
    console.ok(message)


def tell(message: str) -> None:
    """A status line that may hold a command to copy."""
    console.status(message)


def tell_undo(s: Session, safety: Path) -> None:
    """Where the safety backup is, and the command that restores it."""
    undo = dumps.restore_command(safety, Path.cwd(), prod=s.settings.prod)
    tell(f"the data before is in {shown(safety)}; undo with: {undo}")
