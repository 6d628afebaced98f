"""Pure: PostgreSQL client commands and SQL for the db tasks (their dump files: dumps.py).

Nothing here runs anything. The commands run inside the database container
over its local socket (trusted there), so no password is ever needed, read or
passed: not in argv, not in the environment, not in the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dockhand.errors import DockhandError

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


# The application_name of the pg_dumps dockhand starts, followed by a token of
# each run's own: what lets a stopped backup end its pg_dump, and only it.
DUMP_APPLICATION = "dockhand-dump-"


def conninfo(**values: str) -> str:
    """A libpq connection string: each value quoted, its ' and \\ escaped."""

    def quoted(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{key}={quoted(value)}" for key, value in values.items())


def pg_dump(
    target: Target, *, database: str | None = None, application: str | None = None
) -> list[str]:
    """A custom-format dump (compressed, restorable selectively) to stdout;
    with `application`, under that application_name."""
    name = database or target.name
    where = conninfo(dbname=name, application_name=application) if application else name
    return ["pg_dump", "-U", target.user, "-d", where, "-Fc"]


def terminate_sql(application: str) -> str:
    """End the sessions of one application_name (a dump whose reader is gone:
    a pg_dump left alone runs on until its next write fails)."""
    return (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - quoted
        f"WHERE application_name = {quote_literal(application)}"
    )


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
