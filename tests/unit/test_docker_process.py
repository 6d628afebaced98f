"""The one process runner, with real processes and real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dockhand.docker import process
from dockhand.docker.process import Runner
from dockhand.errors import CommandFailed, DockhandError, Interrupted, PassedOn


def test_run_returns_the_exit_code() -> None:
    assert Runner().run(["sh", "-c", "exit 5"]).code == 5


def test_check_raises_the_failure_with_the_commands_code() -> None:
    with pytest.raises(CommandFailed) as failed:
        Runner().check(
            ["sh", "-c", "exit 5"], failure="it failed ({code})", hint="look above"
        )
    assert (failed.value.message, failed.value.hint) == ("it failed (5)", "look above")
    assert failed.value.code == 5 and failed.value.argv == ("sh", "-c", "exit 5")


def test_check_with_a_code_exits_with_that_code() -> None:
    with pytest.raises(CommandFailed) as failed:
        Runner().check(["sh", "-c", "exit 5"], failure="no", code=1)
    assert failed.value.code == 1


def test_check_is_silent_on_success_and_under_dry() -> None:
    Runner().check(["true"], failure="never said")
    Runner(dry=True).check(["false"], failure="never said")


def test_pass_on_raises_the_code_with_no_message() -> None:
    with pytest.raises(PassedOn) as passed:
        Runner().pass_on(["sh", "-c", "exit 3"])
    assert (passed.value.code, passed.value.message) == (3, "")
    Runner().pass_on(["true"])
    Runner(dry=True).pass_on(["false"])


def test_a_child_killed_by_a_signal_reports_128_plus_n() -> None:
    assert Runner().run(["sh", "-c", "kill -TERM $$"]).code == 128 + signal.SIGTERM


def test_ctrl_c_before_the_child_starts_still_reaches_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_popen = subprocess.Popen

    def interrupted_just_before(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)  # the parent's handler notes it
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(process.subprocess, "Popen", interrupted_just_before)
    started = time.monotonic()
    with pytest.raises(Interrupted):
        Runner().run(["sleep", "30"])
    assert time.monotonic() - started < 10


def test_dry_run_announces_and_runs_nothing(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    assert Runner(dry=True).run(["touch", str(marker)]).code == 0
    assert not marker.exists()
    assert f"touch {marker}" in capsys.readouterr().err


def test_missing_binary_is_one_clear_error() -> None:
    with pytest.raises(DockhandError, match="was not found on PATH"):
        Runner().run(["dockhand-no-such-binary"])
    with pytest.raises(DockhandError, match="was not found on PATH"):
        Runner().capture(["dockhand-no-such-binary"])


def test_capture_keeps_output_and_times_out() -> None:
    done = Runner().capture(["sh", "-c", "echo out; echo err >&2; exit 2"])
    assert (done.code, done.stdout, done.stderr, done.ok) == (
        2,
        "out\n",
        "err\n",
        False,
    )
    slow = Runner().capture(["sleep", "5"], timeout=0.2)
    assert slow.code == 124 and "timed out" in slow.stderr


def test_quiet_keeps_the_output_and_starts_nothing_when_dry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = tmp_path / "made"
    done = Runner().quiet(["sh", "-c", f"echo out; echo err >&2; touch {made}; exit 3"])
    assert (done.code, done.stdout, done.stderr) == (3, "out\n", "err\n")
    assert made.exists()
    assert capsys.readouterr() == ("", "")  # nothing shown
    made.unlink()
    dry = Runner(dry=True).quiet(["touch", str(made)])
    assert dry.ok and not made.exists()
    assert f"touch {made}" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_are_passed_on_and_end_like_ctrl_c(signum: int) -> None:
    import threading

    before = signal.getsignal(signum)  # SIG_IGN for SIGHUP under nohup
    sent = threading.Timer(0.5, lambda: os.kill(os.getpid(), signum))
    started = time.monotonic()
    sent.start()
    with pytest.raises(Interrupted) as caught:
        Runner().run(["sleep", "30"])  # ends only if the signal reached it
    sent.join()
    assert time.monotonic() - started < 10
    assert caught.value.code == 128 + signum
    assert signal.getsignal(signum) is before  # put back afterwards


def test_a_task_stopped_by_sigterm_runs_its_finally_blocks() -> None:
    from dockhand.cli.task import stopped_by_signals_as_errors

    cleaned = []
    with pytest.raises(Interrupted) as caught, stopped_by_signals_as_errors():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # not reached: the handler raises
        finally:
            cleaned.append(True)
    assert cleaned == [True] and caught.value.code == 143
    assert "stopped by SIGTERM" in caught.value.message


def test_run_can_keep_stderr_while_it_is_still_shown(
    capfd: pytest.CaptureFixture[str],
) -> None:
    script = "import sys; sys.stderr.write('no such service: web\\n'); sys.exit(3)"
    done = Runner().run([sys.executable, "-c", script], keep_stderr=True)
    assert done.code == 3
    assert done.stderr == "no such service: web\n"
    assert capfd.readouterr().err == "no such service: web\n"


def test_run_keeps_only_the_end_of_a_long_stderr() -> None:
    script = "import sys; sys.stderr.write('x' * 200000 + 'the end')"
    done = Runner().run([sys.executable, "-c", script], keep_stderr=True)
    assert done.ok
    assert len(done.stderr) == process.KEPT and done.stderr.endswith("the end")


def test_a_child_still_running_at_its_deadline_is_stopped() -> None:
    began = time.monotonic()
    with pytest.raises(process.TimedOut):
        Runner().run(["sleep", "30"], until=time.time() + 0.5)
    assert time.monotonic() - began < 5


def test_a_child_that_ends_before_its_deadline_gives_its_code() -> None:
    assert Runner().run(["sh", "-c", "exit 4"], until=time.time() + 30).code == 4


def test_a_child_that_ignores_a_passed_on_sigterm_is_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`docker compose logs -f` kept running after inv had passed SIGTERM on."""
    import threading

    monkeypatch.setattr(process, "GRACE", 0.5, raising=False)
    sent = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    sent.start()
    with pytest.raises(Interrupted) as caught:
        Runner().run(["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"])
    sent.join()
    assert time.monotonic() - started < 5
    assert caught.value.code == 143


def test_a_grandchild_started_after_ctrl_c_is_not_left_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A Ctrl-C that came while `docker compose` was starting its plugin
    reached the CLI, not the plugin started after it: the CLI waited on the
    plugin, was killed after the grace, and the plugin ran on (CI, `inv logs
    -f`). Here the child waits on a grandchild that never got the signal."""
    import threading

    monkeypatch.setattr(process, "GRACE", 0.5, raising=False)
    pidfile = tmp_path / "grandchild"
    script = f"trap '' INT TERM; sleep 300 & echo $! > {pidfile}.new; mv {pidfile}.new {pidfile}; wait"

    def ctrl_c_once_the_grandchild_runs() -> None:
        while not pidfile.exists():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c_once_the_grandchild_runs, daemon=True).start()
    with pytest.raises(Interrupted):
        Runner().run(["sh", "-c", script])
    grandchild = int(pidfile.read_text())
    # A SIGKILL is delivered when the process is next scheduled: on a loaded
    # machine, a moment after kill() returned.
    deadline = time.monotonic() + 5
    while running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.01)
    left = running(grandchild)
    if left:
        os.kill(grandchild, signal.SIGKILL)
    assert not left, "the grandchild was left running"


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_serve_hands_a_connection_to_a_child_as_stdin_and_stdout() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        child = Runner(dry=True).serve(["tr", "a-z", "A-Z"], theirs)  # dry too
        theirs.close()  # the child has its own copy
        ours.sendall(b"over ssh\n")
        ours.shutdown(socket.SHUT_WR)
        assert ours.makefile("rb").read() == b"OVER SSH\n"
        assert child.wait(timeout=10) == 0


def test_what_runs_at_the_end_runs_before_a_handover_too() -> None:
    script = (
        "from dockhand.docker.process import Runner, at_end\n"
        "at_end(lambda: print('cleaned', flush=True))\n"
        "Runner().handover(['echo', 'handed over'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.stdout == "cleaned\nhanded over\n", done


def test_follow_hands_over_each_line_and_gives_the_exit_code() -> None:
    seen: list[str] = []
    idle: list[bool] = []
    script = "echo one; echo two >&2; sleep 0.5; echo three; exit 3"
    code = Runner().follow(
        ["sh", "-c", script], seen.append, idle=lambda: idle.append(True), every=0.1
    )
    assert code == 3
    assert seen == ["one", "two", "three"]
    assert idle  # the half second without a line


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    from pathlib import Path

    try:  # reaped between the kill and this read: gone too
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_follow_stops_the_whole_group_on_a_signal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`docker compose watch` is the docker CLI and its plugin, a grandchild:
    a Ctrl-C sent to dockhand alone ends both. The grandchild here ignores
    SIGINT (a background job of sh), so it takes the SIGTERM after GRACE."""
    import threading

    monkeypatch.setattr(process, "GRACE", 0.5, raising=False)
    grandchild: list[int] = []

    def each(line: str) -> None:
        grandchild.append(int(line))
        threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()

    started = time.monotonic()
    with pytest.raises(Interrupted) as caught:
        Runner().follow(["sh", "-c", "sleep 30 & echo $!; wait"], each)
    assert caught.value.code == 130
    assert time.monotonic() - started < 10
    assert grandchild and not _alive(grandchild[0])


def test_follow_ends_the_child_when_a_line_raises() -> None:
    def each(line: str) -> None:
        raise DockhandError(f"bad line {line}")

    started = time.monotonic()
    with pytest.raises(DockhandError, match="bad line hello"):
        Runner().follow(["sh", "-c", "echo hello; exec sleep 30"], each)
    assert time.monotonic() - started < 10
