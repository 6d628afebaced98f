"""The steps of a restore that cannot lose data, one at a time, with a
runner that records instead of running (the whole restore, in order, is in
test_commands_db.py): what is refused before anything runs, the swap and its
retries, all on the maintenance database while the live one is renamed."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pytest

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.errors import DockhandError
from dockhand.postgres import Target
from dockhand.session import Session
from dockhand.steps import restore
from helpers import FakeRunner

T = Target(service="db", user="app", name="appdb")
UNCHANGED = "the database was not changed"


def session(root: Path, runner: FakeRunner) -> Session:
    return Session(
        settings=settings.load({"root": str(root), "project": "proj"}),
        runner=runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )


def sql_runner(fails: dict[str, int] | None = None) -> FakeRunner:
    """psql fails the first `fails[WORD]` commands whose SQL holds WORD."""
    left = dict(fails or {})

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        for word, count in left.items():
            if word in argv[-1] and count:
                left[word] = count - 1
                return 1
        return 0

    return FakeRunner(answer=answer)


def databases(runner: FakeRunner) -> list[str]:
    """The database each psql connected to (its -d)."""
    return [call[call.index("-d") + 1] for call in runner.calls if "psql" in call]


# --- what is refused before anything runs ------------------------------------------


def test_a_missing_file_is_refused_with_where_dumps_are(tmp_path: Path) -> None:
    with pytest.raises(DockhandError) as refused:
        restore.check_file(tmp_path / "nope.dump")
    assert refused.value.message == f"{tmp_path}/nope.dump: no such file; {UNCHANGED}"
    assert refused.value.hint == (
        "give the path of a dump, e.g. one in backups/ made by `inv db.backup`"
    )


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DockhandError) as refused:
        restore.check_file(tmp_path)
    assert refused.value.message == f"{tmp_path} is not a file; {UNCHANGED}"
    assert refused.value.hint == (
        "db.restore takes one pg_dump -Fc file, as `inv db.backup` writes"
    )


def test_a_file_that_is_not_a_custom_format_dump_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.sql"
    plain.write_text("CREATE TABLE t ();\n")
    with pytest.raises(DockhandError) as refused:
        restore.check_file(plain)
    assert refused.value.message.startswith(f"{plain}: ")
    assert refused.value.message.endswith(f"; {UNCHANGED}")
    assert refused.value.hint == (
        "db.restore takes pg_dump -Fc files, as `inv db.backup` writes"
    )


# --- the swap ------------------------------------------------------------------------


def test_the_swap_runs_on_the_maintenance_database(tmp_path: Path) -> None:
    runner = sql_runner()
    restore.swap_in(session(tmp_path, runner), T, had_target=True)
    assert databases(runner) == ["postgres"]
    assert 'ALTER DATABASE "appdb" RENAME' in runner.calls[0][-1]


def test_the_swap_with_no_live_database_only_renames_the_scratch_one(
    tmp_path: Path,
) -> None:
    runner = sql_runner()
    restore.swap_in(session(tmp_path, runner), T, had_target=False)
    assert 'ALTER DATABASE "appdb" RENAME' not in runner.calls[0][-1]


def test_the_swap_is_tried_again_when_a_client_got_in_between(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = sql_runner({"RENAME": 2})
    restore.swap_in(session(tmp_path, runner), T, had_target=True)
    assert len(runner.calls) == 3
    assert capsys.readouterr().err == (
        "warning: the swap did not happen; trying again\n" * 2
    )


def test_the_swap_gives_up_after_three_tries_and_drops_the_scratch_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = sql_runner({"RENAME": 3})
    with pytest.raises(DockhandError) as failed:
        restore.swap_in(session(tmp_path, runner), T, had_target=True)
    assert failed.value.message == (
        "could not swap the restored data in; database 'appdb' is unchanged"
    )
    assert failed.value.hint == (
        "a client kept reconnecting; stop it (e.g. `inv down`, then "
        "`inv up db`) and run the restore again"
    )
    assert len(runner.calls) == 4
    assert runner.calls[-1][-1] == (
        'DROP DATABASE IF EXISTS "appdb_dockhand_restore" WITH (FORCE)'
    )
    assert databases(runner) == ["postgres"] * 4
    assert capsys.readouterr().err.count("trying again") == 2  # not after the last


def test_a_failed_scratch_restore_drops_it_on_the_maintenance_database(
    tmp_path: Path,
) -> None:
    dump = tmp_path / "in.dump"
    dump.write_bytes(b"PGDMP")
    runner = FakeRunner(answer=lambda argv, out: 1 if "pg_restore" in argv else 0)
    with pytest.raises(DockhandError) as failed:
        restore.restore_into_scratch(session(tmp_path, runner), T, dump)
    assert failed.value.message == (
        f"the restore of {dump} failed (pg_restore exited 1); database 'appdb' is unchanged"
    )
    create, _, drop = runner.calls
    assert 'CREATE DATABASE "appdb_dockhand_restore"' in create[-1]
    assert 'TEMPLATE "template0"' in create[-1]
    assert drop[-1].startswith('DROP DATABASE IF EXISTS "appdb_dockhand_restore"')
    assert databases(runner) == ["postgres", "postgres"]


def test_leftovers_are_dropped_on_the_maintenance_database(tmp_path: Path) -> None:
    runner = sql_runner()
    present = {"appdb", "appdb_dockhand_restore", "appdb_dockhand_old"}
    restore.drop_leftovers(session(tmp_path, runner), T, present)
    assert databases(runner) == ["postgres", "postgres"]
    failing = sql_runner({"DROP": 1})
    with pytest.raises(DockhandError) as failed:
        restore.drop_leftovers(session(tmp_path, failing), T, present)
    assert failed.value.message == (
        f"could not drop the leftover database 'appdb_dockhand_restore'; {UNCHANGED}"
    )


def test_a_database_not_there_yet_is_described_as_absent(tmp_path: Path) -> None:
    described = restore.described(session(tmp_path, sql_runner()), T, set())
    assert described == "database 'appdb' in service 'db' of project 'proj' (absent)"
