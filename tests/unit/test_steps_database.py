"""The database the db commands work on, without an engine: its user and
name (the running container's environment, the env file, PostgreSQL's
defaults), psql in its container, and the progress lines. The engine is a
fake client answering `containers.list`; commands go to a recording runner."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, cast

import pytest

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.docker.states import ONEOFF, PROJECT, SERVICE
from dockhand.errors import DockhandError
from dockhand.postgres import Target
from dockhand.session import Session
from dockhand.steps import database
from helpers import FakeRunner

T = Target(service="db", user="app", name="appdb")


class Container:
    def __init__(self, status: str, env: list[str] | None) -> None:
        self.status = status
        self.attrs = {"Config": {"Env": env}}
        self.labels = {SERVICE: "db"}


class Client:
    """containers.list of the engine: the database service's containers."""

    def __init__(self, found: list[Container]) -> None:
        self.found = found
        self.containers = self
        self.asked: list[dict[str, object]] = []

    def list(self, **options: object) -> list[Container]:
        self.asked.append(options)
        return self.found


def a_session(
    root: Path,
    runner: FakeRunner | None = None,
    found: list[Container] | None = None,
    env: str | None = None,
    **config: object,
) -> Session:
    if env is not None:
        (root / ".env").write_text(env)
    s = Session(
        settings=settings.load(
            {
                "root": str(root),
                "project": "proj",
                "database": {"service": "db", "user_var": "U", "name_var": "N"},
                **config,
            }
        ),
        runner=runner or FakeRunner(),
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    s.client = cast(Any, Client(found or []))
    return s


# --- the target ----------------------------------------------------------------


def test_the_target_is_read_from_the_running_container_first(tmp_path: Path) -> None:
    s = a_session(
        tmp_path,
        found=[
            Container("exited", ["U=old", "N=olddb"]),
            Container("running", ["U=app", "X=1"]),
            Container("running", ["N=second"]),  # only the first running one
        ],
        env="U=fromfile\nN=filedb\n",
    )
    assert database.target(s) == Target(service="db", user="app", name="filedb")
    assert cast(Any, s.client).asked == [
        {
            "all": True,
            "filters": {
                "label": [f"{PROJECT}=proj", f"{ONEOFF}=False", f"{SERVICE}=db"]
            },
            "ignore_removed": True,
        }
    ]


def test_the_target_from_the_env_file_then_postgres_defaults(tmp_path: Path) -> None:
    s = a_session(tmp_path, found=[Container("running", None)], env="N=filedb\n")
    assert database.target(s) == Target(service="db", user="postgres", name="filedb")
    (tmp_path / ".env").unlink()
    assert database.target(s) == Target(service="db", user="postgres", name="postgres")


def test_under_dry_the_target_asks_no_engine(tmp_path: Path) -> None:
    s = a_session(
        tmp_path, FakeRunner(dry=True), [Container("running", ["U=app"])], "U=f\n"
    )
    assert database.target(s).user == "f"
    assert cast(Any, s.client).asked == []


def test_no_database_configured_is_one_line(tmp_path: Path) -> None:
    s = a_session(tmp_path, database=None)
    with pytest.raises(DockhandError) as error:
        database.target(s)
    assert error.value.message == "no database is configured"
    assert error.value.hint == (
        "set dockhand.database (service, user_var, name_var) in invoke.yaml"
    )


def test_ready_checks_the_service_the_engine_then_waits_for_health(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(tmp_path, found=[Container("running", ["U=app", "N=appdb"])])
    did: list[object] = []
    monkeypatch.setattr(s, "check_services", lambda names: did.append(names))
    monkeypatch.setattr(s, "require_engine", lambda: did.append("engine"))
    monkeypatch.setattr(database, "wait_for_database", lambda given: did.append(given))
    assert database.ready(s) == T
    assert did == [["db"], "engine", s]
    bare = a_session(tmp_path, database=None)
    monkeypatch.setattr(bare, "check_services", lambda names: did.append(names))
    monkeypatch.setattr(bare, "require_engine", lambda: None)
    with pytest.raises(DockhandError, match="no database"):
        database.ready(bare)
    assert did[-1] is bare  # no service to check


# --- psql ------------------------------------------------------------------------


def sql_runner(code: int = 0, said: str = "") -> tuple[FakeRunner, list[object]]:
    """A runner whose psql exits `code`, saying `said`; the stdout each
    command was given is recorded."""
    given: list[object] = []

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        given.append(getattr(stdout, "name", stdout))
        if stdout is not None:
            stdout.write(b"CREATE DATABASE\n")  # status output, dropped
        return code

    return FakeRunner(answer=answer, said=lambda argv: said), given


def test_sql_runs_in_the_database_container_without_a_tty_its_output_dropped(
    tmp_path: Path,
) -> None:
    runner, given = sql_runner(code=3)
    s = a_session(tmp_path, runner)
    assert database.run_sql(s, T, "SELECT 1", database="postgres") == 3
    [argv] = runner.calls
    assert argv[argv.index("exec") :] == [
        "exec",
        "-T",
        "db",
        "psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        "app",
        "-d",
        "postgres",
        "-c",
        "SELECT 1",
    ]
    assert given == [os.devnull]


def test_sql_that_must_work_raises_its_failure(tmp_path: Path) -> None:
    runner, given = sql_runner(code=4)
    s = a_session(tmp_path, runner)
    with pytest.raises(DockhandError) as error:
        database.run_sql(s, T, "DROP DATABASE x", failure="could not drop x")
    assert error.value.message == "could not drop x"
    assert error.value.hint == "psql's message is above"
    assert error.value.code == 1
    assert given == [os.devnull]
    ok, _ = sql_runner(code=0)
    assert database.run_sql(a_session(tmp_path, ok), T, "SELECT 1", failure="x") == 0


def test_a_query_reads_the_rows_from_the_maintenance_database(tmp_path: Path) -> None:
    asked: list[list[str]] = []

    def reply(argv: list[str]) -> tuple[int, str, str]:
        asked.append(argv)
        return (0, "a\n\nb\n", "")

    s = a_session(tmp_path, FakeRunner(reply=reply))
    assert database.query(s, T, "SELECT datname") == ["a", "b"]
    inner = asked[0][asked[0].index("exec") :]
    assert inner[:4] == ["exec", "-T", "db", "psql"]
    assert inner[inner.index("-d") + 1] == "postgres"  # never the target itself
    assert "-A" in inner and "-t" in inner


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        ("psql: warning\npsql: error: connection refused\n", "connection refused"),
        ("", "no output"),
    ],
)
def test_a_failed_query_names_psqls_last_line(
    tmp_path: Path, stderr: str, reason: str
) -> None:
    s = a_session(tmp_path, FakeRunner(reply=lambda argv: (2, "", stderr)))
    with pytest.raises(DockhandError) as error:
        database.query(s, T, "SELECT 1")
    assert error.value.message.startswith("could not ask the database: ")
    assert error.value.message.endswith(reason)
    assert error.value.hint == "check it with `inv logs db`"


def test_a_query_is_given_a_minute(tmp_path: Path) -> None:
    timeouts: list[float | None] = []

    class Timed(FakeRunner):
        def capture(self, argv: Any, *, timeout: float | None = None) -> Any:
            timeouts.append(timeout)
            return super().capture(argv, timeout=timeout)

    database.query(a_session(tmp_path, Timed()), T, "SELECT 1")
    assert timeouts == [60]


def test_the_size_of_a_database(tmp_path: Path) -> None:
    s = a_session(tmp_path, FakeRunner(reply=lambda argv: (0, "8 MB\n", "")))
    assert database.size_of(s, T, "appdb") == "8 MB"
    none = a_session(tmp_path, FakeRunner(reply=lambda argv: (0, "", "")))
    assert database.size_of(none, T, "appdb") == "size unknown"
    dry = a_session(tmp_path, FakeRunner(dry=True))
    assert database.size_of(dry, T, "appdb") == "size not probed under --dry"


# --- the lines shown -------------------------------------------------------------


def test_progress_lines_show_names_as_they_are(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A database or file named with brackets is shown as named: never as
    rich markup, and never with the backslash that escapes it."""
    database.step("dumping database 'a[b]' to backups/[x].dump")
    database.ok("backed up database '[bold]x'")
    database.tell("restore it with: inv db.restore '[red].dump'")
    assert capsys.readouterr().err == (
        "> dumping database 'a[b]' to backups/[x].dump\n"
        "ok backed up database '[bold]x'\n"
        "restore it with: inv db.restore '[red].dump'\n"
    )


@pytest.mark.parametrize(
    ("prod", "command"), [(False, "inv db.restore"), (True, "inv prod db.restore")]
)
def test_the_undo_line_names_the_backup_and_the_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prod: bool,
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    s = a_session(tmp_path, prod=prod)
    database.tell_undo(s, tmp_path / "backups" / "x.dump")
    assert capsys.readouterr().err == (
        f"the data before is in backups/x.dump; undo with: {command} backups/x.dump\n"
    )
