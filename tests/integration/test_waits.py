"""What `inv up` and `inv restart` wait for, and what fools them: the scope of
the wait (what was asked and its dependencies, nothing else), jobs told apart
from services that stop, and crash loops under a restart policy."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import Stack, Stacks, output
from harness import inspect_service as inspect

CRASHLOOP = Path(__file__).parent / "projects" / "crashloop"


@pytest.fixture
def crashloop(stacks: Stacks) -> Stack:
    return stacks.project(CRASHLOOP)


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

# These services crash 2 s after each start at the latest; the default window
# (2.5 s) is too close: on a loaded machine (parallel workers) `sh` starts
# late, the crash falls after the window and the service was ready. 5 s
# leaves the crash well inside it.
STABLE_WELL_PAST_THE_CRASH = {"INVOKE_DOCKHAND_WAIT_STABLE_SECONDS": "5"}


@pytest.mark.parametrize("crash_after", ["0", "1", "2"])
def test_a_crash_loop_fails_naming_exit_code_restarts_and_logs(
    crashloop: Stack, crash_after: str
) -> None:
    crashloop.extra_env["CRASH_AFTER"] = crash_after
    crashloop.extra_env.update(STABLE_WELL_PAST_THE_CRASH)

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
    crashloop.extra_env.update(STABLE_WELL_PAST_THE_CRASH)
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


# --- the wait judges the containers this command started ---------------------


@pytest.mark.parametrize("attempt", range(3))
def test_up_after_fixing_a_crash_loop_judges_the_new_container(
    crashloop: Stack, attempt: int
) -> None:
    broken = crashloop.inv("up", "fixable", "--timeout", "20")
    assert broken.returncode == 1, output(broken)
    old = inspect(crashloop, "fixable")["Id"]

    crashloop.extra_env["BROKEN"] = "0"  # the fix: Compose replaces the container
    fixed = crashloop.inv("up", "fixable")

    assert fixed.returncode == 0, output(fixed)
    assert "exited" not in fixed.stderr and "keeps restarting" not in fixed.stderr
    new = inspect(crashloop, "fixable")
    assert new["Id"] != old and new["State"]["Status"] == "running"


def test_restart_does_not_count_the_stop_it_asked_for(crashloop: Stack) -> None:
    assert crashloop.inv("up", "killed").returncode == 0
    before = inspect(crashloop, "killed")["State"]["StartedAt"]

    result = crashloop.inv("restart", "killed")

    assert result.returncode == 0, output(result)
    assert "crashed" not in result.stderr and "137" not in result.stderr, output(result)
    state = inspect(crashloop, "killed")["State"]
    assert state["StartedAt"] != before and state["Health"]["Status"] == "healthy"


def test_a_container_compose_replaces_during_the_wait_is_not_a_failure(
    crashloop: Stack,
) -> None:
    """A second writer (an editor, a script) recreates the service while
    `inv up` waits for it: the old container's exit and removal are not
    this service failing; the new container is judged."""
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "up", "slowdep", "--timeout", "60"],
        cwd=crashloop.root,
        env=crashloop.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    try:
        assert process.stderr is not None
        for line in process.stderr:  # the wait has seen the first container
            seen.append(line)
            if line.strip() == "slowdep: starting":
                break
        old = inspect(crashloop, "slowdep")["Id"]
        replaced = crashloop.compose(
            "up", "-d", "--force-recreate", "--no-deps", "slowdep"
        )
        assert replaced.returncode == 0, replaced.stderr
        out, rest = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    err = "".join(seen) + rest
    assert process.returncode == 0, out + err
    assert "error:" not in err and "ok all services are ready" in err, err
    new = inspect(crashloop, "slowdep")
    assert new["Id"] != old and new["State"]["Health"]["Status"] == "healthy"


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("docker kill", r"slowdep was killed during the wait \(exit code 137\)"),
        ("compose stop", r"slowdep was stopped during the wait \(exit code \d+\)"),
    ],
    ids=["docker kill", "compose stop"],
)
def test_a_service_stopped_by_someone_else_ends_the_wait_within_seconds(
    crashloop: Stack, how: str, said: str
) -> None:
    """`docker kill` or `docker compose stop` in another terminal while `inv
    up --timeout 120` waits: the wait ends a few seconds later, naming the
    service and how it ended, not 117 s later blaming the deadline."""
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "up", "slowdep", "--timeout", "120"],
        cwd=crashloop.root,
        env=crashloop.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    try:
        assert process.stderr is not None
        for line in process.stderr:  # the wait has seen the container
            seen.append(line)
            if line.strip() == "slowdep: starting":
                break
        if how == "docker kill":
            key = inspect(crashloop, "slowdep")["Id"]
            stopped = subprocess.run(
                ["docker", "kill", key], capture_output=True, text=True, check=False
            )
        else:
            stopped = crashloop.compose("stop", "slowdep")
        assert stopped.returncode == 0, stopped.stderr
        at = time.monotonic()
        out, rest = process.communicate(timeout=60)  # the deadline is 120 s away
        took = time.monotonic() - at
    finally:
        if process.poll() is None:
            process.kill()
    err = "".join(seen) + rest
    assert process.returncode == 1, out + err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and re.search(said, lines[0]), err
    assert "deadline" not in err and "Traceback" not in err, err
    # The 2 s grace, the start-up of nothing else: far from the 120 s.
    assert took < 20, f"{took:.1f} s\n{err}"
    assert inspect(crashloop, "slowdep")["State"]["Status"] == "exited"


# --- the deadline covers the whole command ------------------------------------


def test_the_deadline_covers_composes_own_wait(crashloop: Stack) -> None:
    """Compose waits for a healthy dependency before it starts `needsit`;
    the healthcheck never reports, and `--timeout` still ends the command,
    naming what it was waiting for."""
    began = time.monotonic()
    result = crashloop.inv("up", "needsit", "--timeout", "6", timeout=120)
    took = time.monotonic() - began

    assert result.returncode == 1, output(result)
    assert took < 6 + 15, f"{took:.1f} s\n{output(result)}"
    line = error_line(result)
    assert "waiting for neverhealthy (starting) before it starts needsit" in line, line
    assert "(6 s)" in line and "inv logs neverhealthy" in result.stderr, line
    assert "Traceback" not in result.stderr
    # what survived: the dependency runs; the dependent was never started
    assert inspect(crashloop, "neverhealthy")["State"]["Status"] == "running"
    assert inspect(crashloop, "needsit")["State"]["Status"] == "created"
    leftover = subprocess.run(
        ["pgrep", "-f", f"compose.*{crashloop.project}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert leftover.stdout == "", "Compose was left running"
