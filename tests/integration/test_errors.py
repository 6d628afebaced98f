"""Every user error of the task runner, provoked for real: one line that says
what to do, a non-zero exit, and no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from harness import Stack, Stacks, output, reference_stack

FAULTY = Path(__file__).parent / "projects" / "faulty"


def assert_one_clear_error(
    result: subprocess.CompletedProcess[str], *fragments: str
) -> None:
    assert result.returncode != 0, output(result)
    assert "Traceback" not in result.stderr, output(result)
    # one line, not one among several: a second `error:` is a second story
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output(result)
    for fragment in fragments:
        assert fragment in result.stderr, output(result)


@pytest.fixture
def faulty(stacks: Stacks) -> Stack:
    return stacks.project(FAULTY)


@pytest.fixture
def reference(tmp_path: Path) -> Stack:
    return reference_stack(tmp_path / "test.env")


def test_a_service_that_exits_is_named_with_its_last_log_lines(faulty: Stack) -> None:
    result = faulty.inv("up", "ok", "crash")
    assert result.returncode == 1, output(result)
    assert_one_clear_error(result, "crash exited (3)", "crash: cannot open config.toml")


def test_an_unhealthy_service_is_named_with_its_health_log(faulty: Stack) -> None:
    result = faulty.inv("up", "sick")
    assert result.returncode == 1, output(result)
    assert_one_clear_error(result, "sick unhealthy", "probe: port 8080 refused")


def test_the_deadline_names_the_late_service(faulty: Stack) -> None:
    result = faulty.inv("up", "ok", "slow", "--timeout", "8")
    assert result.returncode == 1, output(result)
    assert_one_clear_error(
        result, "slow (starting) not healthy after the deadline", "--timeout"
    )
    assert "ok" not in result.stderr.split("error:")[1].split("\n")[0]


def test_a_failed_migration_stops_with_its_exit_code(
    faulty: Stack, tmp_path: Path
) -> None:
    (tmp_path / "invoke.yaml").write_text(
        "dockhand:\n"
        "  migrations:\n"
        "    - {service: ok, run: \"sh -c 'echo step one failed >&2; exit 4'\"}\n"
        '    - {service: ok, run: "touch /tmp/second-ran"}\n'
    )
    assert faulty.inv("up", "ok").returncode == 0
    faulty.extra_env["INVOKE_RUNTIME_CONFIG"] = str(tmp_path / "invoke.yaml")
    result = faulty.inv("migrate")
    assert result.returncode == 4, output(result)
    assert_one_clear_error(result, "failed with exit code 4", "step one failed")
    # Asked so the answer is data, not an exit code (1 is also dockhand's own).
    second = faulty.inv(
        "shell", "ok", "-c", "ls /tmp/second-ran 2>/dev/null || echo absent"
    )
    assert second.returncode == 0, output(second)
    assert second.stdout.strip() == "absent", "the migration after the failed one ran"


def test_unknown_service_lists_the_real_ones_and_the_nearest(reference: Stack) -> None:
    result = reference.inv("logs", "bakend")
    assert_one_clear_error(
        result,
        "unknown service 'bakend'",
        "did you mean 'backend'?",
        "backend-ts",
        "redis",
    )


def test_unreachable_engine_says_where_and_how_to_start(reference: Stack) -> None:
    reference.extra_env["DOCKER_HOST"] = "unix:///tmp/dockhand-nobody-listens.sock"
    result = reference.inv("ps")
    assert_one_clear_error(
        result,
        "not reachable",
        "DOCKER_HOST=unix:///tmp/dockhand-nobody-listens.sock",
        "scripts/engine",
    )
    assert len(result.stderr.strip().splitlines()) == 2, output(result)
    assert "no socket there" in result.stderr


def test_missing_compose(reference: Stack) -> None:
    reference.extra_env["INVOKE_DOCKHAND_COMPOSE_COMMAND"] = (
        "/nonexistent/docker-compose"
    )
    result = reference.inv("logs")
    assert_one_clear_error(
        result, "Docker Compose was not found", "install the Compose plugin"
    )


def test_too_old_compose(reference: Stack, tmp_path: Path) -> None:
    old = tmp_path / "docker-compose"
    old.write_text("#!/bin/sh\necho 1.21.2\n")  # what an old standalone binary prints
    old.chmod(0o755)
    reference.extra_env["INVOKE_DOCKHAND_COMPOSE_COMMAND"] = str(old)
    result = reference.inv("up")
    assert_one_clear_error(result, "1.21.2 is too old", "1.29 or newer")


def test_invalid_compose_file_shows_composes_message_and_the_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    image: x\n    portz: [80]\n"
    )
    (tmp_path / "tasks.py").write_text(
        "from dockhand import namespace\nns = namespace(__file__)\n"
    )
    env_file = tmp_path / ".env"
    env_file.write_text("")
    stack = Stack(root=tmp_path, env_file=env_file)
    # Naming a service makes dockhand load the project first: its own line.
    assert_one_clear_error(
        stack.inv("logs", "web"),
        "Compose could not load the project",
        "portz",
        "docker-compose.yml",
    )
    # `up` loads it too, first (stale images, the database's password): the
    # same line, whether the stale-image check runs or not.
    for mode in ("rebuild", "off"):
        stack.extra_env["INVOKE_DOCKHAND_STALE_IMAGES"] = mode
        assert_one_clear_error(
            stack.inv("up"), "Compose could not load the project", "portz"
        )


def test_malformed_env_file_names_file_and_line(reference: Stack) -> None:
    with reference.env_file.open("a") as env:
        env.write("THIS LINE IS NOT AN ASSIGNMENT\n")
    line = len(reference.env_file.read_text().splitlines())
    result = reference.inv("up")
    assert_one_clear_error(result, str(reference.env_file), f"line {line}")


def test_bad_tail_value(reference: Stack) -> None:
    assert_one_clear_error(
        reference.inv("logs", "--tail", "ten"), "--tail takes a number"
    )
