"""Pure: PostgreSQL client commands, SQL, and dump files for the db tasks.

Nothing here runs anything. The commands run inside the database container
over its local socket (trusted there), so no password is ever needed, read or
passed: not in argv, not in the environment, not in the output.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dockhand.errors import DockhandError

# Every custom-format archive (pg_dump -Fc) starts with these bytes.
CUSTOM_MAGIC = b"PGDMP"

# PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1).
MAX_IDENTIFIER = 63

SCRATCH_SUFFIX = "_dockhand_restore"
OLD_SUFFIX = "_dockhand_old"


@dataclass(frozen=True)
class Target:
    """Which database the db tasks work on, and as whom."""

    service: str
    user: str
    name: str

    @property
    def maintenance(self) -> str:
        """A database to connect to while `name` is dropped or renamed."""
        return "template1" if self.name == "postgres" else "postgres"

    @property
    def scratch(self) -> str:
        """Where a restore lands before it replaces `name`."""
        return sibling_name(self.name, SCRATCH_SUFFIX)

    @property
    def old(self) -> str:
        """What `name` is called for the moment between the swap and its drop."""
        return sibling_name(self.name, OLD_SUFFIX)


def env_pairs(entries: Iterable[str]) -> dict[str, str]:
    """`docker inspect`'s Config.Env ("KEY=value" strings) as a dict."""
    pairs = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if sep:
            pairs[key] = value
    return pairs


def resolve_target(
    service: str,
    user_var: str,
    name_var: str,
    *sources: Mapping[str, str | None],
) -> Target:
    """User and database name from the first source that sets them (the
    container's environment, then the env file), else PostgreSQL's defaults:
    user `postgres`, database named like the user."""

    def first(key: str) -> str:
        for source in sources:
            value = source.get(key)
            if value:
                return value
        return ""

    user = first(user_var) or "postgres"
    return Target(service=service, user=user, name=first(name_var) or user)


def sibling_name(name: str, suffix: str) -> str:
    """`name` + `suffix`, cut so it stays a whole identifier within 63 bytes."""
    room = MAX_IDENTIFIER - len(suffix.encode())
    head = name.encode()[:room].decode(errors="ignore")
    return head + suffix


def quote_ident(name: str) -> str:
    """An SQL identifier, double-quoted so any name (even `a"b`) is one name."""
    if "\0" in name:
        raise DockhandError(
            f"invalid database name {name!r}", hint="fix it in the env file"
        )
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """An SQL string literal (standard_conforming_strings, the default since 9.1)."""
    if "\0" in text:
        raise DockhandError(f"invalid text {text!r}", hint="fix it in the env file")
    return "'" + text.replace("'", "''") + "'"


# --- commands run inside the database container ------------------------------


def psql(target: Target, *, database: str | None = None) -> list[str]:
    """psql for a person: their ~/.psqlrc, the pager, the prompt."""
    return ["psql", "-U", target.user, "-d", database or target.name]


def psql_command(target: Target, sql: str, *, database: str | None = None) -> list[str]:
    """psql running one command: no psqlrc, stop at the first error, exit
    code non-zero when it fails."""
    return [
        "psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        target.user,
        "-d",
        database or target.name,
        "-c",
        sql,
    ]


def psql_query(target: Target, sql: str, *, database: str | None = None) -> list[str]:
    """psql printing bare values (-A -t), one row per line, for probes."""
    program, no_psqlrc, *options = psql_command(target, sql, database=database)
    return [program, no_psqlrc, "-A", "-t", *options]


def pg_dump(target: Target, *, database: str | None = None) -> list[str]:
    """A custom-format dump (compressed, restorable selectively) to stdout."""
    return ["pg_dump", "-U", target.user, "-d", database or target.name, "-Fc"]


def pg_restore_list() -> list[str]:
    """Read an archive from stdin and print its table of contents; fails on
    anything that is not a custom-format dump this pg_restore can read."""
    return ["pg_restore", "--list"]


def pg_restore(target: Target, database: str) -> list[str]:
    """Restore an archive from stdin into `database`, all or nothing.

    --no-owner/--no-privileges: objects belong to the restoring user, so a dump
    from a stack with other role names restores too."""
    return [
        "pg_restore",
        "-U",
        target.user,
        "-d",
        database,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]


# --- SQL -----------------------------------------------------------------------


def exists_sql(names: Sequence[str]) -> str:
    """The names among `names` that are databases, one per line."""
    listed = ", ".join(quote_literal(n) for n in names)
    sql = "SELECT datname FROM pg_database WHERE datname IN ({}) ORDER BY 1"
    return sql.format(listed)


def size_sql(name: str) -> str:
    return f"SELECT pg_size_pretty(pg_database_size({quote_literal(name)}))"


def drop_sql(name: str) -> str:
    """Drop a database even with clients connected (PostgreSQL 13+)."""
    return f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)"


def create_sql(name: str, owner: str, *, template: str = "template1") -> str:
    """An empty database. template1 is what a fresh cluster's database was made
    from; a restore target wants template0, so nothing added to template1
    collides with what the dump creates."""
    return (
        f"CREATE DATABASE {quote_ident(name)} OWNER {quote_ident(owner)} "
        f"TEMPLATE {quote_ident(template)}"
    )


def swap_sql(target: Target, *, had_target: bool = True) -> str:
    """Put the restored scratch database in place of the target, in one
    transaction: both renames happen or neither does. Clients connected to the
    target are disconnected first (a rename needs it idle); if one reconnects
    in between, the rename fails, the transaction rolls back, and nothing
    changed."""
    name, scratch, old = (
        quote_ident(n) for n in (target.name, target.scratch, target.old)
    )
    connected = f"{quote_literal(target.name)}, {quote_literal(target.scratch)}"
    disconnect = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname IN ({}) AND pid <> pg_backend_pid()"
    )
    statements = [disconnect.format(connected)]
    if had_target:
        statements.append(f"ALTER DATABASE {name} RENAME TO {old}")
    statements.append(f"ALTER DATABASE {scratch} RENAME TO {name}")
    # psql sends one -c string as one query: one implicit transaction.
    return "; ".join(statements)


# --- dump files ----------------------------------------------------------------


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
