"""Trailing services through Invoke's real parser and program: every form a
user types, and an option no task has. scripts/invoke-range runs this file
against the lowest and newest Invoke that pyproject.toml admits."""

from __future__ import annotations

from typing import Any

import pytest
from invoke.collection import Collection
from invoke.context import Context
from invoke.program import Program

from dockhand.cli.task import command

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


def run(*argv: str) -> list[tuple[str, dict[str, Any]]]:
    calls.clear()
    Program(namespace=Collection(logs, ps)).run(["inv", *argv], exit=False)
    return list(calls)


@pytest.mark.parametrize(
    ("argv", "services", "follow", "tail"),
    [
        (["logs"], [], False, None),
        (["logs", "backend"], ["backend"], False, None),
        (["logs", "backend", "redis", "-f"], ["backend", "redis"], True, None),
        (["logs", "-f", "--tail", "5"], [], True, "5"),
        (["logs", "--tail", "5", "db"], ["db"], False, "5"),
        (["logs", "backend", "--tail", "5"], ["backend"], False, "5"),
        (["logs", "--tail", "5", "backend", "backend-ts"], ["backend", "backend-ts"], False, "5"),
        (["logs", "--tail=5", "backend", "-f", "redis"], ["backend", "redis"], True, "5"),
    ],
)  # fmt: skip
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


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["logs", "--frobnicate"], "--frobnicate"),
        (["logs", "backend", "--frobnicate"], "--frobnicate"),
        (["logs", "--tail", "5", "--frobnicate", "backend"], "--frobnicate"),
        (["logs", "--frobnicate=yes"], "--frobnicate"),
        (["logs", "-x"], "-x"),
        (["ps", "--frobnicate"], "--frobnicate"),  # Invoke's own, the model
    ],
)
def test_an_unknown_option_is_an_unknown_option(
    argv: list[str], word: str, capsys: pytest.CaptureFixture[str]
) -> None:
    calls.clear()
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(logs, ps)).run(["inv", *argv])
    assert exited.value.code == 1
    assert capsys.readouterr().err == f"No idea what {word!r} is!\n"
    assert calls == []  # nothing ran


def test_the_parser_reads_the_words_only_while_it_places_one() -> None:
    from dockhand.cli.positional import ServicesArgument, parser_is_placing_a_word

    argument = ServicesArgument(names=("services",), positional=True)
    assert parser_is_placing_a_word() is False
    argument.value = "backend"
    assert argument.value == ["backend"] and argument.got_value


@pytest.mark.parametrize(
    "argv", [["logs", "--help"], ["logs", "backend", "-h"], ["--help", "logs"]]
)
def test_help_after_a_services_task_is_its_help(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    calls.clear()
    with pytest.raises(SystemExit) as exited:
        Program(namespace=Collection(logs, ps)).run(["inv", *argv])
    assert exited.value.code == 0 and calls == []
    out = capsys.readouterr().out
    assert out.startswith("Usage: inv [--core-opts] logs [--options]"), out
