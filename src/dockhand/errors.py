"""The one error type dockhand raises for anything a user can fix."""

from __future__ import annotations

import signal


class DockhandError(Exception):
    """A failure with a one-line message, a hint saying what to do, and an exit code."""

    def __init__(self, message: str, hint: str = "", code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class CommandFailed(DockhandError):
    """A command dockhand ran exited non-zero (`Runner.check(argv, failure)`):
    the message says what could not be done; the exit code is the command's
    unless one is given."""

    def __init__(
        self, message: str, hint: str, code: int, argv: tuple[str, ...]
    ) -> None:
        super().__init__(message, hint=hint, code=code)
        self.argv = argv


class PassedOn(DockhandError):
    """The exit code of a command the user ran (`inv shell -c`, `db.shell -c`),
    passed on as ours with nothing to add: its own output said it."""

    def __init__(self, code: int) -> None:
        super().__init__("", code=code)


class Interrupted(DockhandError):
    """Ctrl-C, SIGTERM or SIGHUP: the shell's exit code for it (128 + the
    signal: 130, 143, 129), no traceback."""

    def __init__(self, signum: int = 2) -> None:
        name = signal.Signals(signum).name
        super().__init__(
            "interrupted" if name == "SIGINT" else f"stopped by {name}",
            code=128 + signum,
        )
