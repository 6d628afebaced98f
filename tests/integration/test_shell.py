"""`inv shell` on the running reference stack, without a terminal (with one:
test_interactive.py)."""

from __future__ import annotations

from harness import Stack, output


def test_shell_command_returns_its_exit_code_without_a_tty(running: Stack) -> None:
    uid = running.inv("shell", "backend", "-c", "id -u")
    assert uid.returncode == 0, output(uid)
    assert uid.stdout.strip().isdigit() and uid.stdout.strip() != "0"
    failed = running.inv("shell", "-c", "echo its own words >&2; exit 7")
    assert failed.returncode == 7, output(failed)
    assert failed.stderr == "its own words\n", output(failed)  # nothing added


def test_shell_in_a_stopped_service_uses_a_one_off_container(running: Stack) -> None:
    stopped = running.compose("stop", "backend-ts")
    assert stopped.returncode == 0, stopped.stderr
    try:
        result = running.inv("--echo", "shell", "backend-ts", "-c", "echo one-off")
        assert result.returncode == 0, output(result)
        assert "one-off" in result.stdout
        assert " run --rm " in result.stderr
    finally:
        assert running.inv("up", "backend-ts").returncode == 0
