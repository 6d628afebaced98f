"""Options and trailing services through the real `inv`, on the reference
stack: an option no task has is named as an option (Invoke's own words, one
line, exit 1), and services go before, after and between options. Nothing
starts: a parse error stops before the engine, the rest run under --dry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import Stack, output, reference_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = reference_stack(tmp_path_factory.mktemp("options") / "test.env")
    yield stack
    stack.destroy()  # nothing should be there; whatever is, goes


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (("up", "--frobnicate"), "--frobnicate"),
        (("logs", "backend", "--frobnicate"), "--frobnicate"),
        (("logs", "--tail", "5", "-z", "backend"), "-z"),
        (("restart", "--frobnicate=1"), "--frobnicate"),
        (("ps", "--frobnicate"), "--frobnicate"),  # a task without services
    ],
)
def test_an_unknown_option_is_named_as_an_option(
    stack: Stack, argv: tuple[str, ...], word: str
) -> None:
    result = stack.inv(*argv, timeout=120)
    assert result.returncode == 1, output(result)
    assert result.stderr == f"No idea what {word!r} is!\n", output(result)
    assert result.stdout == "", output(result)


@pytest.mark.parametrize(
    ("argv", "compose_tail"),
    [
        (("logs", "backend", "--tail", "5"), "--tail 5 backend"),
        (("logs", "--tail", "5", "backend", "backend-ts"), "--tail 5 backend backend-ts"),
        (("logs", "backend", "--tail", "5", "backend-ts"), "--tail 5 backend backend-ts"),
    ],
)  # fmt: skip
def test_services_go_before_after_and_between_options(
    stack: Stack, argv: tuple[str, ...], compose_tail: str
) -> None:
    result = stack.inv("--dry", *argv, timeout=120)  # --dry echoes on stderr
    assert result.returncode == 0, output(result)
    commands = [line for line in result.stderr.splitlines() if " logs " in line]
    assert len(commands) == 1 and commands[0].endswith(compose_tail), output(result)


@pytest.mark.parametrize("argv", [("logs", "--help"), ("logs", "backend", "-h")])
def test_help_after_a_services_task_is_the_tasks_help(
    stack: Stack, argv: tuple[str, ...]
) -> None:
    """Not Compose's help: `--help` was once passed on as a service name."""
    result = stack.inv(*argv, timeout=120)
    assert result.returncode == 0, output(result)
    assert result.stdout.startswith("Usage: inv[oke] [--core-opts] logs "), output(
        result
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("up", "--dry"),
        ("up", "backend", "--dry", "--no-wait"),
        ("logs", "--dry", "backend", "--tail", "5"),
        ("restart", "backend", "--dry"),
        ("down", "--volumes", "--yes", "--dry"),
        ("ps", "--dry"),
    ],
)
def test_dry_after_the_task_name_means_what_it_means_before_it(
    stack: Stack, argv: tuple[str, ...]
) -> None:
    """`inv up --dry` is `inv --dry up`: the same commands printed, none run
    (never `--dry` read as a service, nor passed on to Compose)."""
    after = stack.inv(*argv, timeout=120)
    before = stack.inv("--dry", *(word for word in argv if word != "--dry"))
    assert after.returncode == 0, output(after)
    assert (after.stdout, after.stderr) == (before.stdout, before.stderr)
    assert "--dry" not in after.stderr, output(after)
    if argv[0] != "ps":
        assert f"$ docker compose -p {stack.project}" in after.stderr, output(after)
    assert stack.compose("ps", "-a", "-q").stdout == ""  # nothing started
