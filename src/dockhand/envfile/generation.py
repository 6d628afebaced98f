"""Creating `.env` from the example and completing it: every `@secret`
value generated (its placeholder is never kept), existing values never
touched, the file private (mode 0600) from its first byte."""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dotenv.parser import Binding

from dockhand.config.checkout import OWN_KEYS  # the keys inv setup writes itself
from dockhand.envfile.reading import (
    SECRET_MARK,
    Entry,
    EnvFile,
    comment_above,
    parse_bindings,
    read,
)

PLACEHOLDER = "change-me"
SECRET_BYTES = 32  # secrets.token_urlsafe(32): 43 characters


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


def _ending_in_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def render_new(example: EnvFile, generate: Callable[[], str] = generate_secret) -> str:
    """The example's text, byte for byte, except each `@secret` value generated."""
    out = []
    previous: Binding | None = None
    for binding in parse_bindings(example.text):
        text = binding.original.string
        if (
            binding.key is not None
            and not binding.error
            and SECRET_MARK in comment_above(previous, binding)
        ):
            entry = Entry(binding.key, binding.original.line, text, "", "")
            text = _secret_line(entry, generate())
        out.append(text)
        previous = binding
    rendered = "".join(out)
    return _ending_in_newline(rendered)


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
            lines.append(_ending_in_newline(comment))
        if key in secret:
            lines.append(_secret_line(entry, generate()).lstrip("\r\n"))
        else:
            lines.append(_ending_in_newline(entry.text.lstrip("\r\n")))
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
    outcome.unknown = [
        k for k in current.keys if k not in example.values and k not in OWN_KEYS
    ]
    if outcome.added:
        text = _ending_in_newline(current.text)
        if not dry:
            write_private(
                env_path, text + render_missing(example, outcome.added, generate)
            )
    elif readable_by_others(env_path):
        outcome.tightened = True
        if not dry:
            env_path.chmod(0o600)
    return outcome
