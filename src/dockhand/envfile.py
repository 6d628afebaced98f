"""Env files: read (python-dotenv), validate, generate, mask.

Values are read with `dotenv_values(path)` only: nothing here touches
`os.environ`, so Compose keeps its own precedence (shell, then `.env`).
python-dotenv's own parser splits the file into bindings with line numbers;
dockhand only looks at each binding to tell where Compose would read it
differently. Secrets in an example file are the keys whose comment line
directly above contains `@secret`; their placeholder is never kept.
"""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream

from dockhand.errors import DockhandError

SECRET_MARK = "@secret"  # noqa: S105 - the marker, not a secret
PLACEHOLDER = "change-me"
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")
MASK = "********"
SECRET_BYTES = 32  # secrets.token_urlsafe(32): 43 characters

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
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            raise DockhandError(
                f"{first.path}, line {first.line}: {first.message}{more}",
                hint=fix_for(first),
            )


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


def _bindings(text: str) -> list[Binding]:
    return list(parse_stream(io.StringIO(text)))


def _comment_above(previous: Binding | None, binding: Binding) -> str:
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
                Entry(binding.key, line, text, _comment_above(previous, binding), quote)
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
    """The env file at `path`: values from `dotenv_values(path)`, each of
    python-dotenv's parse warnings turned into an error with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DockhandError(
            f"{path} does not exist", hint="run `inv setup` to create it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DockhandError(
            f"cannot read {path}: {exc}", hint="check the file and its permissions"
        ) from None
    with _dotenv_warnings() as warnings:
        values = dotenv_values(path)
    lines = text.splitlines()
    errors = tuple(
        _problem(path, n, lines[n - 1] if 0 < n <= len(lines) else "")
        for n in warnings.lines
    )
    return EnvFile(path, text, values, _entries(_bindings(text)), errors)


# --- ways Compose and python-dotenv disagree ---------------------------------

_SINGLE_BRACED = re.compile(r"\$\{")
_BARE_VAR = re.compile(r"(?<!\$)\$[A-Za-z_]")
_OTHER_DEFAULT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:-|\?|:\?|\+|:\+)")
_DOUBLE_DOLLAR = re.compile(r"\$\$")
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@")


def differences(env: EnvFile) -> list[Problem]:
    """Lines that python-dotenv and Compose read differently (see
    research/tech_pitfalls.md section 3). dockhand warns instead of guessing."""
    found = []
    for e in env.entries:
        raw = e.text.split("=", 1)[1] if "=" in e.text else ""

        def say(message: str, entry: Entry = e) -> None:
            found.append(Problem(env.path, entry.line, message, entry.key))

        if e.quote == "'":
            if _SINGLE_BRACED.search(raw):
                say(
                    f"{e.key}: python-dotenv expands ${{...}} inside single quotes, "
                    "Compose keeps it literally; use double quotes to expand"
                )
            continue
        if _BARE_VAR.search(raw):
            say(
                f"{e.key}: Compose expands $NAME without braces, python-dotenv "
                "keeps it literally; write ${NAME}"
            )
        if _OTHER_DEFAULT.search(raw):
            say(
                f"{e.key}: python-dotenv only knows ${{VAR}} and ${{VAR:-default}}; "
                "it reads other forms (-, ?, :?, +, :+) as empty, Compose does not"
            )
        if _DOUBLE_DOLLAR.search(raw):
            say(f"{e.key}: Compose reads $$ as one $, python-dotenv keeps both")
    for key, value in env.values.items():
        if value is None:
            entry = env.entry(key)
            found.append(
                Problem(
                    env.path,
                    entry.line if entry else 0,
                    f"{key} has no '=': python-dotenv reads it as unset",
                    key,
                )
            )
    return sorted(found, key=lambda p: p.line)


# --- secrets ----------------------------------------------------------------


def secret_like(key: str, marked: Iterable[str] = ()) -> bool:
    upper = key.upper()
    return key in set(marked) or any(word in upper for word in SECRET_WORDS)


def secret_values(env_path: Path, example_path: Path) -> list[str]:
    """Every secret-like value `env_path` holds (nothing when it is unreadable),
    so that output can be scrubbed of them."""
    try:
        env = read(env_path)
    except DockhandError:
        return []
    try:
        marked: frozenset[str] = read(example_path).secret_keys
    except DockhandError:
        marked = frozenset()
    marked |= env.secret_keys
    return [v for k, v in env.values.items() if v and secret_like(k, marked)]


def generate_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def is_placeholder(value: str | None) -> bool:
    return value is None or value.strip() in ("", PLACEHOLDER)


def placeholders(env: EnvFile, secret_keys: Iterable[str]) -> list[str]:
    """Secret keys of `env` still holding the example's placeholder (or nothing)."""
    marked = set(secret_keys)
    return [
        key
        for key, value in env.values.items()
        if (key in marked and is_placeholder(value)) or value == PLACEHOLDER
    ]


def mask(value: str | None) -> str:
    return MASK if value else ""


def redact(text: str, values: Iterable[str | None]) -> str:
    """`text` with every secret value in it replaced by the mask."""
    for value in sorted(
        {v for v in values if v and len(v) >= 4}, key=len, reverse=True
    ):
        text = text.replace(value, MASK)
    return _redact_url_passwords(text)


def _redact_url_passwords(text: str) -> str:
    """scheme://user:password@host -> scheme://user:********@host"""
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)


# --- creating and completing .env -------------------------------------------


@dataclass
class Outcome:
    """What `ensure` did (or, dry, would do) to the env file."""

    path: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    tightened: bool = False
    no_example: bool = False  # nothing to create or complete the file from

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added) or self.tightened


def _secret_line(entry: Entry, value: str) -> str:
    """The entry's line with `value`: leading blank lines and `export` kept."""
    stripped = entry.text.lstrip()
    lead = entry.text[: len(entry.text) - len(stripped)]
    export = "export " if stripped.startswith("export ") else ""
    return f"{lead}{export}{entry.key}={value}\n"


def render_new(example: EnvFile, generate: Callable[[], str] = generate_secret) -> str:
    """The example's text, byte for byte, except each `@secret` value generated."""
    out = []
    previous: Binding | None = None
    for binding in _bindings(example.text):
        text = binding.original.string
        if (
            binding.key is not None
            and not binding.error
            and SECRET_MARK in _comment_above(previous, binding)
        ):
            entry = Entry(binding.key, binding.original.line, text, "", "")
            text = _secret_line(entry, generate())
        out.append(text)
        previous = binding
    rendered = "".join(out)
    return rendered if rendered.endswith("\n") or not rendered else rendered + "\n"


def render_missing(
    example: EnvFile,
    keys: Sequence[str],
    generate: Callable[[], str] = generate_secret,
    note: str = "added by inv setup from .env.example",
) -> str:
    """A block to append for `keys`: each with its comment from the example."""
    secret = example.secret_keys
    lines = [f"\n# {note}\n"]
    for key in keys:
        entry = example.entry(key)
        if entry is None:
            continue
        comment = entry.comment.lstrip("\r\n")
        if comment:
            lines.append(comment if comment.endswith("\n") else comment + "\n")
        if key in secret:
            lines.append(_secret_line(entry, generate()).lstrip("\r\n"))
        else:
            text = entry.text.lstrip("\r\n")
            lines.append(text if text.endswith("\n") else text + "\n")
    return "".join(lines)


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text`, mode 0600 from the first byte (atomic)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def readable_by_others(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def ensure(
    env_path: Path,
    example_path: Path,
    *,
    dry: bool = False,
    generate: Callable[[], str] = generate_secret,
) -> Outcome:
    """Create `env_path` from the example, or add the keys it lacks; existing
    values are never touched and an unchanged file is never rewritten.
    Without an example, an existing env file is only validated."""
    outcome = Outcome(env_path)
    if not example_path.exists():
        outcome.no_example = True
        if env_path.exists():
            read(env_path).require_valid()
        return outcome
    example = read(example_path)
    example.require_valid()
    if not env_path.exists():
        outcome.created = True
        outcome.generated = sorted(example.secret_keys)
        if not dry:
            write_private(env_path, render_new(example, generate))
        return outcome
    current = read(env_path)
    current.require_valid()
    outcome.added = [k for k in example.keys if k not in current.values]
    outcome.generated = [k for k in outcome.added if k in example.secret_keys]
    outcome.unknown = [k for k in current.keys if k not in example.values]
    if outcome.added:
        text = current.text
        if text and not text.endswith("\n"):
            text += "\n"
        if not dry:
            write_private(
                env_path, text + render_missing(example, outcome.added, generate)
            )
    elif readable_by_others(env_path):
        outcome.tightened = True
        if not dry:
            env_path.chmod(0o600)
    return outcome


# --- the effective variables --------------------------------------------------


@dataclass(frozen=True)
class Variable:
    key: str
    value: str | None
    source: str  # "shell", ".env" (the env file's name) or "example"
    secret: bool


def effective(
    env: EnvFile | None, example: EnvFile | None, environ: Mapping[str, str]
) -> list[Variable]:
    """Each variable the example or the env file names, with the value Compose
    interpolates (the shell wins over the env file) and where it comes from."""
    keys = list(
        dict.fromkeys([*(example.keys if example else []), *(env.keys if env else [])])
    )
    marked = (example.secret_keys if example else frozenset()) | (
        env.secret_keys if env else frozenset()
    )
    result = []
    for key in keys:
        value: str | None
        if key in environ:
            value, source = environ[key], "shell"
        elif env is not None and key in env.values:
            value, source = env.values[key], env.path.name
        else:
            value, source = (example.values.get(key) if example else None), "example"
        result.append(Variable(key, value, source, secret_like(key, marked)))
    return result
