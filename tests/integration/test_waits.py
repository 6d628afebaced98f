"""What `inv up` and `inv restart` wait for, and what fools them: the scope of
the wait (what was asked and its dependencies, nothing else), jobs told apart
from services that stop, and crash loops under a restart policy."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Stack, output, project_stack

CRASHLOOP = Path(__file__).parent / "projects" / "crashloop"


@pytest.fixture
def crashloop(tmp_path: Path) -> Iterator[Stack]:
    s = project_stack(CRASHLOOP, tmp_path)
    yield s
    s.destroy()


def inspect(stack: Stack, service: str) -> dict[str, Any]:
    ids = stack.compose("ps", "--all", "--quiet", service).stdout.split()
    assert len(ids) == 1, f"{service}: {ids}"
    out = subprocess.run(
        ["docker", "inspect", ids[0]], capture_output=True, text=True, check=True
    ).stdout
    info: dict[str, Any] = json.loads(out)[0]
    return info


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output(result)
    return lines[0]


def waited_for(result: subprocess.CompletedProcess[str]) -> set[str]:
    """The services the wait reported on (`  NAME: STATE` lines off a terminal)."""
    return {
        line.strip().split(":", 1)[0]
        for line in result.stderr.splitlines()
        if line.startswith("  ") and ": " in line
    }


# --- the scope of the wait ---------------------------------------------------


def test_up_service_ignores_a_stopped_service_it_does_not_need(
    crashloop: Stack,
) -> None:
    assert crashloop.inv("up", "web").returncode == 0
    web_before = inspect(crashloop, "web")["State"]["StartedAt"]
    crashloop.compose("kill", "web")  # exit 137, like a stopped backend
    assert inspect(crashloop, "web")["State"]["ExitCode"] == 137

    result = crashloop.inv("up", "base")

    assert result.returncode == 0, output(result)
    assert waited_for(result) == {"base"}, output(result)
    web = inspect(crashloop, "web")["State"]
    assert (web["Status"], web["ExitCode"], web["StartedAt"]) == (
        "exited",
        137,
        web_before,
    )


def test_restart_service_does_not_count_a_user_stopped_service_as_done(
    crashloop: Stack,
) -> None:
    assert crashloop.inv("up", "base", "quits").returncode == 0
    crashloop.compose("stop", "quits")  # traps SIGTERM and exits 0
    assert inspect(crashloop, "quits")["State"]["ExitCode"] == 0
    base_before = inspect(crashloop, "base")["State"]["StartedAt"]

    result = crashloop.inv("restart", "base")

    assert result.returncode == 0, output(result)
    assert waited_for(result) == {"base"}, output(result)
    assert inspect(crashloop, "base")["State"]["StartedAt"] != base_before
    assert inspect(crashloop, "quits")["State"]["Status"] == "exited"


def test_up_service_waits_for_what_it_depends_on_and_its_job(
    crashloop: Stack,
) -> None:
    result = crashloop.inv("up", "app")

    assert result.returncode == 0, output(result)
    assert waited_for(result) == {"app", "job", "slowdep"}, output(result)
    # Compose only waited for the job; the wait also covered slowdep's health.
    assert inspect(crashloop, "slowdep")["State"]["Health"]["Status"] == "healthy"
    job = inspect(crashloop, "job")["State"]
    assert (job["Status"], job["ExitCode"]) == ("exited", 0)


def test_a_service_that_exits_0_is_not_a_job(crashloop: Stack) -> None:
    result = crashloop.inv("up", "exits")

    assert result.returncode == 1, output(result)
    assert "exits exited (0)" in error_line(result), output(result)
    assert "exits: nothing to do" in result.stderr


# --- crash loops -------------------------------------------------------------


@pytest.mark.parametrize("crash_after", ["0", "1", "2"])
def test_a_crash_loop_fails_naming_exit_code_restarts_and_logs(
    crashloop: Stack, crash_after: str
) -> None:
    crashloop.extra_env["CRASH_AFTER"] = crash_after

    result = crashloop.inv("up", "crashloop")

    assert result.returncode == 1, output(result)
    line = error_line(result)
    assert "crashloop keeps restarting" in line, output(result)
    assert "exit code 5" in line, output(result)
    # Failed once the restarts passed the limit (2), not at the deadline.
    match = re.search(r"restarted (\d+) times", line)
    assert match and 3 <= int(match[1]) <= 4, output(result)
    assert int(match[1]) <= inspect(crashloop, "crashloop")["RestartCount"]
    assert "crashloop: lost the database" in result.stderr


def test_a_crash_loop_that_passes_its_healthcheck_fails(crashloop: Stack) -> None:
    result = crashloop.inv("up", "crashhealthy")

    assert result.returncode == 1, output(result)
    line = error_line(result)
    assert "crashhealthy keeps restarting" in line and "exit code 6" in line, output(
        result
    )
    assert "crashhealthy: out of memory" in result.stderr


def test_a_crash_that_recovers_passes_with_a_warning(crashloop: Stack) -> None:
    result = crashloop.inv("up", "flaky")

    assert result.returncode == 0, output(result)
    assert "all services are ready" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "flaky" in line]
    assert any(
        line.startswith("warning:") and "crashed (exit code 4)" in line
        for line in warnings
    ), output(result)
    state = inspect(crashloop, "flaky")
    assert state["State"]["Status"] == "running" and state["RestartCount"] == 1
