"""`inv db.restore` and `inv db.reset`: both replace every row of the
database, so both say what goes, ask, and take a safety backup first."""

from __future__ import annotations

import shlex
from pathlib import Path

from dockhand import postgres
from dockhand.commands.dev import migrate
from dockhand.errors import DockhandError
from dockhand.postgres import Target
from dockhand.session import Session
from dockhand.steps.backups import safety_backup
from dockhand.steps.confirm import confirm
from dockhand.steps.database import existing, ready, run_sql, size_of
from dockhand.steps.db_messages import ok, shown, step, tell_undo
from dockhand.steps.restore import (
    check_dump,
    check_file,
    drop_leftovers,
    restore_into_scratch,
    swap_in,
)
from dockhand.ui import console


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
    migrate(s, snapshot=False)  # the safety backup above is the snapshot
    if safety is not None and not s.runner.dry:
        tell_undo(s, safety)
