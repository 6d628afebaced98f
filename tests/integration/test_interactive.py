"""A real terminal (tmux) for `inv shell`, and Ctrl-C as a terminal sends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from harness import Stack, Stacks, Tmux, wait_for

FAULTY = Path(__file__).parent / "projects" / "faulty"


@pytest.fixture
def faulty(stacks: Stacks) -> Stack:
    return stacks.project(FAULTY, ("up", "ok"))


def test_shell_is_a_real_interactive_tty(faulty: Stack, terminals: list[Tmux]) -> None:
    term = Tmux(faulty.project, [sys.executable, "-m", "invoke", "shell"], faulty)
    terminals.append(term)
    term.line("tty && echo answer=$((6*7))")
    term.wait("answer=42")
    assert "/dev/pts/" in term.screen()
    term.line("exit 3")
    term.wait("EXIT=")
    assert "EXIT=3" in term.screen(), term.screen()


def test_shell_without_a_tty_asks_for_minus_c(faulty: Stack) -> None:
    result = faulty.inv("shell")
    assert result.returncode == 1
    assert "needs a terminal" in result.stderr and "-c" in result.stderr


def ctrl_c(
    stack: Stack, args: list[str], ready: str, tmp_path: Path
) -> tuple[int, str]:
    """Start `inv ARGS` in its own process group, wait until its output shows
    `ready`, then send SIGINT to the whole group, as a terminal's Ctrl-C does."""
    log = tmp_path / "out.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "invoke", *args],
            cwd=stack.root,
            env=stack.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for(lambda: ready in log.read_text(), what=f"{ready!r} in the output")
            os.killpg(process.pid, signal.SIGINT)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    return code, log.read_text()


def leftovers(project: str) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-af", project], capture_output=True, text=True, check=False
    ).stdout
    return [
        line
        for line in found.splitlines()
        if "pgrep" not in line and "tmux" not in line
    ]


def assert_nothing_left(project: str) -> None:
    try:
        wait_for(
            lambda: not leftovers(project), timeout=10, what="no leftover processes"
        )
    except AssertionError:
        raise AssertionError(f"still running: {leftovers(project)}") from None


def test_ctrl_c_during_logs_follow(faulty: Stack, tmp_path: Path) -> None:
    faulty.extra_env["INVOKE_RUN_ECHO"] = "1"
    code, text = ctrl_c(faulty, ["logs", "-f", "ok"], "--follow", tmp_path)
    assert code == 130, text
    assert "Traceback" not in text
    assert_nothing_left(faulty.project)


def test_ctrl_c_during_migrate(faulty: Stack, tmp_path: Path) -> None:
    code, text = ctrl_c(faulty, ["migrate"], "\nmigrating\n", tmp_path)
    assert code == 130, text
    assert "Traceback" not in text
    assert_nothing_left(faulty.project)


def test_ctrl_c_during_up_wait(faulty: Stack, tmp_path: Path) -> None:
    code, text = ctrl_c(faulty, ["up", "slow"], "slow: starting", tmp_path)
    assert code == 130, text
    assert "Traceback" not in text
    assert_nothing_left(faulty.project)
