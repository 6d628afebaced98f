"""`inv db.shell`, `db.backup`, `db.restore`, `db.reset`: the database.

Every command runs in the database container through a non-TTY `exec` over
its local socket, so no password is read, passed or printed, and no terminal
touches a dump. Dumps stream between the container and a file handle here;
they are never held in memory.

A restore never writes into the live database: it lands in a scratch
database, and only a restore that succeeded is swapped in, by two renames in
one transaction (dockhand.steps.restore, shared with snapshot.restore,
setup --data-from and migrate's way back). Whatever fails or is interrupted
before that leaves the database as it was. The steps they share: finding
the database and running SQL (steps.database), dumps (steps.backups).
"""

from __future__ import annotations

from pathlib import Path

from dockhand import postgres
from dockhand.docker import compose
from dockhand.docker.process import interactive
from dockhand.errors import DockhandError
from dockhand.postgres import dumps
from dockhand.session import Session
from dockhand.steps import migrations
from dockhand.steps import restore as restoring
from dockhand.steps.backups import (
    dump,
    new_backup_path,
    pg_dump,
    safety_backup,
    writable,
)
from dockhand.steps.confirm import confirm
from dockhand.steps.database import (
    existing,
    in_db,
    ok,
    ready,
    run_sql,
    shown,
    step,
    tell,
    tell_undo,
)
from dockhand.steps.restore import described
from dockhand.ui import sizes


def reset(s: Session, *, yes: bool = False, no_backup: bool = False) -> None:
    """Ask, back up, drop, recreate, migrate."""
    t = ready(s)
    present = existing(s, t, [t.name])
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
        items=[described(s, t, present), backup_note],
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
                + (f"; the data before is in {shown(safety)}" if safety else ""),
            )
    migrations.apply(s)  # the safety backup above is the snapshot
    if safety is not None and not s.runner.dry:
        tell_undo(s, safety)


def shell(s: Session, command: str | None = None) -> None:
    """psql on the terminal handed over, or one statement run without one."""
    t = ready(s)
    if command is None:
        if not interactive():
            raise DockhandError(
                "an interactive psql needs a terminal",
                hint="run one statement with -c 'SQL'",
            )
        s.runner.handover(
            compose.exec_(
                s.find_compose(), s.project, t.service, postgres.psql(t), tty=True
            )
        )
    s.runner.pass_on(in_db(s, t, postgres.psql_command(t, command)))


def backup(s: Session, output: str | None = None) -> None:
    """pg_dump -Fc into backups/ (or `output`); print how to restore it."""
    if output and output != "-":
        writable(Path(output).absolute(), output)
    t = ready(s)
    if output == "-":
        if interactive():
            raise DockhandError(
                "refusing to write a binary dump to the terminal",
                hint="redirect it (`inv db.backup --output - > FILE`) or name a file",
            )
        step(f"dumping database {t.name!r} to stdout")
        pg_dump(
            s,
            t,
            t.name,
            None,
            failure="pg_dump failed with exit code {code}",
            hint="its message is above",
            code=1,
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
        dest = new_backup_path(s)
    step(f"dumping database {t.name!r} to {shown(dest)}")
    dump(s, t, t.name, dest)
    if s.runner.dry:
        return
    size = sizes.size(dest.stat().st_size)
    ok(f"backed up database {t.name!r} ({size})")
    tell(
        "restore it with: "
        + dumps.restore_command(dest, Path.cwd(), prod=s.settings.prod)
    )


def restore(s: Session, file: str, *, yes: bool = False) -> None:
    """Check, ask, back up, restore into scratch, swap in: a bad dump changes
    nothing (the steps `snapshot.restore`, `setup --data-from` and migrate's
    way back share)."""
    restoring.restore(s, file, yes=yes)
