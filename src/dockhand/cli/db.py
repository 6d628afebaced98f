"""The database: psql, backups, restores that cannot lose data, and a reset
(what they do is in dockhand.commands.db)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockhand.cli.task import BACKUP, command, reader, writer

if TYPE_CHECKING:
    from invoke.context import Context

YES = "do not ask first (needed without a terminal)"


@command(
    help={
        "command": "run this one SQL statement (no TTY) and return psql's exit code",
    }
)
def shell(c: Context, command: str | None = None) -> None:
    """Open psql in the database service (-c SQL runs one statement)."""
    from dockhand.commands import db

    db.shell(reader(c), command)


@command(
    help={
        "output": "write the dump here instead of backups/<project>-<UTC time>.dump "
        "('-' for stdout)",
    }
)
def backup(c: Context, output: str | None = None) -> None:
    """Dump the database (pg_dump -Fc) to backups/ and print how to restore it."""
    from dockhand.commands import db

    db.backup(reader(c), output)


@command(
    values={"file": BACKUP},
    help={
        "file": "the dump to restore (pg_dump -Fc, as `inv db.backup` writes)",
        "yes": YES,
    },
)
def restore(c: Context, file: str, yes: bool = False) -> None:
    """Replace the database with a dump, after a safety backup; a bad dump changes nothing."""
    from dockhand.commands import db

    db.restore(writer(c, "db.restore"), file, yes=yes)


@command(
    help={
        "yes": YES,
        "no_backup": "skip the safety backup: the current data is gone for good",
    }
)
def reset(c: Context, yes: bool = False, no_backup: bool = False) -> None:
    """Drop and recreate the database, then run the migrations (asks first)."""
    from dockhand.commands import db

    db.reset(writer(c, "db.reset"), yes=yes, no_backup=no_backup)
