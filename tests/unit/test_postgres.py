"""Pure pieces of the db tasks: commands and SQL (dockhand.postgres)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand import postgres
from dockhand.docker import compose
from dockhand.docker.compose import ComposeCli, Project
from dockhand.errors import DockhandError
from dockhand.postgres import Target

T = Target(service="db", user="neuroagent", name="neuroagent")
CLI = ComposeCli(("docker", "compose"), (5, 6, 1))
PROJECT = Project("proj", (Path("/repo/docker-compose.yml"),))


def test_env_pairs_splits_on_the_first_equals_sign() -> None:
    assert postgres.env_pairs(["A=1", "B=x=y", "C=", "NOEQUALS"]) == {
        "A": "1",
        "B": "x=y",
        "C": "",
    }


def test_target_prefers_the_first_source_then_defaults() -> None:
    container = {"POSTGRES_USER": "live", "POSTGRES_DB": ""}
    env_file: dict[str, str | None] = {"POSTGRES_USER": "file", "POSTGRES_DB": "fdb"}
    t = postgres.resolve_target(
        "db", "POSTGRES_USER", "POSTGRES_DB", container, env_file
    )
    assert t == Target("db", "live", "fdb")
    assert postgres.resolve_target("pg", "U", "D") == Target(
        "pg", "postgres", "postgres"
    )
    assert postgres.resolve_target("pg", "U", "D", {"U": "app"}).name == "app"


def test_maintenance_database_is_never_the_target() -> None:
    assert T.maintenance == "postgres"
    assert Target("db", "postgres", "postgres").maintenance == "template1"


def test_scratch_and_old_names_fit_postgres_identifiers() -> None:
    assert T.scratch == "neuroagent_dockhand_restore"
    assert T.old == "neuroagent_dockhand_old"
    long = Target("db", "u", "é" * 40)  # 80 bytes
    for name in (long.scratch, long.old):
        assert len(name.encode()) <= postgres.MAX_IDENTIFIER
        assert name.startswith("é")
    assert long.scratch != long.name and long.scratch != long.old


def test_quoting_keeps_any_name_one_name() -> None:
    assert postgres.quote_ident('we"ird') == '"we""ird"'
    assert postgres.quote_literal("it's") == "'it''s'"
    evil = "x'; DROP DATABASE neuroagent; --"
    assert postgres.exists_sql([evil]).count("'") == 4
    with pytest.raises(DockhandError):
        postgres.quote_ident("a\0b")


def test_psql_for_a_person_and_for_one_command() -> None:
    assert postgres.psql(T) == ["psql", "-U", "neuroagent", "-d", "neuroagent"]
    assert postgres.psql_command(T, "SELECT 1") == [
        "psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        "neuroagent",
        "-d",
        "neuroagent",
        "-c",
        "SELECT 1",
    ]
    query = postgres.psql_query(T, "SELECT 1", database="postgres")
    assert query[:4] == ["psql", "-X", "-A", "-t"]
    assert query[-4:] == ["-d", "postgres", "-c", "SELECT 1"]


def test_dump_and_restore_commands() -> None:
    assert postgres.pg_dump(T) == [
        "pg_dump",
        "-U",
        "neuroagent",
        "-d",
        "neuroagent",
        "-Fc",
    ]
    assert postgres.pg_restore_list() == ["pg_restore", "--list"]
    restore = postgres.pg_restore(T, T.scratch)
    assert restore[:5] == ["pg_restore", "-U", "neuroagent", "-d", T.scratch]
    assert {"--exit-on-error", "--single-transaction"} <= set(restore)


def test_every_command_runs_without_a_tty_and_without_a_password() -> None:
    commands = [
        postgres.pg_dump(T),
        postgres.pg_restore_list(),
        postgres.pg_restore(T, T.scratch),
        postgres.psql_command(T, "SELECT 1"),
        postgres.psql_query(T, "SELECT 1"),
    ]
    for command in commands:
        argv = compose.exec_(CLI, PROJECT, "db", command, tty=False)
        assert argv[argv.index("exec") + 1] == "-T"
        joined = " ".join(argv).lower()
        assert "password" not in joined and "-w" not in argv
        assert not any(word.startswith("PG") and "=" in word for word in argv)


def test_swap_renames_both_in_one_statement_after_disconnecting() -> None:
    sql = postgres.swap_sql(T)
    parts = sql.split("; ")
    assert parts[0].startswith("SELECT count(pg_terminate_backend(pid))")
    assert parts[1:] == [
        'ALTER DATABASE "neuroagent" RENAME TO "neuroagent_dockhand_old"',
        'ALTER DATABASE "neuroagent_dockhand_restore" RENAME TO "neuroagent"',
    ]
    assert postgres.swap_sql(T, had_target=False).split("; ")[1:] == [
        'ALTER DATABASE "neuroagent_dockhand_restore" RENAME TO "neuroagent"'
    ]


def test_create_and_drop_sql() -> None:
    assert postgres.drop_sql("a b") == 'DROP DATABASE IF EXISTS "a b" WITH (FORCE)'
    assert postgres.create_sql("n", "u", template="template0") == (
        'CREATE DATABASE "n" OWNER "u" TEMPLATE "template0"'
    )


def test_a_dump_under_its_own_application_name_and_how_it_is_ended() -> None:
    argv = postgres.pg_dump(T, database="it's", application="dockhand-dump-ab12")
    assert argv[argv.index("-d") + 1] == (
        "dbname='it\\'s' application_name='dockhand-dump-ab12'"
    )
    assert postgres.conninfo(dbname="a\\b") == "dbname='a\\\\b'"
    assert postgres.terminate_sql("x'y").endswith("application_name = 'x''y'")
