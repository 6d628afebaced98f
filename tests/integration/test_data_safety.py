"""Nothing is lost: rows written through the backend's API survive every
everyday command, a failed restore, and `--volumes` asked without a terminal.
Only `--volumes --yes` deletes them, and the last test shows that it does, so
the refusals above are what kept the data."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from db_helpers import (
    api_names,
    post_item,
    rows,
)
from harness import SET_UP, Stack, Stacks, output, volumes_of


@pytest.fixture(scope="module")
def stack(base_image: None, module_stacks: Stacks) -> Stack:
    return module_stacks.reference(*SET_UP)


def written(stack: Stack, label: str) -> tuple[list[str], list[str]]:
    """Write two rows through the API; return (rows in the database, names served)."""
    post_item(stack, f"{label} 1")
    post_item(stack, f"{label} 2")
    return rows(stack), api_names(stack)


def test_rows_survive_restart(stack: Stack) -> None:
    before, served = written(stack, "restart")
    result = stack.inv("restart")
    assert result.returncode == 0, output(result)
    assert rows(stack) == before
    assert api_names(stack) == served


def test_rows_survive_down_and_up(stack: Stack) -> None:
    before, served = written(stack, "down")
    down = stack.inv("down")
    assert down.returncode == 0, output(down)
    assert stack.compose("ps", "-q").stdout.strip() == ""  # really gone
    up = stack.inv("up")
    assert up.returncode == 0, output(up)
    assert rows(stack) == before
    assert api_names(stack) == served


def test_rows_survive_clean_without_volumes(stack: Stack) -> None:
    before, served = written(stack, "clean")
    kept = volumes_of(stack.project)
    clean = stack.inv("clean")
    assert clean.returncode == 0, output(clean)
    assert "data volumes kept" in clean.stderr
    assert volumes_of(stack.project) == kept
    up = stack.inv("up", "--build", timeout=1800)  # clean removed the images
    assert up.returncode == 0, output(up)
    assert rows(stack) == before
    assert api_names(stack) == served


def test_rows_survive_a_failed_restore(stack: Stack, tmp_path: Path) -> None:
    dump = tmp_path / "good.dump"
    backup = stack.inv("db.backup", "--output", str(dump))
    assert backup.returncode == 0, output(backup)
    before, served = written(stack, "failed restore")
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(dump.read_bytes()[:-64])

    result = stack.inv("db.restore", str(damaged), "--yes")
    assert result.returncode == 1, output(result)
    assert rows(stack) == before
    assert api_names(stack) == served


@pytest.mark.parametrize("command", [["down", "--volumes"], ["clean", "--volumes"]])
def test_volumes_without_a_terminal_or_yes_delete_nothing(
    stack: Stack, command: list[str]
) -> None:
    before, served = written(stack, " ".join(command))
    kept = volumes_of(stack.project)
    assert kept, "the stack should have data volumes"

    result = stack.inv(*command)  # stdin is not a terminal here
    assert result.returncode == 1, output(result)
    assert "refusing to delete volumes without a terminal" in result.stderr
    assert "--yes" in result.stderr
    for name in kept:
        assert name in result.stderr  # it said what it would have deleted
    assert volumes_of(stack.project) == kept
    assert rows(stack) == before
    assert api_names(stack) == served


def test_volumes_are_listed_while_another_client_asks_for_disk_usage(
    stack: Stack,
) -> None:
    """Engines before 23.0 refuse a second disk-usage request while one runs
    (`docker system df` in another terminal, or another checkout's `inv down
    --volumes`); the list of what would be deleted still comes, with sizes."""
    import docker
    from docker.errors import APIError

    client = docker.from_env()
    kept = volumes_of(stack.project)
    done = threading.Event()

    def ask_for_disk_usage() -> None:
        while not done.wait(0.2):  # busy more than half the time on 20.10
            with contextlib.suppress(APIError):  # busy with dockhand's request
                client.df()

    asking = threading.Thread(target=ask_for_disk_usage)
    asking.start()
    try:
        result = stack.inv("down", "--volumes")  # no terminal: lists and refuses
    finally:
        done.set()
        asking.join()
    assert result.returncode == 1, output(result)
    assert "refusing to delete volumes without a terminal" in result.stderr
    for name in kept:
        [line] = [line for line in result.stderr.splitlines() if name in line]
        assert "size unknown" not in line, output(result)
    assert volumes_of(stack.project) == kept


def test_volumes_with_yes_do_delete(stack: Stack) -> None:
    """The control: the same command with --yes deletes, so the refusal above
    is what kept the data. The stack is put back (empty) for the tests that
    run after it, in whatever order."""
    written(stack, "deleted")
    result = stack.inv("down", "--volumes", "--yes")
    assert result.returncode == 0, output(result)
    assert volumes_of(stack.project) == []
    for args in SET_UP:
        again = stack.inv(*args, timeout=1800)
        assert again.returncode == 0, output(again)
    assert rows(stack) == []
