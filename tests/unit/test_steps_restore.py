"""The steps of a restore that cannot lose data, one at a time, with a
runner that records instead of running (the whole restore, in order, is in
test_commands_db.py): what is refused before anything runs, the swap and its
retries, all on the maintenance database while the live one is renamed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.docker.process import Completed
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


# --- the whole restore ----------------------------------------------------------------

LISTING = b";\n; Archive created at 2026-01-02 15:04:05 UTC\n;     dbname: shop\n;     TOC Entries: 7\n"


def engine_db(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    present: tuple[str, ...] = ("appdb",),
    listing: bytes = LISTING,
    fails: str = "",
) -> tuple[Session, FakeRunner]:
    """A session whose database holds `present`; pg_restore --list prints
    `listing`; the psql command starting with `fails` exits 1."""

    def reply(argv: list[str]) -> tuple[int, str, str]:
        sql = argv[-1]
        if "pg_database_size" in sql:
            return (0, "8 MB\n", "")
        return (0, "".join(f"{n}\n" for n in present if f"'{n}'" in sql), "")

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        if stdout is not None and "--list" in argv:
            stdout.write(listing)
        if stdout is not None and "pg_dump" in argv:
            stdout.write(b"PGDMP")
        return 1 if fails and argv[-1].startswith(fails) else 0

    runner = FakeRunner(reply=reply, answer=answer)
    s = session(tmp_path, runner)

    def ready(given: Session) -> Target:
        assert given is s
        return T

    monkeypatch.setattr(restore, "ready", ready)
    monkeypatch.chdir(tmp_path)
    return s, runner


def a_dump(tmp_path: Path) -> str:
    (tmp_path / "in.dump").write_bytes(b"PGDMP" + b"\0" * 20)
    return "in.dump"


def test_a_restore_without_a_terminal_or_yes_is_refused_naming_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    s, runner = engine_db(tmp_path, monkeypatch)
    with pytest.raises(DockhandError) as refused:
        restore.restore(s, a_dump(tmp_path))
    assert refused.value.hint == "run `inv db.restore in.dump --yes` to confirm"
    assert not any("psql" in call and "RENAME" in call[-1] for call in runner.calls)
    out = capsys.readouterr().err
    assert "db.restore replaces every row of database 'appdb':" in out
    assert "  database 'appdb' in service 'db' of project 'proj' (8 MB)\n" in out
    assert (
        "  replaced by in.dump (database 'shop', dumped 2026-01-02 15:04:05 UTC, "
        "7 entries)\n" in out
    )
    assert "  a safety backup is taken first, in backups/\n" in out


def test_a_dump_whose_listing_names_no_database_is_described_by_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s, _ = engine_db(tmp_path, monkeypatch, listing=b";\n")
    restore.restore(s, a_dump(tmp_path), yes=True)
    assert "  replaced by in.dump\n" in capsys.readouterr().err


def test_a_restore_into_an_absent_database_renames_only_the_scratch_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, runner = engine_db(tmp_path, monkeypatch, present=())
    restore.restore(s, a_dump(tmp_path), yes=True)
    swaps = [c[-1] for c in runner.calls if "psql" in c and "RENAME" in c[-1]]
    assert len(swaps) == 1 and 'ALTER DATABASE "appdb" RENAME' not in swaps[0]
    assert not any("pg_dump" in call for call in runner.calls)  # nothing to back up


def test_an_old_database_that_cannot_be_dropped_is_left_for_the_next_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s, runner = engine_db(
        tmp_path, monkeypatch, fails='DROP DATABASE IF EXISTS "appdb_dockhand_old"'
    )
    restore.restore(s, a_dump(tmp_path), yes=True)
    drop = [
        c
        for c in runner.calls
        if c[-1].startswith('DROP DATABASE IF EXISTS "appdb_dockhand_old"')
    ]
    assert [c[c.index("-d") + 1] for c in drop] == ["postgres"]
    out = capsys.readouterr().err
    assert (
        "warning: could not drop 'appdb_dockhand_old'; the next restore drops it\n"
        in out
    )
    assert "restored database 'appdb'" in out


def test_an_old_database_dropped_says_nothing_about_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s, runner = engine_db(tmp_path, monkeypatch)
    restore.restore(s, a_dump(tmp_path), yes=True)
    assert "could not drop" not in capsys.readouterr().err
    [swap] = [c[-1] for c in runner.calls if "psql" in c and "RENAME" in c[-1]]
    assert 'ALTER DATABASE "appdb" RENAME TO "appdb_dockhand_old"' in swap


def test_a_dump_pg_restore_cannot_read_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, runner = engine_db(tmp_path, monkeypatch)
    failing = FakeRunner(
        reply=runner.reply, answer=lambda argv, out: 3 if "--list" in argv else 0
    )
    s.runner = failing
    with pytest.raises(DockhandError) as failed:
        restore.restore(s, a_dump(tmp_path), yes=True)
    assert failed.value.message == (
        "in.dump is not a dump pg_restore can read (pg_restore --list exited 3); "
        f"{UNCHANGED}"
    )
    assert failed.value.hint == (
        "pg_restore's reason is above; use a complete `inv db.backup` file"
    )
    assert failed.value.code == 1
    assert not any("psql" in call for call in failing.calls)


def test_a_scratch_database_that_cannot_be_made_stops_before_pg_restore(
    tmp_path: Path,
) -> None:
    runner = sql_runner({"CREATE DATABASE": 1})
    with pytest.raises(DockhandError) as failed:
        restore.restore_into_scratch(session(tmp_path, runner), T, tmp_path / "x")
    assert failed.value.message == (
        f"could not create the scratch database 'appdb_dockhand_restore'; {UNCHANGED}"
    )
    assert not any("pg_restore" in call for call in runner.calls)


def test_a_pg_restore_killed_blames_the_server_not_the_file(tmp_path: Path) -> None:
    dump = tmp_path / "in.dump"
    dump.write_bytes(b"PGDMP")
    runner = FakeRunner(answer=lambda argv, out: 137 if "pg_restore" in argv else 0)
    with pytest.raises(DockhandError) as failed:
        restore.restore_into_scratch(session(tmp_path, runner), T, dump)
    assert failed.value.hint.startswith("the database server went away")


@dataclass(frozen=True)
class FeedingRunner(FakeRunner):
    """Records the bytes each command was fed on stdin."""

    fed: list[bytes] = field(default_factory=list)

    def run(self, argv: Sequence[str], **kwargs: Any) -> Completed:
        stdin = kwargs.get("stdin")
        self.fed.append(stdin.read() if stdin is not None else b"")
        return super().run(argv, **kwargs)


def test_pg_restore_is_fed_the_dump_on_stdin(tmp_path: Path) -> None:
    dump = tmp_path / "in.dump"
    dump.write_bytes(b"PGDMP the archive")
    runner = FeedingRunner()
    restore.restore_into_scratch(session(tmp_path, runner), T, dump)
    assert runner.fed == [b"", b"PGDMP the archive"]  # CREATE, then pg_restore
    runner.fed.clear()
    restore.check_dump(session(tmp_path, runner), T, dump)
    assert runner.fed == [b"PGDMP the archive"]


def test_a_listing_with_bytes_that_are_not_utf8_is_still_read(tmp_path: Path) -> None:
    dump = tmp_path / "in.dump"
    dump.write_bytes(b"PGDMP")
    listing = LISTING.replace(b"shop", b"caf\xe9")

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        if stdout is not None:
            stdout.write(listing)
        return 0

    info = restore.check_dump(session(tmp_path, FakeRunner(answer=answer)), T, dump)
    assert (info.database, info.entries) == ("caf\ufffd", 7)
