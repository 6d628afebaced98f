"""The battery of faults on the real engine: one table (FAULTS), each a
function that provokes a fault during or around a command on the crashloop
project (or, for a real dump, the reference stack's database) and asserts
the exit code, the one line, what survived (containers left running, the
lock released, files) and what was left behind (no Compose process, no
stray container or network).

To add a fault: write a function `def name(run: Run) -> None` below and
decorate it with @fault. Each gets its own Compose project.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from harness import (
    Stack,
    Stacks,
    duplicate_network,
    inspect_service,
    networks_of,
    output,
    sql,
    wait_for,
)

CRASHLOOP = Path(__file__).parent / "projects" / "crashloop"


@dataclass
class Run:
    """The project of one fault, and helpers to drive and inspect it."""

    stack: Stack
    tmp: Path
    stacks: Stacks  # for a fault that needs another project
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def inv(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return self.stack.inv(*args, timeout=timeout)

    def start(self, *args: str) -> Background:
        process = subprocess.Popen(
            [sys.executable, "-m", "invoke", *args],
            cwd=self.stack.root,
            env=self.stack.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own group: a signal reaches only it
        )
        self.started.append(process)
        return Background(process)

    def ids(self, service: str = "") -> list[str]:
        args = ["ps", "--all", "--quiet", *([service] if service else [])]
        return self.stack.compose(*args).stdout.split()

    def state(self, service: str) -> dict[str, Any]:
        state: dict[str, Any] = inspect_service(self.stack, service)["State"]
        return state

    def networks(self) -> list[str]:
        return networks_of(self.stack.project)

    def no_compose_left(self) -> None:
        """Nothing of Compose still runs for this project."""
        found = subprocess.run(
            ["pgrep", "-af", f"compose.* {self.stack.project} "],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        assert found == "", f"left running: {found}"

    def lock_is_free(self) -> None:
        """The next writer starts at once: nobody holds the project's lock."""
        result = self.inv("up", "--no-wait", "base", timeout=60)
        assert result.returncode == 0, output(result)
        assert "waiting for" not in result.stderr, output(result)


class Background:
    """A command running in the background; its stderr read line by line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self.lines.append("")  # the end
            self._seen.notify_all()

    def wait_for_line(self, text: str, timeout: float = 60) -> None:
        with self._seen:
            ok = self._seen.wait_for(
                lambda: (
                    any(text in line for line in self.lines)
                    or (self.lines and self.lines[-1] == "")
                ),
                timeout,
            )
        assert ok and any(text in line for line in self.lines), "".join(self.lines)

    def signal(self, signum: int) -> None:
        os.killpg(self.process.pid, signum)

    def end(self, timeout: float = 120) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        with self._seen:
            self._seen.wait_for(lambda: bool(self.lines) and self.lines[-1] == "", 10)
        return code, "".join(self.lines)


def errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


FAULTS: list[Callable[[Run], None]] = []


def fault(check: Callable[[Run], None]) -> Callable[[Run], None]:
    FAULTS.append(check)
    return check


# --- signals --------------------------------------------------------------------


def _signal_during_the_wait(run: Run, signum: int, code: int, says: str) -> None:
    up = run.start("up", "slowdep", "--timeout", "60")
    up.wait_for_line("slowdep: starting")
    up.signal(signum)
    exit_code, err = up.end()
    assert exit_code == code, err
    assert errors(err) == [f"error: {says}"], err
    assert "Traceback" not in err
    # survived: what Compose started stays (a wait that ends undoes nothing)
    assert run.state("slowdep")["Status"] == "running"
    run.no_compose_left()
    run.lock_is_free()


@fault
def sigterm_during_the_wait_of_up(run: Run) -> None:
    _signal_during_the_wait(run, signal.SIGTERM, 143, "stopped by SIGTERM")


@fault
def sighup_during_the_wait_of_up(run: Run) -> None:
    _signal_during_the_wait(run, signal.SIGHUP, 129, "stopped by SIGHUP")


@fault
def ctrl_c_during_the_wait_of_up(run: Run) -> None:
    _signal_during_the_wait(run, signal.SIGINT, 130, "interrupted")


@fault
def sigterm_while_compose_waits_for_a_dependency(run: Run) -> None:
    up = run.start("up", "needsit", "--timeout", "120")
    wait_for(lambda: bool(run.ids("neverhealthy")), what="neverhealthy created")
    wait_for(lambda: run.state("neverhealthy")["Status"] == "running", what="running")
    up.signal(signal.SIGTERM)
    code, err = up.end()
    assert code == 143, err
    assert errors(err) == ["error: stopped by SIGTERM"], err
    run.no_compose_left()
    assert run.state("neverhealthy")["Status"] == "running"
    run.lock_is_free()


@fault
def sigkill_of_inv_leaves_no_lock_behind(run: Run) -> None:
    up = run.start("up", "slowdep", "--timeout", "60")
    up.wait_for_line("slowdep: starting")
    up.signal(signal.SIGKILL)  # no handler runs: only the kernel cleans up
    assert up.end()[0] == -signal.SIGKILL
    run.lock_is_free()  # flock died with the holder
    result = run.inv("up", "slowdep")
    assert result.returncode == 0, output(result)


@fault
def sigterm_during_logs_follow(run: Run) -> None:
    assert run.inv("up", "--no-wait", "base").returncode == 0
    logs = run.start("logs", "--follow", "base")
    wait_for(
        lambda: (
            subprocess.run(
                ["pgrep", "-f", f"compose.* {run.stack.project} .*logs"],
                capture_output=True,
                check=False,
            ).returncode
            == 0
        ),
        what="compose logs to run",
    )
    logs.signal(signal.SIGTERM)
    code, err = logs.end()
    assert code == 143, err
    assert errors(err) == ["error: stopped by SIGTERM"], err
    run.no_compose_left()
    assert run.state("base")["Status"] == "running"


@fault
def compose_killed_under_inv(run: Run) -> None:
    """The Compose child dies (OOM killer, a stray kill): one line with
    Compose's exit code, no traceback."""
    up = run.start("up", "needsit", "--timeout", "120")
    wait_for(lambda: bool(run.ids("neverhealthy")), what="neverhealthy created")
    pids = subprocess.run(
        ["pgrep", "-f", f"compose.* {run.stack.project} .*up"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert pids
    for pid in pids:
        os.kill(int(pid), signal.SIGKILL)
    code, err = up.end()
    assert code != 0, err
    [line] = errors(err)
    assert line.startswith("error: Compose could not start the stack"), err
    assert "Traceback" not in err
    run.lock_is_free()


# --- containers and networks changed under a command ------------------------------


@fault
def container_removed_during_the_wait(run: Run) -> None:
    """`docker rm -f` of a service the wait is for: named as removed, 2 s
    later (it used to wait for the deadline and call it late)."""
    up = run.start("up", "slowdep", "--timeout", "120")
    up.wait_for_line("slowdep: starting")
    [container] = run.ids("slowdep")
    subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=True)
    code, err = up.end(timeout=60)  # the deadline is 120 s away
    assert code == 1, err
    [line] = errors(err)
    assert line == "error: slowdep was killed and removed during the wait", err
    assert run.ids("slowdep") == []  # left: nothing of it; the next up recreates it
    assert run.inv("up", "slowdep").returncode == 0


@fault
def container_paused_during_the_wait(run: Run) -> None:
    up = run.start("up", "slowdep", "--timeout", "8")
    up.wait_for_line("slowdep: starting")
    [container] = run.ids("slowdep")
    subprocess.run(["docker", "pause", container], capture_output=True, check=True)
    try:
        code, err = up.end()
        assert code == 1, err
        [line] = errors(err)
        assert "slowdep (paused) not healthy after the deadline" in line, err
        assert run.state("slowdep")["Status"] == "paused"  # left as it was
    finally:
        subprocess.run(["docker", "unpause", container], capture_output=True)


@fault
def container_replaced_during_the_wait(run: Run) -> None:
    up = run.start("up", "slowdep", "--timeout", "60")
    up.wait_for_line("slowdep: starting")
    [old] = run.ids("slowdep")
    again = run.stack.compose("up", "-d", "--force-recreate", "--no-deps", "slowdep")
    assert again.returncode == 0, again.stderr
    code, err = up.end()
    assert code == 0, err
    [new] = run.ids("slowdep")
    assert new != old and run.state("slowdep")["Health"]["Status"] == "healthy"


@fault
def a_crash_loop_fixed_then_up(run: Run) -> None:
    # the crash comes 0.5 s after each start: a window as short would pass it
    del run.stack.extra_env["INVOKE_DOCKHAND_WAIT_STABLE_SECONDS"]
    broken = run.inv("up", "fixable", "--timeout", "20")
    assert broken.returncode == 1, output(broken)
    run.stack.extra_env["BROKEN"] = "0"
    fixed = run.inv("up", "fixable")
    assert fixed.returncode == 0, output(fixed)
    assert run.state("fixable")["Status"] == "running"


@fault
def restart_that_kills(run: Run) -> None:
    assert run.inv("up", "killed").returncode == 0
    result = run.inv("restart", "killed")
    assert result.returncode == 0, output(result)
    assert "crashed" not in result.stderr, output(result)


@fault
def a_healthcheck_that_never_reports(run: Run) -> None:
    result = run.inv("up", "needsit", "--timeout", "5")
    assert result.returncode == 1, output(result)
    [line] = errors(result.stderr)
    assert "neverhealthy (starting) before it starts needsit" in line, line
    run.no_compose_left()
    assert run.state("needsit")["Status"] == "created"


@fault
def a_duplicate_network(run: Run) -> None:
    import docker

    assert run.inv("up", "base").returncode == 0
    [kept] = run.networks()
    client = docker.from_env()
    labels = client.networks.get(kept).attrs["Labels"]
    name = f"{run.stack.project}_default"
    if duplicate_network(name, labels) is None:
        return  # this engine refuses the duplicate: checked, nothing to survive
    result = run.inv("up", "web")
    assert result.returncode == 0, output(result)
    assert "removing the empty duplicate network" in result.stderr
    assert [n[:12] for n in run.networks()] == [kept[:12]]


@fault
def the_network_removed_while_stopped(run: Run) -> None:
    assert run.inv("up", "base").returncode == 0
    assert run.stack.compose("stop", "base").returncode == 0
    for network in run.networks():
        subprocess.run(["docker", "network", "rm", network], capture_output=True)
    assert run.networks() == []
    result = run.inv("up", "base")
    if result.returncode != 0:  # Compose could not reuse the container: say so
        [line] = errors(result.stderr)
        assert "network" in line, output(result)
    else:
        assert run.state("base")["Status"] == "running"


@fault
def a_container_removed_then_restart(run: Run) -> None:
    assert run.inv("up", "base", "web").returncode == 0
    [web] = run.ids("web")
    subprocess.run(["docker", "rm", "-f", web], capture_output=True, check=True)
    result = run.inv("restart", "web")
    assert result.returncode == 1, output(result)
    assert errors(result.stderr) == ["error: web has no container to restart"]
    assert "inv up web" in result.stderr
    assert run.state("base")["Status"] == "running"  # survived
    assert run.ids("web") == []  # and nothing was made


# --- two commands at once ---------------------------------------------------------


@fault
def two_ups_at_once(run: Run) -> None:
    first, second = run.start("up", "base", "web"), run.start("up", "base", "web")
    (a, err_a), (b, err_b) = first.end(), second.end()
    assert (a, b) == (0, 0), err_a + err_b
    assert len(run.networks()) == 1
    assert len(run.ids("base")) == 1 and len(run.ids("web")) == 1


@fault
def down_while_up_waits(run: Run) -> None:
    up = run.start("up", "slowdep", "--timeout", "60")
    up.wait_for_line("slowdep: starting")
    down = run.start("down")
    down.wait_for_line("waiting for inv up")
    up_code, up_err = up.end()
    down_code, down_err = down.end()
    assert up_code == 0, up_err
    assert down_code == 0, down_err
    assert run.ids() == [] and run.networks() == []  # down came second, and won


# --- the disk ---------------------------------------------------------------------


@contextmanager
def tmpfs(folder: Path, *options: str) -> Iterator[Path]:
    """A small tmpfs of our own at `folder` (the tests run as root, as the
    engine they need does)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        [
            "mount",
            "-t",
            "tmpfs",
            "-o",
            ",".join(["size=256k", *options]),
            "tmpfs",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mounted.returncode == 0, f"cannot mount a tmpfs: {mounted.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path) -> None:
    with (folder / "filler").open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


@fault
def a_full_disk_under_the_cache_and_lock(run: Run) -> None:
    with tmpfs(run.tmp / "cache") as cache:
        (cache / "locks").mkdir()
        fill(cache)
        run.stack.extra_env["DOCKHAND_CACHE_DIR"] = str(cache)
        result = run.inv("up", "base")
        assert "Traceback" not in result.stderr, output(result)
        assert result.returncode == 0, output(result)
        assert run.state("base")["Status"] == "running"


@fault
def a_read_only_cache_folder(run: Run) -> None:
    with tmpfs(run.tmp / "cache", "ro") as cache:
        run.stack.extra_env["DOCKHAND_CACHE_DIR"] = str(cache)
        result = run.inv("up", "base")
        assert result.returncode == 1, output(result)
        [line] = errors(result.stderr)
        assert str(cache) in line and "read-only" in line, line
        assert run.ids() == []  # nothing started without the lock


@fault
def a_backup_to_a_read_only_folder(run: Run) -> None:
    extra = run.tmp / "db.yaml"
    extra.write_text(
        "dockhand: {database: {service: base, user_var: U, name_var: N}}\n"
    )
    with tmpfs(run.tmp / "ro", "ro") as folder:
        result = run.inv("-f", str(extra), "db.backup", "-o", str(folder / "x.dump"))
        assert result.returncode == 1, output(result)
        [line] = errors(result.stderr)
        assert f"{folder} cannot be written to" in line, line
        assert list(folder.iterdir()) == []


@fault
def a_backup_to_a_full_disk(run: Run) -> None:
    """A real dump of the reference database outgrows a 256 KiB disk mid-way:
    one line naming the full disk, and no partial file left behind."""
    db = run.stacks.reference(("up", "db"))
    # ~1.6 MB of md5 text, which -Fc's compression leaves well over 256 KiB
    sql(db, "CREATE TABLE filler AS SELECT g, md5(g::text) AS h"
            " FROM generate_series(1, 50000) g")  # fmt: skip
    with tmpfs(run.tmp / "full") as folder:
        result = db.inv("db.backup", "-o", str(folder / "x.dump"))
        assert result.returncode == 1, output(result)
        assert "Traceback" not in result.stderr, output(result)
        [line] = errors(result.stderr)
        assert f"no space left on {folder}" in line, output(result)
        assert list(folder.iterdir()) == [], output(result)


# --- the runner ------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: Path, stacks: Stacks) -> Iterator[Run]:
    stack = stacks.project(CRASHLOOP)
    stack.extra_env["INVOKE_DOCKHAND_WAIT_STABLE_SECONDS"] = "0.5"
    r = Run(stack, tmp_path, stacks)
    try:
        yield r
    finally:
        for process in r.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.mark.parametrize("check", FAULTS, ids=[f.__name__ for f in FAULTS])
def test_a_fault_is_survived(run: Run, check: Callable[[Run], None]) -> None:
    check(run)


def test_the_battery_has_twenty_faults() -> None:
    assert len(FAULTS) >= 20
