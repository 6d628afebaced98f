"""The database: psql, backups, restores that cannot lose data, and a reset.

Every command runs in the database container through a non-TTY `exec` over
its local socket, so no password is read, passed or printed, and no terminal
touches a dump. Dumps stream between the container and a file handle here;
they are never held in memory.

A restore never writes into the live database: it lands in a scratch
database, and only a restore that succeeded is swapped in, by two renames in
one transaction. Whatever fails or is interrupted before that leaves the
database as it was.

The modules: `target` finds the database and runs psql in its container (and
is `inv db.shell`); `backups` writes dumps; `restore_steps` checks a dump and
restores it into a scratch database that is swapped in; `replace` is
`inv db.restore` and `inv db.reset`; `messages` prints their progress.
"""

from __future__ import annotations

from dockhand.steps.backups import backup
from dockhand.steps.database import shell
from dockhand.steps.replace import reset, restore

__all__ = ["backup", "reset", "restore", "shell"]
