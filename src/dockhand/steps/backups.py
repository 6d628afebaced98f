"""Dumps: `inv db.backup`, and the safety backup taken before the database
is replaced or dropped. A dump streams to its file and is never held in
memory; a failed or interrupted one leaves no file."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from dockhand import postgres
from dockhand.errors import CommandFailed, DockhandError, Interrupted
from dockhand.postgres import Target, dumps
from dockhand.session import Session
from dockhand.steps.database import in_db, shown, step, tell


def new_backup_path(s: Session, label: str = "") -> Path:
    """An unused backups/<project>-<UTC time>[-label].dump."""
    return dumps.unused(
        dumps.backup_path(
            s.settings.root / "backups",
            s.settings.project,
            datetime.now(timezone.utc),
            label,
        )
    )


def pg_dump(
    s: Session,
    t: Target,
    database: str,
    out: IO[bytes] | None,
    *,
    failure: str,
    hint: str,
    code: int | None = None,
) -> None:
    """pg_dump of `database` into `out` (None: our stdout). Stopped by a
    signal, it also ends the pg_dump in the container, which `compose exec`
    leaves running, found by an application_name of this run's own."""
    if s.runner.dry:
        s.runner.run(in_db(s, t, postgres.pg_dump(t, database=database)))
        return
    application = postgres.DUMP_APPLICATION + secrets.token_hex(4)
    argv = in_db(s, t, postgres.pg_dump(t, database=database, application=application))
    try:
        s.runner.check(argv, failure, stdout=out, hint=hint, code=code)
    except Interrupted:
        end = postgres.terminate_sql(application)
        s.runner.capture(
            in_db(s, t, postgres.psql_query(t, end, database="postgres")), timeout=15
        )
        raise


def dump(s: Session, t: Target, database: str, dest: Path) -> None:
    """`pg_dump -Fc` of `database` streamed into `dest`. It is written to a
    hidden partial file first and renamed when pg_dump succeeded, so a failed
    or interrupted dump never leaves a file that looks complete."""
    if s.runner.dry:
        pg_dump(s, t, database, None, failure="", hint="")
        tell(f"  (output to {shown(dest)})")
        return
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = dumps.partial_path(dest)
    done = False
    try:
        # 0600: a dump holds every row, secrets included.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            pg_dump(
                s,
                t,
                database,
                out,
                failure=f"pg_dump of database {database!r} failed with exit code {{code}}",
                hint="its message is above; nothing was written",
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, dest)
        done = True
    except (CommandFailed, OSError) as failed:
        # Compose only says "write /dev/stdout: no space left on device" and
        # exits 1, which reads as pg_dump's fault: ask the disk, before the
        # partial file goes and frees what it took.
        if _out_of_space(dest.parent):
            raise DockhandError(
                f"no space left on {shown(dest.parent)}: the dump of database "
                f"{database!r} outgrew it",
                hint="free some space there and run it again; the partial dump "
                "was removed",
            ) from failed
        raise
    finally:
        if not done:
            partial.unlink(missing_ok=True)


# Less than this free counts as full: a write fails on the last block or so.
FULL_BELOW = 64 * 1024


def _out_of_space(folder: Path) -> bool:
    try:
        found = os.statvfs(folder)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < FULL_BELOW


def writable(dest: Path, given: str) -> None:
    """The --output can be written: a new file in an existing folder we may
    write to; checked before the database is asked, so nothing starts."""
    folder = dest.parent
    if dest.exists() and not dest.is_dir():
        raise DockhandError(
            f"{given} already exists; a backup never overwrites a file",
            hint="choose another --output, or move that file away",
        )
    if dest.is_dir():
        raise DockhandError(
            f"--output {given} is a folder",
            hint=f"name a file in it, e.g. {given}/db.dump",
        )
    if not folder.exists():
        raise DockhandError(
            f"--output {given}: the folder {folder} does not exist",
            hint=f"create it (mkdir -p {folder}) or choose another --output",
        )
    if not folder.is_dir():
        raise DockhandError(
            f"--output {given}: {folder} is a file, not a folder",
            hint="choose another --output",
        )
    if not os.access(folder, os.W_OK) or _read_only(folder):
        raise DockhandError(
            f"--output {given}: {folder} cannot be written to",
            hint="choose a folder you can write to, e.g. backups/",
        )


def _read_only(folder: Path) -> bool:
    """A read-only mount (root may write anywhere else, so access() says yes)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def safety_backup(s: Session, t: Target, label: str) -> Path:
    """A dump of the target taken before it is replaced or dropped."""
    dest = new_backup_path(s, label)
    step(f"safety backup of database {t.name!r} to {shown(dest)}")
    dump(s, t, t.name, dest)
    return dest
