"""Invoke's real parser and program over dockhand's task class."""

from __future__ import annotations

from typing import Any

import pytest
from invoke.collection import Collection
from invoke.context import Context
from invoke.program import Program

from dockhand.cli import command
from dockhand.errors import DockhandError

calls: list[tuple[str, dict[str, Any]]] = []


@command(services="services", help={"services": "s", "follow": "f", "tail": "t"})
def logs(
    c: Context,
    services: list[str] | None = None,
    follow: bool = False,
    tail: str | None = None,
) -> None:
    """Show logs."""
    calls.append(("logs", {"services": services, "follow": follow, "tail": tail}))


@command()
def ps(c: Context) -> None:
    """List."""
    calls.append(("ps", {}))


@command()
def broken(c: Context) -> None:
    """Fail like a user error."""
    raise DockhandError(
        "unknown service 'bakend'", hint="did you mean 'backend'?", code=3
    )


@command()
def interrupted(c: Context) -> None:
    """Be interrupted."""
    raise KeyboardInterrupt


def run(*argv: str) -> list[tuple[str, dict[str, Any]]]:
    calls.clear()
    Program(namespace=Collection(logs, ps, broken, interrupted)).run(
        ["inv", *argv], exit=False
    )
    return list(calls)


@pytest.mark.parametrize(
    ("argv", "services", "follow", "tail"),
    [
        (["logs"], [], False, None),
        (["logs", "backend"], ["backend"], False, None),
        (["logs", "backend", "redis", "-f"], ["backend", "redis"], True, None),
        (["logs", "-f", "--tail", "5"], [], True, "5"),
        (["logs", "--tail", "5", "db"], ["db"], False, "5"),
    ],
)
def test_services_are_optional_and_trailing(
    argv: list[str], services: list[str], follow: bool, tail: str | None
) -> None:
    assert run(*argv) == [
        ("logs", {"services": services, "follow": follow, "tail": tail})
    ]


def test_a_task_before_a_services_task_still_runs() -> None:
    assert run("ps", "logs", "db") == [
        ("ps", {}),
        ("logs", {"services": ["db"], "follow": False, "tail": None}),
    ]


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


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(interrupted)).run(["inv", "interrupted"])
    assert exited.value.code == 130
    assert "Traceback" not in capsys.readouterr().err
