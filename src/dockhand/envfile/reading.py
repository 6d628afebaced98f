"""Reading an env file the way python-dotenv does, with its parse warnings
turned into errors naming the line.

Values are read with python-dotenv and `${VAR}` in them filled as Compose
fills it (the shell first); nothing here changes `os.environ`, so Compose
keeps its own precedence (shell, then `.env`).
python-dotenv's own parser splits the file into bindings with line numbers,
kept as entries with their raw text. Secrets in an example file are the keys
whose comment line directly above contains `@secret`.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream
from dotenv.variables import parse_variables

from dockhand.errors import DockhandError

SECRET_MARK = "@secret"  # noqa: S105 - the marker, not a secret

_KEY_COLON = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*:")
_VALUE = re.compile(r"^\s*(?:export\s+)?(?:'[^']+'|[^=#\s]+)\s*=[^\S\r\n]*(.?)", re.S)


@dataclass(frozen=True)
class Problem:
    """A line of an env file that is wrong (error) or ambiguous (warning)."""

    path: Path
    line: int
    message: str
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.path.name}, line {self.line}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One `KEY=value` binding as written (raw text and line number)."""

    key: str
    line: int
    text: str  # the binding's source, leading blank lines included
    comment: str  # the comment binding directly above it, or ""
    quote: str  # ', " or "" (unquoted)

    @property
    def marked_secret(self) -> bool:
        return SECRET_MARK in self.comment


@dataclass(frozen=True)
class EnvFile:
    """An env file as python-dotenv reads it."""

    path: Path
    text: str
    values: Mapping[str, str | None]
    entries: tuple[Entry, ...]
    errors: tuple[Problem, ...] = ()

    @property
    def keys(self) -> list[str]:
        return list(self.values)

    @property
    def secret_keys(self) -> frozenset[str]:
        """Keys marked `@secret` in a comment line directly above them."""
        return frozenset(e.key for e in self.entries if e.marked_secret)

    def entry(self, key: str) -> Entry | None:
        return next((e for e in reversed(self.entries) if e.key == key), None)

    def require_valid(self) -> None:
        """Raise the first parse error as a DockhandError naming file and line."""
        if self.errors:
            first = self.errors[0]
            raise DockhandError(
                f"{first.path}, line {first.line}: {first.message}"
                f"{and_more(self.errors)}",
                hint=fix_for(first),
            )


def and_more(problems: Sized) -> str:
    """' (and N more)' after the first of several problems, else ''."""
    return f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""


def fix_for(problem: Problem) -> str:
    if problem.key:
        return f"write it as {problem.key}=value (python-dotenv does not accept ':')"
    return "write the line as KEY=value, quoting values with spaces, or remove it"


class _Warnings(logging.Handler):
    """Collects python-dotenv's 'could not parse' warnings instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.args and isinstance(record.args, tuple):
            self.lines.append(int(record.args[0]))  # type: ignore[call-overload]


@contextmanager
def _dotenv_warnings() -> Iterator[_Warnings]:
    logger = logging.getLogger("dotenv.main")
    handler = _Warnings()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def parse_bindings(text: str) -> list[Binding]:
    return list(parse_stream(io.StringIO(text)))


def comment_above(previous: Binding | None, binding: Binding) -> str:
    """The comment line directly above `binding` (no blank line between:
    python-dotenv puts blank lines at the front of the next binding)."""
    if (
        previous is None
        or previous.key is not None
        or previous.error
        or binding.original.string.startswith(("\n", "\r"))
    ):
        return ""
    return previous.original.string


def _entries(bindings: Sequence[Binding]) -> tuple[Entry, ...]:
    entries = []
    previous: Binding | None = None
    for binding in bindings:
        if binding.key is not None and not binding.error:
            text = binding.original.string
            match = _VALUE.match(text)
            quote = match.group(1) if match and match.group(1) in ("'", '"') else ""
            line = binding.original.line + _leading_newlines(text)
            entries.append(
                Entry(binding.key, line, text, comment_above(previous, binding), quote)
            )
        previous = binding
    return tuple(entries)


def _leading_newlines(text: str) -> int:
    return text[: len(text) - len(text.lstrip())].count("\n")


def _problem(path: Path, number: int, source: str) -> Problem:
    colon = _KEY_COLON.match(source)
    if colon:
        return Problem(
            path,
            number,
            f"'{colon.group(1)}: value' is not KEY=value "
            "(Compose accepts it, python-dotenv skips the line)",
            colon.group(1),
        )
    return Problem(
        path, number, "python-dotenv could not parse this line (an unclosed quote?)"
    )


def read(path: Path) -> EnvFile:
    """The env file at `path`: its `values`, each of
    python-dotenv's parse warnings turned into an error with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DockhandError(
            f"{path} does not exist", hint="run `inv setup` to create it"
        ) from None
    except UnicodeDecodeError:
        raise not_utf8(path) from None
    except OSError as exc:
        raise DockhandError(
            f"cannot read {path}: {exc}", hint="check the file and its permissions"
        ) from None
    with _dotenv_warnings() as warnings:
        found = values(path)
    lines = text.splitlines()
    errors = tuple(
        _problem(path, n, lines[n - 1] if 0 < n <= len(lines) else "")
        for n in warnings.lines
    )
    return EnvFile(path, text, found, _entries(parse_bindings(text)), errors)


def values(path: Path, shell: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """The file's values, every reader's, as Compose interpolates them:
    `${VAR}` takes the shell's value first, then the file's lines above it
    (python-dotenv's `dotenv_values` takes the file's first). python-dotenv
    reads UTF-8 only, and a file that is not is named with its line."""
    try:
        raw = dotenv_values(path, interpolate=False)
    except UnicodeDecodeError:
        raise not_utf8(path) from None
    environ = os.environ if shell is None else shell
    found: dict[str, str | None] = {}
    for key, value in raw.items():
        if value is not None:
            lookup = {**found, **environ}
            value = "".join(atom.resolve(lookup) for atom in parse_variables(value))
        found[key] = value
    return found


def merged(
    paths: Sequence[Path], shell: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """The values of the env files Compose is given in this order (with
    several `--env-file`, the last one wins)."""
    found: dict[str, str | None] = {}
    for path in paths:
        found.update(values(path, shell))
    return found


def not_utf8(path: Path) -> DockhandError:
    """The first byte of `path` that is not UTF-8, with its line."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        where = f"line {line}: byte 0x{data[exc.start]:02X}"
    else:  # changed since it was read
        where = "a byte"
    return DockhandError(
        f"{path}, {where} is not UTF-8",
        hint="save it as UTF-8 (an editor's 'save with encoding'; "
        "`iconv -f latin1 -t utf-8` for a Latin-1 file)",
    )
