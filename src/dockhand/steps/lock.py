"""One writer per project: commands that change a project's containers take
its lock, so two of them at once (a second terminal, an editor, a script)
run one after the other instead of racing (two `up`s made the project's
network twice, and every later `up` failed on the ambiguous name).

The lock is an flock on a file per project name under dockhand's cache
folder: the kernel drops it when the holder exits, however it exits, so no
stale lock survives a crash. The file says who holds it, for the line the
second command prints while it waits.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import suppress

from dockhand.docker import compose_cache
from dockhand.errors import DockhandError
from dockhand.ui import console

_held: dict[str, int] = {}  # project -> our open lock file (one per process)


def hold(project: str, command: str) -> None:
    """Take the project's lock for the rest of this process, waiting (and
    saying for whom) while another command holds it."""
    if project in _held:
        return
    folder = compose_cache.location() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"{project}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise DockhandError(
            f"cannot take the lock of project {project!r} in {folder}: "
            f"{(exc.strerror or str(exc)).lower()}",
            hint="make that folder writable, or point DOCKHAND_CACHE_DIR at one that is",
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = (
            os.pread(fd, 200, 0).decode(errors="replace").strip() or "another command"
        )
        console.status(
            f"waiting for {holder} to finish with project {project!r} "
            "(Ctrl-C to give up)"
        )
        fcntl.flock(fd, fcntl.LOCK_EX)
    with suppress(OSError):  # a full disk: the lock holds, only who holds it is lost
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"inv {command} (pid {os.getpid()})".encode(), 0)
    _held[project] = fd
