"""The one place that runs processes: captured, streamed, or handed the terminal."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, NoReturn

from dockhand import console
from dockhand.errors import CommandFailed, DockhandError, Interrupted, PassedOn


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
            process.send_signal(then)
    return process.wait()


def _missing(argv: Sequence[str]) -> DockhandError:
    return DockhandError(
        f"'{argv[0]}' was not found on PATH",
        hint="install Docker (see `inv doctor`), or run scripts/engine",
        code=127,
    )


def exit_code(code: int) -> int:
    """A child killed by a signal reports -N; shells report 128+N."""
    return 128 - code if code < 0 else code


@dataclass(frozen=True)
class Runner:
    """Runs argv lists (never a shell string). Under `inv --dry`, commands that
    change something are printed instead of run; read-only probes still run,
    since they decide which command would be printed."""

    dry: bool = False
    echo: bool = False

    def capture(self, argv: Sequence[str], *, timeout: float | None = None) -> Captured:
        """Run a read-only probe and keep its output (small outputs only)."""
        try:
            done = subprocess.run(
                list(argv),
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

    def stream(
        self,
        argv: Sequence[str],
        *,
        failure: str | None = None,
        hint: str = "see its output above",
        code: int | None = None,
        pass_on: bool = False,
        stdout: IO[bytes] | None = None,
        stdin: IO[bytes] | int | None = None,
    ) -> int:
        """Run a command that changes something, its output going straight to
        our stdout/stderr (or to `stdout`), never held in memory. Ctrl-C,
        SIGTERM or SIGHUP raises Interrupted once the child has exited.

        A non-zero exit raises CommandFailed when `failure` says what could
        not be done (`{code}` in it becomes the exit code; the error's code is
        `code`, else the command's), or PassedOn with `pass_on` (the user's
        own command: its code becomes ours, nothing said). Otherwise the exit
        code is returned, for a caller that decides (a retry)."""
        exited = self._stream(argv, stdout=stdout, stdin=stdin)
        if exited != 0 and failure is not None:
            raise CommandFailed(
                failure.replace("{code}", str(exited)),
                hint=hint,
                code=exited if code is None else code,
                argv=tuple(argv),
            )
        if exited != 0 and pass_on:
            raise PassedOn(exited)
        return exited

    def _stream(
        self,
        argv: Sequence[str],
        *,
        stdout: IO[bytes] | None,
        stdin: IO[bytes] | int | None,
    ) -> int:
        self._announce(argv)
        if self.dry:
            return 0
        if shutil.which(argv[0]) is None:
            raise _missing(argv)
        with _signals_left_to_child() as (signals, child):
            if signals:  # stopped before anything started: start nothing
                raise Interrupted(signals[0])
            process = subprocess.Popen(list(argv), stdout=stdout, stdin=stdin)
            child.append(process)
            # A signal that came while the child was starting is passed on.
            code = _pass_on(process, signals[0]) if signals else process.wait()
        if signals:
            raise Interrupted(signals[0])
        if code in (-signal.SIGINT, 130):
            raise Interrupted()
        return exit_code(code)

    def handover(self, argv: Sequence[str]) -> NoReturn:
        """Replace this process with `argv` so it owns the terminal, its
        signals and its exit code (an interactive shell)."""
        self._announce(argv)
        if self.dry:
            raise SystemExit(0)
        if shutil.which(argv[0]) is None:
            raise _missing(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvp(argv[0], list(argv))

    def _announce(self, argv: Sequence[str]) -> None:
        if self.dry or self.echo:
            console.command(shlex.join(argv))


def interactive() -> bool:
    """Both ends are a terminal: a TTY can be handed to a container."""
    return sys.stdin.isatty() and sys.stdout.isatty()
