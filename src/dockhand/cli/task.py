"""Invoke glue: a task class that turns DockhandError into one line and an
exit code (any other exception into one line and INTERNAL_ERROR), the options
checked at the edge, and zero or more trailing service names
(dockhand.cli.positional, the one module that reads Invoke's parser from the
stack). What Invoke's program does that it offers no setting for (no .pyc,
INVOKE_* cast, exceptions outside a task) is undone at the end, in one section.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from invoke.exceptions import Exit, ParseError, UnexpectedExit
from invoke.parser.argument import Argument
from invoke.tasks import Task, task

from dockhand.cli.positional import ServicesArgument
from dockhand.config.defaults import ENV_PREFIX
from dockhand.errors import DockhandError
from dockhand.ui import console

if TYPE_CHECKING:
    from invoke.context import Context

    from dockhand.session import Session

# An exception dockhand did not expect: sysexits.h's EX_SOFTWARE.
INTERNAL_ERROR = 70
# stdout's reader went away (`inv ps --json | head -1`): what a shell reports
# for a process SIGPIPE ended, 128 + 13.
CLOSED_PIPE = 141
DEBUG = "DOCKHAND_DEBUG"


# A task's body: Invoke's Context, then its options; it returns nothing.
Body = Callable[..., None]

# What a positional argument takes, for completion (dockhand.cli.completion).
SERVICE, SNAPSHOT, BACKUP = "service", "snapshot", "backup"


class Command(Task[Body]):
    """A dockhand task: optional trailing services, errors as one line.
    `values`: what each positional takes (SERVICE, SNAPSHOT, BACKUP), which
    TAB completes; the trailing `services` take SERVICE unless it says other."""

    def __init__(
        self,
        body: Body,
        services: str | None = None,
        values: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        if services:
            kwargs["positional"] = [*(kwargs.get("positional") or []), services]
        super().__init__(body, **kwargs)
        self.services_arg = services
        if values is None:
            values = {services: SERVICE} if services else {}
        self.values: dict[str, str] = dict(values)

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        arguments: list[Argument] = super().get_arguments(ignore_unknown_help)
        return [
            ServicesArgument(
                names=a.names, help=a.help, positional=True, attr_name=a.attr_name
            )
            if a.name == self.services_arg
            else a
            for a in arguments
        ]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        keep_bytecode()
        try:
            with stopped_by_signals_as_errors():
                return super().__call__(*args, **kwargs)
        except DockhandError as exc:
            if exc.message:  # PassedOn has nothing to add to the command's output
                console.error(exc)
            raise Exit(code=exc.code) from None
        except KeyboardInterrupt:
            from dockhand.errors import Interrupted

            console.error(Interrupted())  # the same line as when a child ran
            raise Exit(code=130) from None
        except (Exit, ParseError, UnexpectedExit):
            raise  # Invoke's own, which Invoke reports in one line
        except BrokenPipeError:
            silence_stdout()
            raise Exit(code=CLOSED_PIPE) from None
        except Exception as exc:  # the net: a bug, said in one line
            report_internal_error(exc)
            raise Exit(code=INTERNAL_ERROR) from None


@contextmanager
def stopped_by_signals_as_errors() -> Iterator[None]:
    """SIGTERM and SIGHUP end a task like Ctrl-C does: as an exception, so
    every `finally` runs (partial files removed), then exit 143 or 129.
    Python's default would end the process on the spot."""
    import signal

    from dockhand.docker.process import FORWARDED
    from dockhand.errors import Interrupted

    def stop(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, stop) for sig in FORWARDED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def command(**options: Any) -> Callable[[Body], Command]:
    """`@command(...)`: Invoke's @task with dockhand's task class."""
    decorate: Callable[[Body], Command] = task(klass=Command, **options)
    return decorate


def session(c: Context, *, copied_ok: bool = False) -> Session:
    """The invocation's Session, its modules imported only now."""
    from dockhand.cli.invoke_config import session as make

    return make(c, copied_ok=copied_ok)


def reader(c: Context) -> Session:
    """The Session of a command that reads the project: files Compose
    refuses stop it with Compose's reason (Session.require_valid)."""
    s = session(c)
    s.require_valid()
    return s


def writer(
    c: Context, command: str, *, copied_ok: bool = False, checked: bool = True
) -> Session:
    """The Session of a command that changes the project's containers, with
    the project's files checked as `reader` checks them (not by `setup`,
    which makes the env file they may need first) and the project's lock
    held (dockhand.steps.lock); a dry run takes no lock."""
    from dockhand.steps import lock

    s = session(c, copied_ok=copied_ok)
    if checked:
        s.require_valid()
    if not s.runner.dry:
        lock.hold(s.settings.project, command)
    return s


# --- options, checked before anything runs ------------------------------------
# Invoke hands every option that has no typed default over as a string.


def passed_on(c: Context, argv: list[str] | None = None) -> list[str]:
    """The words after `--`, as the shell gave them. Invoke keeps them only
    joined by spaces (c.remainder), which loses quoting ("-k 'a and b'"), so
    they are read from sys.argv when that is where they came from."""
    argv = sys.argv if argv is None else argv
    if "--" in argv:
        words = argv[argv.index("--") + 1 :]
        if " ".join(words) == c.remainder:
            return words
    return shlex.split(c.remainder) if c.remainder else []


def seconds(option: str, value: str | None) -> float | None:
    """A --timeout: None (the configured default), or seconds above 0."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise DockhandError(
            f"--{option} takes a number of seconds greater than 0, not {value!r}",
            hint=f"e.g. --{option} 120",
        )
    return number


def lines(option: str, value: str | None) -> str | None:
    """A --tail: None, `all`, or a whole number of lines (0 or more)."""
    if value is None:
        return None
    text = str(value).strip()
    if not (text.isdecimal() or text == "all"):
        raise DockhandError(
            f"--{option} takes a number of lines, not {value!r}",
            hint=f"e.g. --{option} 100, or --{option} all",
        )
    return text


def project_name(option: str, value: str | None) -> str:
    """A Compose project name: lowercase letters, digits, - and _, starting
    with a letter or digit (Compose's own rule)."""
    if value is None or value == "":
        return ""
    text = str(value)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", text):
        raise DockhandError(
            f"--{option} takes a Compose project name, not {text!r}",
            hint="lowercase letters, digits, - and _, starting with a letter or digit",
        )
    return text


# What Docker takes for --since (its api/types/time.GetTimestamp): a Go
# duration, a Unix time, or an RFC 3339 date or time, the time part shortened
# at will and the zone optional.
_SINCE = re.compile(
    r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+"
    r"|\d+(\.\d+)?"
    r"|\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?(Z|[+-]\d{2}:\d{2})?"
)


def _real_date(text: str) -> bool:
    """A date/time that the calendar has (2026-13-45 has the shape only)."""
    if not re.match(r"\d{4}-", text):
        return True
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def when(option: str, value: str | None) -> str | None:
    """A --since: None, a duration (10m, 1h30m), a Unix time or a date/time."""
    if value is None:
        return None
    text = str(value).strip()
    if not _SINCE.fullmatch(text) or not _real_date(text):
        raise DockhandError(
            f"--{option} takes a duration, a date or a time, not {value!r}",
            hint=f"e.g. --{option} 10m, --{option} 1h30m, --{option} 2026-01-02T15:04:05",
        )
    return text


# --- the net under everything --------------------------------------------------


def debugging() -> bool:
    return os.environ.get(DEBUG, "") not in ("", "0")


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not
    fail again on the pipe nobody reads."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def report_internal_error(exc: BaseException) -> None:
    """One line on stderr (the traceback first under DOCKHAND_DEBUG=1). Plain
    print, not rich: this must work whatever else is broken."""
    if debugging():
        import traceback

        traceback.print_exception(exc)
    detail = (str(exc).strip().splitlines() or [""])[0]
    name = type(exc).__name__
    print(
        f"error: internal error: {name}{': ' + detail if detail else ''}; this is a "
        f"bug, rerun with {DEBUG}=1 to see the traceback",
        file=sys.stderr,
        flush=True,
    )


# --- where Invoke has no public hook ------------------------------------------
# Python's own hooks, each for one thing Invoke's program does and offers no
# setting for (`inv` is Invoke's program: dockhand cannot subclass it; the
# `dockhand` command runs the same hooks, so both behave alike). The
# parser's is in dockhand.cli.positional.


def keep_bytecode() -> None:
    """Undo Invoke's `sys.dont_write_bytecode = True` (its default, for
    tasks.py's sake; only the --write-pyc flag changes it) for what a task
    imports, so that it is compiled once, not on every run. Python's own -B
    and PYTHONDONTWRITEBYTECODE still win."""
    sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)


def take_environment() -> dict[str, str]:
    """Remove the INVOKE_DOCKHAND_* variables from the environment, before
    Invoke casts them, and return them for dockhand's schema to read."""
    names = [name for name in os.environ if name.startswith(ENV_PREFIX)]
    return {name: os.environ.pop(name) for name in names}


def install_excepthook(folder: Path) -> None:
    """Catch what escapes Invoke itself, outside any task (its program turns
    only its own Exit and ParseError into a message): a config file it
    cannot read or merge is one line naming file and line; anything else is
    an internal error (SystemExit from an excepthook sets the exit code).
    Installed once, by namespace()."""
    if getattr(sys.excepthook, "dockhand", False):
        return
    previous = sys.excepthook

    def hook(
        kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if not issubclass(kind, Exception):
            previous(kind, exc, tb)
            return
        if issubclass(kind, BrokenPipeError):  # `inv --list | head -1`
            silence_stdout()
            raise SystemExit(CLOSED_PIPE)
        from dockhand.cli import invoke_yaml as configfile

        problem = configfile.diagnose(exc, folder)
        if problem is None:  # not the user's doing
            report_internal_error(exc.with_traceback(tb))
            raise SystemExit(INTERNAL_ERROR)
        if debugging():
            previous(kind, exc, tb)
        console.error(problem)
        raise SystemExit(problem.code)

    hook.dockhand = True  # type: ignore[attr-defined]
    sys.excepthook = hook
