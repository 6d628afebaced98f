"""The steps of a restore that cannot lose data: refuse what is not a dump,
restore into a scratch database, and swap that in by renames in one
transaction. Until the swap, the live database is never touched."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

from dockhand import postgres
from dockhand.errors import DockhandError
from dockhand.postgres import Target, dumps
from dockhand.postgres.dumps import DumpInfo
from dockhand.session import Session
from dockhand.steps.backups import safety_backup
from dockhand.steps.confirm import confirm
from dockhand.steps.database import (
    existing,
    in_db,
    ok,
    ready,
    run_sql,
    shown,
    size_of,
    step,
    tell,
    tell_undo,
)
from dockhand.ui import console

UNCHANGED = "the database was not changed"
SWAP_ATTEMPTS = 3


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
        problem = dumps.archive_problem(file.read(512))
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
        s.runner.run(argv)
        tell(f"  (input from {shown(path)})")
        return DumpInfo()
    with path.open("rb") as dump_file, tempfile.TemporaryFile() as listing:
        s.runner.check(
            argv,
            stdin=dump_file,
            stdout=listing,
            failure=f"{path} is not a dump pg_restore can read (pg_restore --list "
            f"exited {{code}}); {UNCHANGED}",
            hint="pg_restore's reason is above; use a complete `inv db.backup` file",
            code=1,
        )
        listing.seek(0)
        header = listing.read(64 * 1024).decode(errors="replace")
    return dumps.parse_listing(header)


def drop_leftovers(s: Session, t: Target, present: set[str]) -> None:
    """An interrupted restore may have left its scratch database behind, or
    the old one after a swap; neither is the live database."""
    for name in (t.scratch, t.old):
        if name in present:
            step(f"dropping {name!r}, left by an interrupted restore")
            run_sql(
                s,
                t,
                postgres.drop_sql(name),
                database=t.maintenance,
                failure=f"could not drop the leftover database {name!r}; {UNCHANGED}",
            )


def restore_into_scratch(s: Session, t: Target, path: Path) -> None:
    """Create the scratch database and restore the dump into it, in one
    transaction; on any failure (or Ctrl-C) the scratch database is dropped
    and the live one was never touched."""
    run_sql(
        s,
        t,
        postgres.create_sql(t.scratch, t.user, template="template0"),
        database=t.maintenance,
        failure=f"could not create the scratch database {t.scratch!r}; {UNCHANGED}",
    )
    argv = in_db(s, t, postgres.pg_restore(t, t.scratch))
    said = ""
    restored = False
    try:
        if s.runner.dry:
            s.runner.run(argv)
            tell(f"  (input from {shown(path)})")
            code = 0
        else:
            with path.open("rb") as dump_file:
                done = s.runner.run(argv, stdin=dump_file, keep_stderr=True)
            code, said = done.code, done.stderr
        restored = code == 0
    finally:
        if not restored:
            run_sql(s, t, postgres.drop_sql(t.scratch), database=t.maintenance)
    if not restored:
        raise DockhandError(
            f"the restore of {path} failed (pg_restore exited {code}); "
            f"database {t.name!r} is unchanged",
            hint=dumps.restore_failure_hint(said, code),
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


def described(s: Session, t: Target, present: set[str]) -> str:
    """The database as the confirmation names it, with its size."""
    size = size_of(s, t, t.name) if t.name in present else "absent"
    return (
        f"database {t.name!r} in service {t.service!r} of project "
        f"{s.settings.project!r} ({size})"
    )


def restore(s: Session, file: str, *, yes: bool = False) -> None:
    """Check, ask, back up, restore into scratch, swap in: a bad dump changes nothing."""
    path = Path(file)
    check_file(path)
    t = ready(s)
    info = check_dump(s, t, path)
    present = existing(s, t, [t.name, t.scratch, t.old])
    items = [
        described(s, t, present),
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
        tell_undo(s, safety)
