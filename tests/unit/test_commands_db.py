"""The db ops' order of operations, with a runner that records instead of
running: what runs before what, and what never runs when something fails."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from dockhand.commands import db
from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.errors import DockhandError, Interrupted
from dockhand.postgres import Target
from dockhand.session import Session
from dockhand.steps import database as target
from dockhand.steps import migrations, restore
from dockhand.ui import console
from helpers import FakeRunner

T = Target(service="db", user="neuroagent", name="neuroagent")
DUMP = b"PGDMP\x01\x0f\x00 pretend archive bytes"
LISTING = b";\n; Archive created at 2026-01-02 15:04:05 UTC\n;     dbname: neuroagent\n;     TOC Entries: 7\n"


def db_runner(
    *,
    dry: bool = False,
    codes: dict[str, int] | None = None,
    databases: tuple[str, ...] = ("neuroagent",),
    interrupt_on: str = "",
    said: dict[str, str] | None = None,
) -> FakeRunner:
    """The shared FakeRunner answering as the database would: `codes` maps a
    word of the command (its SQL verb or program) to the exit code it
    returns; `databases` are those that exist."""

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        key = kind(inside(argv))
        if key == interrupt_on:
            raise Interrupted()
        if key == "pg_dump" and stdout is not None:
            stdout.write(DUMP)
        if key == "list" and stdout is not None:
            stdout.write(LISTING)
        return (codes or {}).get(key, 0)

    def reply(argv: list[str]) -> tuple[int, str, str]:
        sql = argv[-1]
        if "pg_database_size" in sql:
            return (0, "8 MB\n", "")
        wanted = [name for name in databases if f"'{name}'" in sql]
        return (0, "".join(f"{n}\n" for n in wanted), "")

    def stderr(argv: list[str]) -> str:
        return (said or {}).get(kind(inside(argv)), "")

    return FakeRunner(dry=dry, answer=answer, reply=reply, said=stderr)


def inside(argv: list[str]) -> list[str]:
    """The command run in the database's container."""
    return argv[argv.index("db") + 1 :]


def kind(inner: list[str]) -> str:
    """A short name for a command inside the container."""
    if inner[0] == "pg_restore":
        return "list" if "--list" in inner else "restore"
    if inner[0] == "psql":
        sql = inner[-1]
        if "RENAME" in sql:
            return "swap"
        for verb in ("CREATE", "DROP"):
            if sql.startswith(verb):
                return verb.lower()
        return "query"
    return inner[0]


def inner(runner: FakeRunner) -> list[list[str]]:
    """Each command the runner was given, as run inside the container."""
    return [inside(call) for call in runner.calls]


def kinds(runner: FakeRunner) -> list[str]:
    return [kind(call) for call in inner(runner)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make(
    root: Path, monkeypatch: pytest.MonkeyPatch, runner: FakeRunner
) -> Callable[..., Any]:
    """A session over `runner`, handed to the db ops; returns a caller that
    runs an op and gives back the exit code its task would end with."""
    s = Session(
        settings=settings.load(
            {
                "root": str(root),
                "project": "proj",
                "database": {"service": "db"},
                "migrations": [{"service": "backend", "run": "alembic upgrade head"}],
            }
        ),
        runner=runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    # The database's target once it is healthy: what the engine would say.
    for module in (target, db, restore):  # where the commands call ready

        def ready(given: Session) -> Target:
            assert given is s  # the command's own session
            return T

        monkeypatch.setattr(module, "ready", ready)

    def call(op: Any, *args: Any, **kwargs: Any) -> int:
        try:
            op(s, *args, **kwargs)
        except DockhandError as exc:
            if exc.message:
                console.error(exc)  # as the task class would
            return exc.code
        return 0

    return call


def a_dump(root: Path, data: bytes = DUMP) -> Path:
    path = root / "in.dump"
    path.write_bytes(data)
    return path


# --- restore -------------------------------------------------------------------


def test_restore_in_order_safety_backup_scratch_then_swap(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 0
    assert kinds(runner) == [
        "list",
        "query",  # which databases exist
        "query",  # size, for the confirmation
        "pg_dump",  # safety backup
        "create",  # scratch
        "restore",  # into scratch
        "swap",
        "drop",  # the old one, now renamed away
    ]
    create, restore, drop = inner(runner)[4], inner(runner)[5], inner(runner)[7]
    assert '"neuroagent_dockhand_restore"' in create[-1]
    assert restore[restore.index("-d") + 1] == "neuroagent_dockhand_restore"
    assert drop[-1] == 'DROP DATABASE IF EXISTS "neuroagent_dockhand_old" WITH (FORCE)'
    safety = list((project / "backups").glob("proj-*-before-restore.dump"))
    assert len(safety) == 1 and safety[0].read_bytes() == DUMP


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "it is empty"),
        (b"-- PostgreSQL database dump\n", "plain SQL"),
        (b"just some text\n", "not a pg_dump -Fc archive"),
    ],
)
def test_restore_refuses_what_is_not_a_dump_before_running_anything(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    message: str,
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    path = project / "in.dump"
    if content is not None:
        path.write_bytes(content)
    assert call(db.restore, str(path), yes=True) == 1
    assert inner(runner) == []
    err = capsys.readouterr().err
    assert message in err and "the database was not changed" in err


def test_restore_stops_when_pg_restore_cannot_list_the_dump(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner(codes={"list": 1})
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 1
    assert kinds(runner) == ["list"]
    assert "the database was not changed" in capsys.readouterr().err


def test_a_failed_restore_drops_the_scratch_and_never_swaps(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner(codes={"restore": 1})
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 1
    assert kinds(runner)[-3:] == ["create", "restore", "drop"]
    assert "swap" not in kinds(runner)
    assert inner(runner)[-1][-1].startswith(
        'DROP DATABASE IF EXISTS "neuroagent_dockhand_restore"'
    )
    assert "database 'neuroagent' is unchanged" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("said", "hint"),
    [
        (
            "pg_restore: error: could not execute query: server closed the "
            "connection unexpectedly",
            "the database server went away during the restore",
        ),
        (
            "pg_restore: error: unexpected end of file",
            "the file is damaged or incomplete",
        ),
    ],
)
def test_a_failed_restore_names_what_pg_restore_saw(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    said: str,
    hint: str,
) -> None:
    runner = db_runner(codes={"restore": 1}, said={"restore": said})
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 1
    err = capsys.readouterr().err
    assert hint in err
    assert ("damaged" in err) == ("damaged" in hint)


def test_ctrl_c_during_the_restore_drops_the_scratch_and_never_swaps(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(interrupt_on="restore")
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 130
    assert kinds(runner)[-2:] == ["restore", "drop"]
    assert "swap" not in kinds(runner)


def test_no_restore_without_a_safety_backup(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(codes={"pg_dump": 1})
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 1
    assert kinds(runner)[-1] == "pg_dump"
    assert not [p for p in (project / "backups").iterdir()]  # no partial left


def test_a_swap_that_keeps_failing_drops_the_scratch(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner(codes={"swap": 1})
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 1
    assert kinds(runner)[-4:] == ["swap", "swap", "swap", "drop"]
    assert "unchanged" in capsys.readouterr().err


def test_leftovers_of_an_interrupted_restore_are_dropped_first(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(databases=("neuroagent", "neuroagent_dockhand_restore"))
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 0
    assert kinds(runner)[3:5] == ["drop", "pg_dump"]
    assert '"neuroagent_dockhand_restore"' in inner(runner)[3][-1]


def test_restore_when_the_database_is_missing_only_renames_the_scratch_in(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(databases=())
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project)), yes=True) == 0
    assert kinds(runner) == ["list", "query", "create", "restore", "swap"]
    assert 'RENAME TO "neuroagent_dockhand_old"' not in inner(runner)[-1][-1]
    assert not (project / "backups").exists()  # nothing to back up


def test_restore_refuses_without_a_terminal_unless_yes(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert call(db.restore, str(a_dump(project))) == 1
    assert set(kinds(runner)) == {"list", "query"}  # looked, changed nothing
    err = capsys.readouterr().err
    assert "refusing to replace the database without a terminal" in err
    assert "--yes" in err


def test_restore_asks_for_the_project_name(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *a: "yes")
    assert call(db.restore, str(a_dump(project))) == 0
    assert set(kinds(runner)) == {"list", "query"}
    monkeypatch.setattr("builtins.input", lambda *a: "proj")
    assert call(db.restore, str(a_dump(project))) == 0
    assert "swap" in kinds(runner)


def test_restore_under_dry_only_prints(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(dry=True)
    call = make(project, monkeypatch, runner)
    assert call(db.restore, str(a_dump(project))) == 0
    assert kinds(runner) == ["list", "pg_dump", "create", "restore", "swap", "drop"]
    assert not (project / "backups").exists()


# --- backup --------------------------------------------------------------------


def test_backup_streams_to_a_private_timestamped_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    assert call(db.backup) == 0
    [dump] = (project / "backups").iterdir()
    assert dump.name.startswith("proj-") and dump.name.endswith("Z.dump")
    assert dump.read_bytes() == DUMP
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    [argv] = inner(runner)
    assert argv[:4] + argv[-1:] == ["pg_dump", "-U", "neuroagent", "-d", "-Fc"]
    assert argv[4].startswith("dbname='neuroagent' application_name='dockhand-dump-")
    err = capsys.readouterr().err
    assert f"restore it with: inv db.restore backups/{dump.name}\n" in err


def test_a_failed_backup_leaves_no_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    call = make(project, monkeypatch, db_runner(codes={"pg_dump": 1}))
    assert call(db.backup, output="out.dump") == 1
    assert os.listdir(project) == []
    assert (
        "error: pg_dump of database 'neuroagent' failed with exit code 1"
        in capsys.readouterr().err
    )


def test_an_interrupted_backup_leaves_no_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(interrupt_on="pg_dump")
    call = make(project, monkeypatch, runner)
    assert call(db.backup) == 130
    assert list((project / "backups").iterdir()) == []
    # ...and ends its pg_dump in the container, which `compose exec` leaves running
    dumped = next(argv for argv in runner.calls if "pg_dump" in argv)
    application = dumped[dumped.index("-d") + 1].split("application_name=")[1]
    assert "pg_terminate_backend" in runner.calls[-1][-1]
    assert runner.calls[-1][-1].endswith(f"application_name = {application}")


def test_backup_never_overwrites(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    (project / "keep.dump").write_bytes(b"precious")
    assert call(db.backup, output="keep.dump") == 1
    assert (project / "keep.dump").read_bytes() == b"precious"
    assert inner(runner) == []
    assert "already exists" in capsys.readouterr().err


def test_backup_under_dry_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(dry=True)
    call = make(project, monkeypatch, runner)
    assert call(db.backup) == 0
    assert kinds(runner) == ["pg_dump"]
    assert os.listdir(project) == []


# --- shell and reset -----------------------------------------------------------


def test_shell_command_returns_psqls_exit_code(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(codes={"query": 3})
    call = make(project, monkeypatch, runner)
    assert call(db.shell, command="SELECT nope") == 3
    assert inner(runner) == [
        [
            "psql",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            "neuroagent",
            "-d",
            "neuroagent",
            "-c",
            "SELECT nope",
        ]
    ]


def test_reset_backs_up_drops_recreates_then_migrates(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    migrated: list[Session] = []
    monkeypatch.setattr(migrations, "apply", lambda given: migrated.append(given))
    assert call(db.reset, yes=True) == 0
    assert kinds(runner) == ["query", "query", "pg_dump", "drop", "create"]
    assert inner(runner)[-1][-1] == (
        'CREATE DATABASE "neuroagent" OWNER "neuroagent" TEMPLATE "template1"'
    )
    assert len(migrated) == 1 and isinstance(migrated[0], Session)
    assert list((project / "backups").glob("proj-*-before-reset.dump"))


def test_reset_refuses_without_a_terminal_unless_yes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert call(db.reset) == 1
    assert set(kinds(runner)) == {"query"}


def test_reset_does_not_drop_when_the_safety_backup_fails(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner(codes={"pg_dump": 1})
    call = make(project, monkeypatch, runner)
    assert call(db.reset, yes=True) == 1
    assert "drop" not in kinds(runner)


def test_reset_asks_naming_what_goes_and_the_backup(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    prompts: list[str] = []
    monkeypatch.setattr(
        "builtins.input", lambda prompt="": prompts.append(prompt) or "no"
    )
    assert call(db.reset) == 0
    assert len(prompts) == 1
    err = capsys.readouterr().err
    assert "Type the project name (proj) to reset the database: " in err
    assert "warning: db.reset drops database 'neuroagent' and every row in it:\n" in err
    assert "  a safety backup is taken first, in backups/\n" in err
    assert kinds(runner) == ["query", "query"]  # looked, changed nothing
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert call(db.reset) == 1
    assert "run `inv db.reset --yes` to confirm" in capsys.readouterr().err


def test_reset_without_a_backup_says_so_and_takes_none(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(migrations, "apply", lambda given: None)
    assert call(db.reset, yes=True, no_backup=True) == 0
    assert kinds(runner) == ["query", "query", "drop", "create"]
    err = capsys.readouterr().err
    assert "  no safety backup (--no-backup)\n" in err
    assert "undo with" not in err
    assert not (project / "backups").exists()


def test_reset_of_a_missing_database_backs_up_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner(databases=())
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(migrations, "apply", lambda given: None)
    assert call(db.reset, yes=True) == 0
    assert kinds(runner) == ["query", "drop", "create"]
    assert "undo with" not in capsys.readouterr().err


def test_reset_recreates_from_the_maintenance_database_and_tells_the_undo(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(migrations, "apply", lambda given: None)
    assert call(db.reset, yes=True) == 0
    for argv in inner(runner)[-2:]:  # drop, create
        assert argv[argv.index("-d") + 1] == "postgres"
    [safety] = (project / "backups").iterdir()
    err = capsys.readouterr().err
    assert "> dropping and recreating database 'neuroagent'\n" in err
    assert (
        f"the data before is in backups/{safety.name}; "
        f"undo with: inv db.restore backups/{safety.name}\n"
    ) in err


@pytest.mark.parametrize("no_backup", [False, True])
def test_a_reset_that_cannot_recreate_names_the_database_and_the_backup(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_backup: bool,
) -> None:
    runner = db_runner(codes={"create": 1})
    call = make(project, monkeypatch, runner)
    migrated: list[Session] = []
    monkeypatch.setattr(migrations, "apply", lambda given: migrated.append(given))
    assert call(db.reset, yes=True, no_backup=no_backup) == 1
    assert migrated == []
    err = capsys.readouterr().err
    assert "error: could not recreate database 'neuroagent'" in err
    if no_backup:
        assert err.endswith("psql's message is above\n")
    else:
        [safety] = (project / "backups").iterdir()
        assert err.endswith(
            f"psql's message is above; the data before is in backups/{safety.name}\n"
        )


def test_reset_under_dry_tells_no_undo(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner(dry=True)
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(migrations, "apply", lambda given: None)
    assert call(db.reset) == 0
    assert "undo with" not in capsys.readouterr().err


def test_interactive_shell_hands_the_terminal_to_psql(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(db, "interactive", lambda: True)
    handed: list[list[str]] = []

    def handover(self: FakeRunner, argv: list[str]) -> None:
        handed.append(list(argv))
        raise SystemExit(0)  # the process is psql's from here

    monkeypatch.setattr(FakeRunner, "handover", handover)
    with pytest.raises(SystemExit):
        call(db.shell)
    [argv] = handed
    assert argv[:2] == ["docker", "compose"] and "proj" in argv
    assert argv[argv.index("exec") :] == [
        "exec",
        "db",  # a TTY: no -T
        "psql",
        "-U",
        "neuroagent",
        "-d",
        "neuroagent",
    ]


def test_interactive_shell_without_a_terminal_says_how_to_run_one_statement(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    call = make(project, monkeypatch, db_runner())
    monkeypatch.setattr(db, "interactive", lambda: False)
    assert call(db.shell) == 1
    err = capsys.readouterr().err
    assert (
        "error: an interactive psql needs a terminal\n  run one statement with -c 'SQL'\n"
        in err
    )


def test_backup_to_stdout_refuses_a_terminal(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(db, "interactive", lambda: True)
    assert call(db.backup, output="-") == 1
    assert inner(runner) == []
    err = capsys.readouterr().err
    assert (
        "error: refusing to write a binary dump to the terminal\n"
        "  redirect it (`inv db.backup --output - > FILE`) or name a file\n"
    ) in err


def test_backup_to_stdout_streams_pg_dump(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    given: list[object] = []

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        given.append(stdout)
        return 0

    runner = FakeRunner(answer=answer)
    call = make(project, monkeypatch, runner)
    monkeypatch.setattr(db, "interactive", lambda: False)
    (project / "-").write_bytes(b"a file named -")  # `-` is still stdout
    assert call(db.backup, output="-") == 0
    [argv] = inner(runner)
    assert argv[:4] == ["pg_dump", "-U", "neuroagent", "-d"]
    assert argv[4].startswith("dbname='neuroagent' ")
    assert given == [None]  # our own stdout
    assert "> dumping database 'neuroagent' to stdout\n" in capsys.readouterr().err
    assert os.listdir(project) == ["-"]


def test_a_failed_backup_to_stdout_exits_1_naming_pg_dumps_code(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    call = make(project, monkeypatch, db_runner(codes={"pg_dump": 3}))
    monkeypatch.setattr(db, "interactive", lambda: False)
    assert call(db.backup, output="-") == 1
    err = capsys.readouterr().err
    assert "error: pg_dump failed with exit code 3\n  its message is above\n" in err


def test_backup_checks_the_output_before_asking_the_database(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    asked: list[Session] = []
    monkeypatch.setattr(db, "ready", lambda given: asked.append(given) or T)
    assert call(db.backup, output="nowhere/x.dump") == 1
    assert asked == [] and inner(runner) == []
    assert "--output nowhere/x.dump: the folder" in capsys.readouterr().err


def test_backup_never_overwrites_a_file_made_while_it_waited(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file appears while the database is waited for: still refused."""
    runner = db_runner()
    call = make(project, monkeypatch, runner)

    def ready(given: Session) -> Target:
        (project / "late.dump").write_bytes(b"precious")
        return T

    monkeypatch.setattr(db, "ready", ready)
    assert call(db.backup, output="late.dump") == 1
    assert (project / "late.dump").read_bytes() == b"precious"
    assert inner(runner) == []
    err = capsys.readouterr().err
    assert (
        "error: late.dump already exists; a backup never overwrites a file\n"
        "  choose another --output, or move that file away\n"
    ) in err


def test_backup_to_a_named_file_says_its_size_and_how_to_restore_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    call = make(project, monkeypatch, runner)
    assert call(db.backup, output="mine.dump") == 0
    assert (project / "mine.dump").read_bytes() == DUMP
    [argv] = inner(runner)
    assert argv[4].startswith("dbname='neuroagent' ")
    err = capsys.readouterr().err
    assert "> dumping database 'neuroagent' to mine.dump\n" in err
    assert f"ok backed up database 'neuroagent' ({len(DUMP)} bytes)\n" in err
    assert "restore it with: inv db.restore mine.dump\n" in err


def test_backup_under_prod_says_the_prod_restore(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = db_runner()
    s_prod = settings.load(
        {
            "root": str(project),
            "project": "proj",
            "database": {"service": "db"},
            "prod": True,
        }
    )
    s = Session(
        settings=s_prod,
        runner=runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    monkeypatch.setattr(db, "ready", lambda given: T)
    db.backup(s, output="p.dump")
    assert "restore it with: inv prod db.restore p.dump\n" in capsys.readouterr().err
