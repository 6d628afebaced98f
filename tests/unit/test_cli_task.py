"""Invoke's real parser and program over dockhand's task class."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from invoke.collection import Collection
from invoke.context import Context
from invoke.program import Program

from dockhand.cli.task import command
from dockhand.errors import DockhandError


@command()
def broken(c: Context) -> None:
    """Fail like a user error."""
    raise DockhandError(
        "unknown service 'bakend'", hint="did you mean 'backend'?", code=3
    )


@command()
def passed_on(c: Context) -> None:
    """Run the user's own command, which exits 7."""
    from dockhand.docker.process import Runner

    Runner().pass_on(["sh", "-c", "echo its own words >&2; exit 7"])


@command()
def interrupted(c: Context) -> None:
    """Be interrupted."""
    raise KeyboardInterrupt


@command()
def buggy(c: Context) -> None:
    """Fail like a bug."""
    raise KeyError("services")


def test_user_error_is_one_line_with_hint_and_its_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(broken)).run(["inv", "broken"])
    err = capsys.readouterr().err
    assert exited.value.code == 3
    assert "error: unknown service 'bakend'" in err
    assert "did you mean 'backend'?" in err
    assert "Traceback" not in err


def test_the_exit_code_of_the_users_own_command_is_passed_on_silently(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(passed_on)).run(["inv", "passed-on"])
    assert exited.value.code == 7
    assert capfd.readouterr().err == "its own words\n"  # nothing of ours added


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(interrupted)).run(["inv", "interrupted"])
    assert exited.value.code == 130
    assert capsys.readouterr().err == "error: interrupted\n"


# --- options checked at the edge, before a session or a process -------------

BAD_OPTIONS: list[tuple[list[str], str]] = [
    (
        ["up", "--timeout", "abc"],
        "--timeout takes a number of seconds greater than 0, not 'abc'",
    ),
    (
        ["up", "--timeout", "0"],
        "--timeout takes a number of seconds greater than 0, not '0'",
    ),
    (["up", "--timeout", "-5"], "not '-5'"),
    (["up", "--timeout", "inf"], "not 'inf'"),
    (["restart", "--timeout", "abc"], "--timeout takes a number of seconds"),
    (["setup", "--timeout", "soon"], "--timeout takes a number of seconds"),
    (["logs", "--tail", "ten"], "--tail takes a number of lines, not 'ten'"),
    (["logs", "--tail", "-5"], "--tail takes a number of lines, not '-5'"),
    (["logs", "--tail", "1.5"], "--tail takes a number of lines, not '1.5'"),
    (
        ["logs", "--since", "yesterday"],
        "--since takes a duration, a date or a time, not 'yesterday'",
    ),
    (["logs", "--since", "10 m"], "not '10 m'"),
    (["logs", "--since", "2026-13"], "not '2026-13'"),
    (
        ["setup", "--name", "My Stack"],
        "--name takes a Compose project name, not 'My Stack'",
    ),
    (["gc", "--project", "-x"], "--project takes a Compose project name"),
]


@pytest.fixture
def dockhand_tasks(tmp_path: Any) -> Iterator[Collection]:
    """namespace(), its tasks' help restored afterwards: Invoke's parser
    consumes a task's help (Task.get_arguments pops it)."""
    from dockhand import namespace

    ns = namespace(tmp_path)
    tasks = [
        *ns.tasks.values(),
        *(t for c in ns.collections.values() for t in c.tasks.values()),
    ]
    saved = [dict(t.help) for t in tasks]
    yield ns
    for t, help in zip(tasks, saved, strict=True):
        t.help = help


@pytest.mark.parametrize(("argv", "message"), BAD_OPTIONS)
def test_a_bad_option_is_one_line_before_anything_runs(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    dockhand_tasks: Collection,
) -> None:
    with pytest.raises(SystemExit) as exited:
        Program(namespace=dockhand_tasks).run(["inv", *argv])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert err.startswith("error: --") and message in err, err
    assert "Traceback" not in err


# Every option that takes a value, and how it is checked. A new option fails
# this test until it is added here (and, if it can be wrong, checked).
OPTIONS = {
    ("setup", "timeout"): "cli.seconds",
    ("setup", "name"): "cli.project_name",
    ("setup", "data_from"): "must be a checkout (ops.data_copy.source_checkout)",
    ("gc", "project"): "cli.project_name",
    ("up", "timeout"): "cli.seconds",
    ("restart", "timeout"): "cli.seconds",
    ("logs", "tail"): "cli.lines",
    ("logs", "since"): "cli.when",
    ("shell", "command"): "any command",
    ("shell", "user"): "Compose's own check",
    ("db.shell", "command"): "any SQL",
    ("db.backup", "output"): "any path; an existing file is refused",
    ("db.restore", "file"): "must exist (ops.db.restore_steps)",
    **{
        (name, "services"): "Session.check_services"
        for name in ("build", "up", "restart", "ps", "logs", "watch")
    },
    ("shell", "service"): "Session.states (then check_services)",
    ("test", "service"): "ops.testing.tested (check_services, a test command)",
    **{
        (f"snapshot.{name}", "name"): "ops.snapshots.check_name"
        for name in ("save", "restore", "rm")
    },
    ("deploy", "timeout"): "cli.seconds",
    ("deploy", "stack_file"): "its folder must exist (cli.deploy.stack_file_path)",
    ("rollback", "services"): "ops.cluster.rollback, against the stack's services",
    ("debug", "service"): "Session.check_services",
    ("debug", "timeout"): "cli.seconds",
}


@pytest.mark.parametrize(
    ("argv", "remainder", "words"),
    [
        (["inv", "test", "--", "-k", "a b", "*"], "-k a b *", ["-k", "a b", "*"]),
        (["inv", "test"], "", []),
        # Not from this argv (a test's MockContext): Invoke's joined words.
        (["pytest"], "-k 'a b'", ["-k", "a b"]),
    ],
)
def test_words_after_dashes_are_passed_on_as_the_shell_gave_them(
    argv: list[str], remainder: str, words: list[str]
) -> None:
    from invoke.context import Context

    from dockhand.cli.task import passed_on

    assert passed_on(Context(remainder=remainder), argv) == words


def test_every_option_that_takes_a_value_is_accounted_for(tmp_path: Any) -> None:
    from dockhand import namespace

    found = set()
    ns = namespace(tmp_path)
    for prefix, collection in [
        ("", ns),
        *((f"{n}.", c) for n, c in ns.collections.items()),
    ]:
        for name, task in collection.tasks.items():
            # the signature, not get_arguments: that one consumes the task's help
            parameters = list(inspect.signature(task.body).parameters.values())[1:]
            found.update(
                (prefix + name, p.name)
                for p in parameters
                if not isinstance(p.default, bool)
            )
    assert found == set(OPTIONS)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("120", 120.0), ("0.5", 0.5), (3, 3.0)]
)
def test_good_seconds(value: Any, expected: float | None) -> None:
    from dockhand.cli.task import seconds

    assert seconds("timeout", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("100", "100"), ("0", "0"), ("all", "all")]
)
def test_good_lines(value: Any, expected: str | None) -> None:
    from dockhand.cli.task import lines

    assert lines("tail", value) == expected


# --- the net: what nobody expected is one line and exit 70 ------------------


def test_an_unexpected_exception_is_one_line_and_exit_70(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCKHAND_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(buggy)).run(["inv", "buggy"])
    err = capsys.readouterr().err
    assert exited.value.code == 70
    assert err == (
        "error: internal error: KeyError: 'services'; this is a bug, "
        "rerun with DOCKHAND_DEBUG=1 to see the traceback\n"
    )


def test_dockhand_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKHAND_DEBUG", "1")
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(buggy)).run(["inv", "buggy"])
    err = capsys.readouterr().err
    assert exited.value.code == 70
    assert err.startswith("Traceback") and 'raise KeyError("services")' in err
    assert err.splitlines()[-1].startswith("error: internal error: KeyError")


def hook(monkeypatch: pytest.MonkeyPatch, folder: Any) -> Any:
    """A fresh excepthook for `folder` (namespace() installs one per process)."""
    import sys

    from dockhand.cli.task import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    install_excepthook(folder)
    return sys.excepthook


def test_what_escapes_invoke_is_an_internal_error(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCKHAND_DEBUG", raising=False)
    excepthook = hook(monkeypatch, tmp_path)
    with pytest.raises(SystemExit) as exited:
        excepthook(ValueError, ValueError("odd"), None)
    assert exited.value.code == 70
    assert capsys.readouterr().err.startswith("error: internal error: ValueError: odd;")


def test_a_config_file_invoke_cannot_read_is_a_user_error(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "invoke.yaml").write_text("- a\n")
    excepthook = hook(monkeypatch, tmp_path)
    error = AttributeError("'list' object has no attribute 'items'")
    with pytest.raises(SystemExit) as exited:
        excepthook(AttributeError, error, None)
    assert exited.value.code == 1
    assert "error: invoke.yaml: the top level is a list" in capsys.readouterr().err


def test_ctrl_c_outside_a_task_is_left_to_python(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    import sys

    from dockhand.cli.task import install_excepthook

    monkeypatch.setattr(sys, "excepthook", lambda *args: seen.append(args[0]))
    install_excepthook(tmp_path)
    sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt]


def test_a_closed_pipe_is_quiet(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dockhand.cli import task as cli

    monkeypatch.setattr(cli, "silence_stdout", lambda: None)
    excepthook = hook(monkeypatch, tmp_path)
    with pytest.raises(SystemExit) as exited:
        excepthook(BrokenPipeError, BrokenPipeError(32, "Broken pipe"), None)
    assert exited.value.code == 141 and capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "value",
    [
        "10m",
        "1h30m",
        "1.5h",
        "90s",
        "1700000000",
        "1700000000.5",
        "2026-01-02",
        "2026-01-02T15",
        "2026-01-02T15:04",
        "2026-01-02T15:04:05",
        "2026-01-02T15:04:05.123Z",
        "2026-01-02T15:04:05+02:00",
    ],
)
def test_good_since(value: str) -> None:
    from dockhand.cli.task import when

    assert when("since", value) == value


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-01-02", True),
        ("2026-01-02T15:04:05Z", True),
        ("2026-13-45", False),
        ("2026-02-30T10:00", False),
        ("10m", True),
        ("1700000000", True),
    ],
)
def test_since_takes_only_dates_the_calendar_has(value: str, ok: bool) -> None:
    from dockhand.cli import task as cli

    if ok:
        assert cli.when("since", value) == value
    else:
        with pytest.raises(DockhandError, match="--since takes a duration"):
            cli.when("since", value)


@pytest.mark.parametrize(
    ("argv", "follows"),
    [
        (["inv", "prod"], False),
        (["inv", "prod", "up"], True),
        (["inv", "--dry", "prod"], False),
        (["inv", "-e", "prod", "ps", "--json"], True),
    ],
)
def test_prod_knows_whether_a_task_follows(argv: list[str], follows: bool) -> None:
    from dockhand.cli.stack import tasks_after

    assert tasks_after("prod", argv) is follows


@command()
def writes_bytecode(c: Context) -> None:
    """Records whether a module it imported would have its .pyc written."""
    WROTE.append(not sys.dont_write_bytecode)


WROTE: list[bool] = []


def test_a_task_lets_python_keep_the_bytecode_of_what_it_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Invoke turns writing off for tasks.py; a task's own imports are
    compiled once, not on every run (unless -B or PYTHONDONTWRITEBYTECODE)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    WROTE.clear()  # a second run in one process (mutmut's) starts afresh
    Program(namespace=Collection(writes_bytecode)).run(
        ["inv", "writes-bytecode"], exit=False
    )
    assert [not sys.flags.dont_write_bytecode] == WROTE
