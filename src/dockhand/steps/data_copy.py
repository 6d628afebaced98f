"""`inv setup --data-from PATH`: a new checkout starts with a copy of another
checkout's database, through the existing backup and restore: the other
checkout's own `inv db.backup` (pg_dump over its container's socket, while
its stack keeps running), then this checkout's `inv db.restore` (a scratch
database swapped in; a bad dump changes nothing)."""

from __future__ import annotations

import sys
from pathlib import Path

from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps.backups import new_backup_path
from dockhand.steps.database import query, ready
from dockhand.steps.restore import restore
from dockhand.ui import console

USER_TABLES = (
    "SELECT count(*) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)


def source_checkout(s: Session, path: str) -> Path:
    """The other checkout's folder, checked before anything changes."""
    folder = Path(path).expanduser().resolve()
    if s.settings.database is None:
        raise DockhandError(
            "--data-from needs a database: none is configured",
            hint="set dockhand.database in invoke.yaml",
        )
    if not (folder / "tasks.py").is_file():
        raise DockhandError(
            f"--data-from {path}: no checkout there (no tasks.py in {folder})",
            hint="name the folder of the checkout whose database to copy",
        )
    if folder == s.settings.root:
        raise DockhandError(
            "--data-from names this checkout itself",
            hint="name another checkout's folder",
        )
    return folder


def backup_argv(folder: Path, dest: Path) -> list[str]:
    """Pure: the other checkout's own `inv db.backup`, run from here."""
    return [
        sys.executable,
        "-m",
        "invoke",
        "--search-root",
        str(folder),
        "db.backup",
        "--output",
        str(dest),
    ]


def copy_from(s: Session, folder: Path) -> None:
    """Dump the other checkout's database and restore it here."""
    dest = new_backup_path(s, f"from-{folder.name}")
    if not s.runner.dry:
        dest.parent.mkdir(parents=True, exist_ok=True)
    console.step(f"backing up the database of {folder} (its stack keeps running)")
    code = s.runner.run(backup_argv(folder, dest)).code
    if code != 0:
        raise DockhandError(
            f"the backup of {folder} failed",
            hint=f"see its output above; is its stack up (`cd {folder} && inv up`)?",
            code=code,
        )
    t = ready(s)
    empty = s.runner.dry or query(s, t, USER_TABLES) == ["0"]
    # A new checkout's empty database is replaced without asking; one with
    # tables of its own is listed and asked for, as `inv db.restore` does.
    restore(s, str(dest), yes=empty)
