"""The database: psql, backups, restores that cannot lose data, and a reset.

Every command runs in the database container through a non-TTY `exec` over
its local socket, so no password is read, passed or printed, and no terminal
touches a dump. Dumps stream between the container and a file handle here;
they are never held in memory.

A restore never writes into the live database: it lands in a scratch
database, and only a restore that succeeded is swapped in, by two renames in
one transaction. Whatever fails or is interrupted before that leaves the
database as it was.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from invoke.exceptions import Exit

from dockhand import compose, console, engine, postgres
from dockhand.errors import DockhandError
from dockhand.ops.cleanup import confirm, human_size
from dockhand.ops.dev import run_migrations, wait_for_database
from dockhand.postgres import DumpInfo, Target
from dockhand.process import interactive
from dockhand.session import Session

UNCHANGED = "the database was not changed"
SWAP_ATTEMPTS = 3


def backups_folder(s: Session) -> Path:
    return s.settings.root / "backups"


def _shown(path: Path) -> str:
    return postgres.shown_path(path, Path.cwd())


def step(message: str) -> None:
    """A progress line; paths and names in it are text, never markup."""
    from rich.markup import escape

    console.step(escape(message))


def ok(message: str) -> None:
    from rich.markup import escape

    console.ok(escape(message))


def tell(message: str) -> None:
    """A status line that may hold a command to copy: text, never markup."""
    from rich.markup import escape

    console.status(escape(message))


def target(s: Session) -> Target:
    """The configured database, its user and name: from the running
    container's environment (what the server was started with), else the env
    file, else PostgreSQL's defaults. The password is never read."""
    from dotenv import dotenv_values

    database = s.settings.database
    if database is None:
        raise DockhandError(
            "no database is configured",
            hint="set dockhand.database (service, user_var, name_var) in invoke.yaml",
        )
    sources: list[dict[str, str | None]] = []
    if not s.runner.dry:
        for container in engine.containers(
            s.client, s.settings.project, [database.service]
        ):
            if container.status == "running":
                sources.append(
                    dict(postgres.env_pairs(container.attrs["Config"]["Env"] or []))
                )
                break
    if s.settings.env_file.is_file():
        sources.append(dict(dotenv_values(s.settings.env_file)))
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
    return compose.exec_(s.cli, s.project, t.service, argv, tty=False)


def run_sql(s: Session, t: Target, sql: str, *, database: str | None = None) -> int:
    """Run one SQL command for its effect; psql's errors reach stderr, its
    status output is dropped. Returns the exit code."""
    argv = in_db(s, t, postgres.psql_command(t, sql, database=database))
    with open(os.devnull, "wb") as devnull:
        return s.runner.stream(argv, stdout=devnull)


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


def dump(s: Session, t: Target, database: str, dest: Path) -> None:
    """`pg_dump -Fc` of `database` streamed into `dest`. It is written to a
    hidden partial file first and renamed when pg_dump succeeded, so a failed
    or interrupted dump never leaves a file that looks complete."""
    argv = in_db(s, t, postgres.pg_dump(t, database=database))
    if s.runner.dry:
        s.runner.stream(argv)
        tell(f"  (output to {_shown(dest)})")
        return
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = postgres.partial_path(dest)
    done = False
    try:
        # 0600: a dump holds every row, secrets included.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            code = s.runner.stream(argv, stdout=out)
            if code == 0:
                out.flush()
                os.fsync(out.fileno())
        if code != 0:
            raise DockhandError(
                f"pg_dump of database {database!r} failed with exit code {code}",
                hint="its message is above; nothing was written",
                code=code,
            )
        os.replace(partial, dest)
        done = True
    finally:
        if not done:
            partial.unlink(missing_ok=True)


def safety_backup(s: Session, t: Target, label: str) -> Path:
    """A dump of the target taken before it is replaced or dropped."""
    dest = postgres.unused(
        postgres.backup_path(
            backups_folder(s), s.settings.project, datetime.now(timezone.utc), label
        )
    )
    step(f"safety backup of database {t.name!r} to {_shown(dest)}")
    dump(s, t, t.name, dest)
    return dest


def check_file(path: Path) -> None:
    """Refuse what is plainly not a dump before anything runs."""
    if not path.exists():
        raise DockhandError(
            f"{path}: no such file; {UNCHANGED}",
            hint="give the path of a dump, e.g. one in backups/ made by `inv db.backup`",
        )
    if not path.is_file():
        raise DockhandError(
            f"{path} is not a file; {UNCHANGED}",
            hint="db.restore takes one pg_dump -Fc file, as `inv db.backup` writes",
        )
    with path.open("rb") as file:
        problem = postgres.archive_problem(file.read(512))
    if problem:
        raise DockhandError(
            f"{path}: {problem}; {UNCHANGED}",
            hint="db.restore takes pg_dump -Fc files, as `inv db.backup` writes",
        )


def check_dump(s: Session, t: Target, path: Path) -> DumpInfo:
    """`pg_restore --list` in the container, fed the file on stdin: it reads
    the header and the table of contents, and fails on a file it cannot read."""
    argv = in_db(s, t, postgres.pg_restore_list())
    if s.runner.dry:
        s.runner.stream(argv)
        tell(f"  (input from {_shown(path)})")
        return DumpInfo()
    with path.open("rb") as dump_file, tempfile.TemporaryFile() as listing:
        code = s.runner.stream(argv, stdin=dump_file, stdout=listing)
        listing.seek(0)
        header = listing.read(64 * 1024).decode(errors="replace")
    if code != 0:
        raise DockhandError(
            f"{path} is not a dump pg_restore can read (pg_restore --list "
            f"exited {code}); {UNCHANGED}",
            hint="pg_restore's reason is above; use a complete `inv db.backup` file",
            code=1,
        )
    return postgres.parse_listing(header)


def drop_leftovers(s: Session, t: Target, present: set[str]) -> None:
    """An interrupted restore may have left its scratch database behind, or
    the old one after a swap; neither is the live database."""
    for name in (t.scratch, t.old):
        if name in present:
            step(f"dropping {name!r}, left by an interrupted restore")
            if run_sql(s, t, postgres.drop_sql(name), database=t.maintenance) != 0:
                raise DockhandError(
                    f"could not drop the leftover database {name!r}; {UNCHANGED}",
                    hint="psql's message is above",
                )


def restore_into_scratch(s: Session, t: Target, path: Path) -> None:
    """Create the scratch database and restore the dump into it, in one
    transaction; on any failure (or Ctrl-C) the scratch database is dropped
    and the live one was never touched."""
    code = run_sql(
        s,
        t,
        postgres.create_sql(t.scratch, t.user, template="template0"),
        database=t.maintenance,
    )
    if code != 0:
        raise DockhandError(
            f"could not create the scratch database {t.scratch!r}; {UNCHANGED}",
            hint="psql's message is above",
        )
    argv = in_db(s, t, postgres.pg_restore(t, t.scratch))
    restored = False
    try:
        if s.runner.dry:
            s.runner.stream(argv)
            tell(f"  (input from {_shown(path)})")
            code = 0
        else:
            with path.open("rb") as dump_file:
                code = s.runner.stream(argv, stdin=dump_file)
        restored = code == 0
    finally:
        if not restored:
            run_sql(s, t, postgres.drop_sql(t.scratch), database=t.maintenance)
    if not restored:
        raise DockhandError(
            f"the restore of {path} failed (pg_restore exited {code}); "
            f"database {t.name!r} is unchanged",
            hint="pg_restore's reason is above; the file is damaged or incomplete",
            code=1,
        )


def swap_in(s: Session, t: Target, *, had_target: bool) -> None:
    """Rename the scratch database into place in one transaction, retried
    when a client reconnects between the disconnect and the rename."""
    sql = postgres.swap_sql(t, had_target=had_target)
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        if run_sql(s, t, sql, database=t.maintenance) == 0:
            return
        if attempt < SWAP_ATTEMPTS:
            console.warn("the swap did not happen; trying again")
    run_sql(s, t, postgres.drop_sql(t.scratch), database=t.maintenance)
    raise DockhandError(
        f"could not swap the restored data in; database {t.name!r} is unchanged",
        hint="a client kept reconnecting; stop it (e.g. `inv down`, then "
        f"`inv up {t.service}`) and run the restore again",
    )


def shell(s: Session, command: str | None) -> None:
    """psql on the terminal handed over, or one statement run without one."""
    t = ready(s)
    if command is None:
        if not interactive():
            raise DockhandError(
                "an interactive psql needs a terminal",
                hint="run one statement with -c 'SQL'",
            )
        s.runner.handover(
            compose.exec_(s.cli, s.project, t.service, postgres.psql(t), tty=True)
        )
    code = s.runner.stream(in_db(s, t, postgres.psql_command(t, command)))
    if code != 0:
        raise Exit(code=code)


def backup(s: Session, output: str | None) -> None:
    """pg_dump -Fc into backups/ (or `output`); print how to restore it."""
    t = ready(s)
    if output == "-":
        if interactive():
            raise DockhandError(
                "refusing to write a binary dump to the terminal",
                hint="redirect it (`inv db.backup --output - > FILE`) or name a file",
            )
        step(f"dumping database {t.name!r} to stdout")
        code = s.runner.stream(in_db(s, t, postgres.pg_dump(t)))
        if code != 0:
            raise DockhandError(
                f"pg_dump failed with exit code {code}", hint="its message is above"
            )
        return
    if output:
        dest = Path(output).absolute()
        if dest.exists():
            raise DockhandError(
                f"{output} already exists; a backup never overwrites a file",
                hint="choose another --output, or move that file away",
            )
    else:
        dest = postgres.unused(
            postgres.backup_path(
                backups_folder(s), s.settings.project, datetime.now(timezone.utc)
            )
        )
    step(f"dumping database {t.name!r} to {_shown(dest)}")
    dump(s, t, t.name, dest)
    if s.runner.dry:
        return
    size = human_size(dest.stat().st_size)
    ok(f"backed up database {t.name!r} ({size})")
    tell(
        "restore it with: "
        + postgres.restore_command(dest, Path.cwd(), prod=s.settings.prod)
    )


def restore(s: Session, file: str, *, yes: bool) -> None:
    """Check, ask, back up, restore into scratch, swap in: a bad dump changes nothing."""
    path = Path(file)
    check_file(path)
    t = ready(s)
    info = check_dump(s, t, path)
    present = existing(s, t, [t.name, t.scratch, t.old])
    items = [
        f"database {t.name!r} in service {t.service!r} of project "
        f"{s.settings.project!r} ({size_of(s, t, t.name) if t.name in present else 'absent'})",
        f"replaced by {path}"
        + (
            f" (database {info.database!r}, dumped {info.created}, "
            f"{info.entries} entries)"
            if info.database
            else ""
        ),
        "a safety backup is taken first, in backups/",
    ]
    action = shlex.join(["inv", "db.restore", file])
    if not confirm(
        s,
        yes=yes,
        action=action,
        warning=f"db.restore replaces every row of database {t.name!r}:",
        items=items,
        what="replace the database",
    ):
        return
    drop_leftovers(s, t, present)
    safety = safety_backup(s, t, "before-restore") if t.name in present else None
    step(f"restoring {path} into the scratch database {t.scratch!r}")
    restore_into_scratch(s, t, path)
    step(f"swapping {t.scratch!r} in for {t.name!r}")
    swap_in(s, t, had_target=t.name in present)
    drop_old = postgres.drop_sql(t.old)
    if t.name in present and run_sql(s, t, drop_old, database=t.maintenance) != 0:
        console.warn(f"could not drop {t.old!r}; the next restore drops it")
    if s.runner.dry:
        return
    ok(f"restored database {t.name!r}")
    if safety is not None:
        undo = postgres.restore_command(safety, Path.cwd(), prod=s.settings.prod)
        tell(f"the data before is in {_shown(safety)}; undo with: {undo}")


def reset(s: Session, *, yes: bool, no_backup: bool) -> None:
    """Ask, back up, drop, recreate, migrate."""
    t = ready(s)
    present = existing(s, t, [t.name])
    size = size_of(s, t, t.name) if t.name in present else "absent"
    backup_note = (
        "no safety backup (--no-backup)"
        if no_backup
        else "a safety backup is taken first, in backups/"
    )
    if not confirm(
        s,
        yes=yes,
        action="inv db.reset",
        warning=f"db.reset drops database {t.name!r} and every row in it:",
        items=[
            f"database {t.name!r} in service {t.service!r} of project "
            f"{s.settings.project!r} ({size})",
            backup_note,
        ],
        what="reset the database",
    ):
        return
    safety = None
    if t.name in present and not no_backup:
        safety = safety_backup(s, t, "before-reset")
    step(f"dropping and recreating database {t.name!r}")
    for sql in (postgres.drop_sql(t.name), postgres.create_sql(t.name, t.user)):
        if run_sql(s, t, sql, database=t.maintenance) != 0:
            raise DockhandError(
                f"could not recreate database {t.name!r}",
                hint="psql's message is above"
                + (f"; the data before is in {_shown(safety)}" if safety else ""),
            )
    run_migrations(s)
    if safety is not None and not s.runner.dry:
        undo = postgres.restore_command(safety, Path.cwd(), prod=s.settings.prod)
        tell(f"the data before is in {_shown(safety)}; undo with: {undo}")
