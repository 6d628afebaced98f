"""Pure: the dump files of the db tasks, their names, their headers, and
what to say when a restore of one fails. Nothing here runs anything."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# Every custom-format archive (pg_dump -Fc) starts with these bytes.
CUSTOM_MAGIC = b"PGDMP"


def timestamp(now: datetime) -> str:
    """UTC, sortable, safe in a file name: 20260102T150405Z."""
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def backup_path(folder: Path, project: str, now: datetime, label: str = "") -> Path:
    """backups/<project>-<UTC timestamp>[-label].dump"""
    suffix = f"-{label}" if label else ""
    return folder / f"{project}-{timestamp(now)}{suffix}.dump"


def unused(path: Path, exists: Callable[[Path], bool] = os.path.lexists) -> Path:
    """`path`, or `path` with -2, -3... before .dump when it is taken: a backup
    never overwrites another."""
    candidate, number = path, 1
    while exists(candidate):
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def partial_path(path: Path) -> Path:
    """Where a dump is written until it is complete."""
    return path.with_name(f".{path.name}.partial")


def archive_problem(head: bytes) -> str | None:
    """Why the first bytes of a file are not a custom-format dump, or None."""
    if head.startswith(CUSTOM_MAGIC):
        return None
    if not head:
        return "it is empty"
    if head.startswith(b"--") or head.lstrip().upper().startswith(
        (b"SET ", b"CREATE ")
    ):
        return "it is a plain SQL script, not a pg_dump -Fc archive (feed it to psql instead)"
    if head[257:262] == b"ustar" or head.startswith(b"toc.dat"):
        return "it is a tar archive; db.restore takes pg_dump -Fc (custom format) dumps"
    return "it is not a pg_dump -Fc archive"


@dataclass(frozen=True)
class DumpInfo:
    """What an archive's table of contents says about itself."""

    database: str = ""
    created: str = ""
    entries: int = 0
    server_version: str = ""


_LISTING = {
    "database": re.compile(r"^;\s+dbname:\s*(.*)$", re.IGNORECASE),
    "created": re.compile(r"^;\s+Archive created at\s+(.*)$"),
    "entries": re.compile(r"^;\s+TOC Entries:\s*(\d+)"),
    "server_version": re.compile(r"^;\s+Dumped from database version:\s*(.*)$"),
}


def parse_listing(text: str) -> DumpInfo:
    """The header of `pg_restore --list` output."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith(";"):
            continue
        for key, pattern in _LISTING.items():
            match = pattern.match(line)
            if match and key not in found:
                found[key] = match.group(1).strip()
    return DumpInfo(
        database=found.get("database", ""),
        created=found.get("created", ""),
        entries=int(found.get("entries", "0")),
        server_version=found.get("server_version", ""),
    )


def shown_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies below it, else absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def restore_command(path: Path, cwd: Path, *, prod: bool = False) -> str:
    """The exact command that restores `path`, to paste from `cwd`."""
    words = ["inv", *(["prod"] if prod else []), "db.restore", shown_path(path, cwd)]
    return shlex.join(words)


# What pg_restore (or `docker compose exec` around it) writes when the
# server, not the file, went away.
SERVER_GONE = (
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "connection to server",
    "could not connect to server",
    "is not running",
    "no such container",
    "has been killed",
)
FILE_BAD = (
    "input file appears to be a text format dump",
    "input file is too short",
    "did not find magic string",
    "unexpected end of file",
    "could not read input file",
    "corrupt",
    "unsupported version",
)


def restore_failure_hint(stderr: str, code: int) -> str:
    """What a failed pg_restore's own message says went wrong: the server or
    the file, or, when it says neither, only where to look (never a guess)."""
    said = stderr.lower()
    if code in (137, 143) or any(text in said for text in SERVER_GONE):
        return (
            "the database server went away during the restore (stopped or "
            "killed), not the file; check it with `inv ps`, then restore again"
        )
    if any(text in said for text in FILE_BAD):
        return "pg_restore's reason is above; the file is damaged or incomplete"
    return "pg_restore's reason is above"
