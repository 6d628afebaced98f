"""`inv migrate`'s safety net (and setup's): a snapshot of the database (the
dump of `inv db.backup`) before anything pending is applied, the failed
migration named, the snapshot put back on request, old automatic snapshots
pruned."""

from __future__ import annotations

from pathlib import Path

from dockhand.config.schema import Migration
from dockhand.docker import compose
from dockhand.docker.process import Captured
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import migrations
from dockhand.steps.backups import dump, new_backup_path
from dockhand.steps.confirm import yes_or_no
from dockhand.steps.database import ready, shown
from dockhand.steps.restore import restore
from dockhand.ui import console

LABEL = "before-migrate"  # the label of automatic snapshots in backups/


def pending(s: Session, running: set[str]) -> dict[Migration, list[str]] | None:
    """What each migration would apply (its `pending` command's lines); None
    when that cannot be known (one has no `pending` command; a dry run)."""
    if s.runner.dry or any(m.pending is None for m in s.settings.migrations):
        return None
    found = {}
    for migration in s.settings.migrations:
        result = _ask_pending(s, migration, running)
        if not result.ok:
            said = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise DockhandError(
                f"{migration.service}: could not list pending migrations"
                f" ({said[-1] if said else f'exit {result.code}'})",
                hint="check its `pending` command in invoke.yaml; nothing was applied",
            )
        found[migration] = [
            line.strip() for line in result.stdout.splitlines() if line.strip()
        ]
    return found


def snapshot(s: Session, waiting: dict[Migration, list[str]] | None) -> Path | None:
    """A dump of the database before migrating, unless nothing is pending,
    no database is configured or snapshots are off; then prune old ones."""
    if s.settings.database is None or s.settings.migrate_snapshots == 0:
        return None
    if waiting is not None and not any(waiting.values()):
        console.status("nothing pending: no snapshot taken")
        return None

    names = [name for lines in (waiting or {}).values() for name in lines]
    t = ready(s)
    dest = new_backup_path(s, LABEL)
    what = f" ({len(names)} pending: {', '.join(names[:3])}" if names else ""
    what += (", ...)" if len(names) > 3 else ")") if names else ""
    console.step(f"snapshot of database {t.name!r} to {shown(dest)}{what}")
    dump(s, t, t.name, dest)
    prune(s)
    return dest


def automatic(s: Session) -> list[Path]:
    """The automatic snapshots of this project, oldest first (names sort by time)."""
    folder = s.settings.root / "backups"
    return sorted(folder.glob(f"{s.settings.project}-*-{LABEL}*.dump"))


def prune(s: Session) -> None:
    kept = s.settings.migrate_snapshots
    old = automatic(s)[:-kept] if kept else []
    for path in old:
        path.unlink(missing_ok=True)
    if old:
        console.status(
            f"removed {len(old)} older automatic snapshot(s), kept {kept} "
            "(dockhand.migrate_snapshots)"
        )


def failed(
    s: Session,
    migration: Migration,
    code: int,
    before: list[str] | None,
    running: set[str],
    snap: Path | None,
    restore_on_failure: bool,
) -> DockhandError:
    """Name what failed; put the snapshot back when asked to (the flag, or
    a yes on the terminal). Returns the error to raise."""
    name = failed_name(s, migration, before, running)
    message = f"migration {name} failed with exit code {code}"
    if snap is None:
        return DockhandError(
            message,
            hint="its output is above; fix the cause and run `inv migrate` again",
            code=code,
        )

    if restore_on_failure or yes_or_no(
        f"{message}. Put the snapshot {shown(snap)} back?"
    ):
        console.step(f"putting the snapshot {shown(snap)} back")
        restore(s, str(snap), yes=True)
        return DockhandError(
            f"{message}; the database is back as it was before `inv migrate`",
            hint="its output is above; fix the cause and run `inv migrate` again",
            code=code,
        )
    return DockhandError(
        f"{message}; the database may be half-migrated",
        hint=f"put it back as it was with `inv db.restore {shown(snap)}`, "
        "or run `inv migrate --restore-on-failure` next time",
        code=code,
    )


def _ask_pending(s: Session, migration: Migration, running: set[str]) -> Captured:
    """Run a migration's `pending` command, in its running container or a
    one-off one."""
    assert migration.pending is not None
    argv = compose.exec_or_run(
        s.find_compose(),
        s.project,
        migration.service,
        migration.pending,
        running=migration.service in running,
        tty=False,
    )
    return s.runner.capture(argv, timeout=300)


def failed_name(
    s: Session, migration: Migration, before: list[str] | None, running: set[str]
) -> str:
    """The first migration still pending after the failure (the one that
    failed), else the command's label."""
    if before is None or migration.pending is None:
        return f"'{migration.label}'"
    result = _ask_pending(s, migration, running)
    still = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.ok and still:
        return f"{still[0]!r} ({migration.service})"
    return f"'{migration.label}'"


def apply_safely(s: Session, *, restore_on_failure: bool = False) -> None:
    """Apply each migration in order; before that, a snapshot of the
    database when something is pending, put back on failure when asked."""
    running = migrations.look(s)
    waiting = pending(s, running)
    snap = snapshot(s, waiting)
    migrations.run(
        s,
        running,
        lambda m, code: failed(
            s,
            m,
            code,
            None if waiting is None else waiting[m],
            running,
            snap,
            restore_on_failure,
        ),
    )
