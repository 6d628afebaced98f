"""The one place that runs processes: captured, streamed, handed the
terminal, or serving a connection.

Longer than 350 lines: it is the one module that starts processes (the
layout rule), so every way of starting one, and its signals, lives here.
"""

from __future__ import annotations

import atexit
import os
import queue
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, NoReturn

from dockhand.errors import CommandFailed, DockhandError, Interrupted, PassedOn
from dockhand.ui import console

if TYPE_CHECKING:
    import socket


@dataclass(frozen=True)
class Completed:
    """How a command that was shown, not kept, ended: its exit code, and
    the end of its stderr when that was kept (Runner.run's keep_stderr)."""

    argv: tuple[str, ...]
    code: int
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class Captured:
    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.code == 0


# Ctrl-C reaches the whole foreground group, the child included; SIGTERM (a
# closed IDE, `timeout`, a CI runner) and SIGHUP (a closed terminal) reach
# only us, so they are passed on.
FORWARDED = (signal.SIGTERM, signal.SIGHUP)


@contextmanager
def _signals_left_to_child() -> Iterator[
    tuple[list[int], list[subprocess.Popen[bytes]]]
]:
    """While a child runs, the parent only notes SIGINT, SIGTERM and SIGHUP
    (passing the last two on) and waits for the child to finish, so nothing
    is left running or half-written (subprocess.run would SIGKILL the child
    0.25 s after an interrupt). Yields the signals seen, and a slot for the
    child once it exists."""
    seen: list[int] = []
    child: list[subprocess.Popen[bytes]] = []

    def note(signum: int, _frame: object) -> None:
        seen.append(signum)
        if child and signum in FORWARDED:
            child[0].send_signal(signum)

    caught = (signal.SIGINT, *FORWARDED)
    previous = {sig: signal.signal(sig, note) for sig in caught}
    try:
        yield seen, child
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _pass_on(process: subprocess.Popen[bytes], signum: int) -> int:
    """Send a signal the child missed while it started, and wait for it. A
    child that does not end within seconds is terminated, then killed:
    `docker compose` leaves SIGINT to its plugin, a grandchild that a signal
    to the child alone may never reach."""
    process.send_signal(signum)
    for then in (signal.SIGTERM, signal.SIGKILL):
        try:
            return process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _signal_tree(process, then)
    return process.wait()


def _signal_tree(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send `signum` to the child and to every process below it. A Ctrl-C
    that came while `docker compose` was starting its plugin reached the CLI
    alone; the CLI waits on the plugin, and killing the CLI alone would leave
    the plugin running."""
    below = _descendants(process.pid)
    process.send_signal(signum)
    for pid in below:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, from Linux's /proc (none found elsewhere:
    there the child alone is signalled)."""
    found: list[int] = []
    parents = [pid]
    while parents:
        tasks = f"/proc/{parents.pop()}/task"
        with suppress(OSError):
            for task in os.listdir(tasks):
                with open(f"{tasks}/{task}/children") as children:
                    below = [int(child) for child in children.read().split()]
                found.extend(below)
                parents.extend(below)
    return found


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """End a child started in a process group of its own, and all of that
    group: SIGINT, then after GRACE seconds SIGTERM, then SIGKILL."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        deadline = time.monotonic() + GRACE
        if _exits_within(process, GRACE):
            process.wait()  # reaped: a zombie would count as the group's
            if _group_gone(process.pid, deadline):
                break
    process.wait()


def _group_gone(group: int, deadline: float) -> bool:
    """Whether every process of `group` has ended by `deadline` (the child
    itself has): a grandchild may take a moment longer."""
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)  # no event tells a group is empty; bounded by deadline
    return False


KEPT = 64 * 1024


@contextmanager
def _teed_stderr(kept: list[str] | None) -> Iterator[int | None]:
    """The stderr a child writes to: ours (None), or, when its text is to be
    kept, a pipe (a terminal of its own when ours is one, so it still shows
    its live progress) copied to ours as it comes. The copy ends when the
    child and whatever inherited the pipe have closed it."""
    if kept is None:
        yield None
        return

    terminal = sys.stderr.isatty()
    if terminal:
        import pty

        reader, writer = pty.openpty()
        _copy_size(sys.stderr.fileno(), writer)
    else:
        reader, writer = os.pipe()
    seen = bytearray()

    def copy() -> None:
        while True:
            try:
                chunk = os.read(reader, 4096)
            except OSError:  # a terminal's far end closed: EIO
                break
            if not chunk:
                break
            # Our stderr may be gone; keep reading so the child never blocks.
            with suppress(OSError):
                os.write(sys.stderr.fileno(), chunk)
            seen.extend(chunk)
            del seen[:-KEPT]

    thread = threading.Thread(target=copy, name="dockhand-stderr", daemon=True)
    thread.start()
    try:
        yield writer
    finally:
        os.close(writer)
        thread.join(timeout=10)
        os.close(reader)
        kept.append(seen.decode(errors="replace"))


def _copy_size(source: int, target: int) -> None:
    """Give a terminal of our own the size of the user's."""
    import fcntl
    import termios

    try:
        size = fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(target, termios.TIOCSWINSZ, size)
    except OSError:
        pass


class TimedOut(DockhandError):
    """A child still running at its deadline, stopped."""

    def __init__(self, argv: Sequence[str]) -> None:
        super().__init__(f"{shlex.join(argv[:3])} ... did not finish in time")


GRACE = 5.0  # seconds a child has to end after a signal, before the next


def _wait_until(
    process: subprocess.Popen[bytes], until: float | None, signals: list[int]
) -> int | None:
    """The child's exit code; None when it had to be stopped at `until`.
    Once a signal has been passed on (to it alone: a SIGTERM to `inv`), the
    child has GRACE seconds, then is terminated, then killed, as when the
    signal came before it started: `docker compose logs -f` may not end on a
    signal its CLI was sent."""
    first_signal_at: float | None = None
    escalations = [signal.SIGTERM, signal.SIGKILL]
    while True:
        now = time.time()
        if signals and first_signal_at is None:
            first_signal_at = now
        limits = [until] if until is not None else []
        if first_signal_at is not None:
            limits.append(first_signal_at + GRACE)
        if _exits_within(process, max(0.0, min(limits) - now) if limits else 0.25):
            return process.wait()
        if first_signal_at is not None and time.time() >= first_signal_at + GRACE:
            if escalations:
                _signal_tree(process, escalations.pop(0))
                first_signal_at = time.time()
            continue
        if until is not None and time.time() >= until:
            _pass_on(process, signal.SIGTERM)
            return None


def _exits_within(process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether the child exits within `seconds`, woken the moment it does (a
    pidfd, on Linux): Popen.wait(timeout) polls with sleeps that grow to 50
    ms, so it sees an exit about 25 ms late, on every command."""
    try:
        fd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux, or an old kernel
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


def _missing(argv: Sequence[str]) -> DockhandError:
    return DockhandError(
        f"'{argv[0]}' was not found on PATH",
        hint="install Docker (see `inv doctor`), or run scripts/engine",
        code=127,
    )


def exit_code(code: int) -> int:
    """A child killed by a signal reports -N; shells report 128+N."""
    return 128 - code if code < 0 else code


_AT_END: list[Callable[[], object]] = []


def at_end(cleanup: Callable[[], object]) -> None:
    """Run `cleanup` when dockhand ends: at exit, or before a handover
    replaces the process (exec runs no atexit handler)."""

    _AT_END.append(cleanup)
    atexit.register(cleanup)


@dataclass(frozen=True)
class Runner:
    """Runs argv lists (never a shell string). Under `inv --dry`, `run`,
    `check`, `pass_on` and `handover` print the command and start nothing
    (`run` gives exit code 0, so the others never raise); `capture` (a
    read-only probe) and `serve` (a transport) still run, since they decide
    which command would be printed. A caller tests `dry` only for what this
    cannot know: a probe whose answer needs a change that was not made,
    files, locks, prompts, the SDK and waits."""

    dry: bool = False
    echo: bool = False
    # A command's first words -> what is started in their place, while it is
    # still shown as written: `docker compose` -> Compose's plugin binary
    # (docker.compose_plugin; set by Session.find_compose).
    shortcuts: dict[tuple[str, ...], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def started(self, argv: Sequence[str]) -> list[str]:
        """What is started for `argv` (its shortcut applied)."""
        for shown, direct in self.shortcuts.items():
            if tuple(argv[: len(shown)]) == shown:
                return [*direct, *argv[len(shown) :]]
        return list(argv)

    def _startable(self, argv: Sequence[str]) -> list[str]:
        """`started(argv)`, once its program is known to be there (else the
        error names the command as it is shown)."""
        started = self.started(argv)
        if shutil.which(started[0]) is None:
            raise _missing(argv)
        return started

    def capture(self, argv: Sequence[str], *, timeout: float | None = None) -> Captured:
        """Run a read-only probe and keep its output (small outputs only)."""
        try:
            done = subprocess.run(
                self.started(argv),
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError:
            raise _missing(argv) from None
        except subprocess.TimeoutExpired:
            return Captured(tuple(argv), 124, "", f"timed out after {timeout} s")
        return Captured(tuple(argv), done.returncode, done.stdout, done.stderr)

    def quiet(self, argv: Sequence[str], *, timeout: float = 120) -> Captured:
        """Run a short command that changes something, keeping its output
        instead of showing it: for a caller that words the outcome itself
        (the router's steps, where an expected refusal, a taken port, is no
        news). Under `inv --dry` it prints the command and starts nothing."""
        self._announce(argv)
        if self.dry:
            return Captured(tuple(argv), 0, "", "")
        return self.capture(argv, timeout=timeout)

    def run(
        self,
        argv: Sequence[str],
        *,
        stdout: IO[bytes] | None = None,
        stdin: IO[bytes] | int | None = None,
        until: float | None = None,
        keep_stderr: bool = False,
    ) -> Completed:
        """Run a command that changes something, its output going straight to
        our stdout/stderr (or to `stdout`), never held in memory, and return
        how it ended: for a caller that decides (a retry). Ctrl-C, SIGTERM or
        SIGHUP raises Interrupted once the child has exited.

        `keep_stderr`: its stderr is also kept (still shown as it comes).
        `until` (time.time()): a child still running then is stopped as a
        signal would stop it, and TimedOut is raised."""
        self._announce(argv)
        if self.dry:
            return Completed(tuple(argv), 0)
        kept: list[str] | None = [] if keep_stderr else None
        code = self._start(argv, stdout=stdout, stdin=stdin, kept=kept, until=until)
        return Completed(tuple(argv), code, "".join(kept or []))

    def check(
        self,
        argv: Sequence[str],
        failure: str,
        *,
        hint: str = "see its output above",
        code: int | None = None,
        stdout: IO[bytes] | None = None,
        stdin: IO[bytes] | int | None = None,
        until: float | None = None,
    ) -> None:
        """Run a command that changes something (as `run`); a non-zero exit
        raises CommandFailed: `failure` says what could not be done (`{code}`
        in it becomes the exit code), ended by the cause its stderr names, in
        the user's terms (dockhand.docker.compose_errors), with its hint. The
        error's exit code is `code`, else the command's."""
        done = self.run(argv, stdout=stdout, stdin=stdin, until=until, keep_stderr=True)
        if done.ok:
            return

        from dockhand.docker import compose_errors  # its rules only for an error

        said = compose_errors.explain(done.stderr)
        raise CommandFailed(
            failure.replace("{code}", str(done.code))
            + (f": {said.cause}" if said else ""),
            hint=(said.hint if said and said.hint else hint),
            code=done.code if code is None else code,
            argv=tuple(argv),
        )

    def pass_on(self, argv: Sequence[str]) -> None:
        """Run the user's own command (as `run`): a non-zero exit raises
        PassedOn, so its code becomes ours with nothing said."""
        done = self.run(argv)
        if not done.ok:
            raise PassedOn(done.code)

    def _start(
        self,
        argv: Sequence[str],
        *,
        stdout: IO[bytes] | None,
        stdin: IO[bytes] | int | None,
        kept: list[str] | None,
        until: float | None,
    ) -> int:
        started = self._startable(argv)
        with _signals_left_to_child() as (signals, child):
            if signals:  # stopped before anything started: start nothing
                raise Interrupted(signals[0])
            with _teed_stderr(kept) as stderr:
                process = subprocess.Popen(
                    started, stdout=stdout, stdin=stdin, stderr=stderr
                )
                child.append(process)
                # A signal that came while the child was starting is passed on.
                code: int | None = (
                    _pass_on(process, signals[0])
                    if signals
                    else _wait_until(process, until, signals)
                )
        if signals:
            raise Interrupted(signals[0])
        if code is None:
            raise TimedOut(argv)
        if code in (-signal.SIGINT, 130):
            raise Interrupted()
        return exit_code(code)

    def follow(
        self,
        argv: Sequence[str],
        each: Callable[[str], object],
        *,
        idle: Callable[[], object] = lambda: None,
        every: float = 0.2,
    ) -> int:
        """Run a command that runs until it is stopped (`compose watch`),
        handing each line it writes (stdout and stderr, merged) to `each` as
        it comes, and calling `idle` whenever `every` seconds pass without
        one; its exit code when it ends by itself.

        In a process group of its own, so that a signal to dockhand reaches
        all of it: `docker compose` leaves SIGINT to its plugin, a grandchild
        a signal to the child alone never reaches. Ctrl-C, SIGTERM or SIGHUP
        is passed on to the group as SIGINT (the group then has GRACE
        seconds, then SIGTERM, then SIGKILL), and raises Interrupted once it
        has ended. An error raised by `each` or `idle` ends the group too, and
        goes on up."""
        self._announce(argv)
        if self.dry:
            return 0
        started = self._startable(argv)
        lines: queue.SimpleQueue[str | int | None] = queue.SimpleQueue()
        seen: list[int] = []

        def note(signum: int, _frame: object) -> None:
            seen.append(signum)
            lines.put(signum)  # SimpleQueue.put is safe in a signal handler

        caught = (signal.SIGINT, *FORWARDED)
        previous = {sig: signal.signal(sig, note) for sig in caught}
        try:
            process = subprocess.Popen(
                started,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

            def read() -> None:
                assert process.stdout is not None
                for raw in process.stdout:
                    lines.put(raw.decode(errors="replace").rstrip("\r\n"))
                lines.put(None)

            threading.Thread(target=read, name="dockhand-follow", daemon=True).start()
            try:
                while not seen:
                    try:
                        item = lines.get(timeout=every)
                    except queue.Empty:
                        idle()
                        continue
                    if item is None:
                        return exit_code(process.wait())
                    if isinstance(item, str):
                        each(item)
            finally:
                if process.poll() is None:
                    _stop_group(process)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        raise Interrupted(seen[0])

    def serve(
        self, argv: Sequence[str], connection: socket.socket
    ) -> subprocess.Popen[bytes]:
        """Start `argv` on `connection` (stdin and stdout) and leave it to
        serve it (dockhand.swarm.dial): a transport, run under --dry too. In a
        session of its own: a Ctrl-C is for dockhand, not its connections."""
        fd = connection.fileno()
        return subprocess.Popen(list(argv), stdin=fd, stdout=fd, start_new_session=True)

    def handover(self, argv: Sequence[str]) -> NoReturn:
        """Replace this process with `argv` so it owns the terminal, its
        signals and its exit code (an interactive shell)."""
        self._announce(argv)
        if self.dry:
            raise SystemExit(0)
        started = self._startable(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        for cleanup in _AT_END:
            cleanup()
        os.execvp(started[0], started)

    def _announce(self, argv: Sequence[str]) -> None:
        if self.dry or self.echo:
            console.command(shlex.join(argv))


def interactive() -> bool:
    """Both ends are a terminal: a TTY can be handed to a container."""
    return sys.stdin.isatty() and sys.stdout.isatty()
