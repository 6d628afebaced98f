"""How Compose reads an env file where python-dotenv reads it differently,
and the value Compose interpolates for each variable (the shell wins over
the env file, the example fills in what `inv setup` would add)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockhand.envfile.masking import secret_like
from dockhand.envfile.reading import Entry, EnvFile, Problem

_SINGLE_BRACED = re.compile(r"\$\{")
_BARE_VAR = re.compile(r"(?<!\$)\$[A-Za-z_]")
_OTHER_DEFAULT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:-|\?|:\?|\+|:\+)")
_DOUBLE_DOLLAR = re.compile(r"\$\$")


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
    seen: dict[str, int] = {}
    for e in env.entries:
        if e.key in seen:
            found.append(
                Problem(
                    env.path,
                    e.line,
                    f"{e.key} is set twice (lines {seen[e.key]} and {e.line}); "
                    "Compose and dockhand both take the last, delete one",
                    e.key,
                )
            )
        seen.setdefault(e.key, e.line)
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


# --- the effective variables --------------------------------------------------


@dataclass(frozen=True)
class Variable:
    key: str
    value: str | None
    source: str  # "shell", an env file's path (".env") or "example"
    secret: bool


def effective(
    envs: Sequence[EnvFile],
    example: EnvFile | None,
    environ: Mapping[str, str],
    root: Path,
) -> list[Variable]:
    """Each variable the example or the env files name, with the value Compose
    interpolates (the shell wins, then the first of `envs` that sets it:
    Compose's order, dockhand.docker.compose_env) and where it comes from
    (an env file by its path from `root`)."""
    keys = list(
        dict.fromkeys(
            [*(example.keys if example else []), *(k for e in envs for k in e.keys)]
        )
    )
    marked = frozenset().union(
        *(e.secret_keys for e in (*envs, *([example] if example else [])))
    )
    result = []
    for key in keys:
        value: str | None
        found = next((e for e in envs if key in e.values), None)
        if key in environ:
            value, source = environ[key], "shell"
        elif found is not None:
            value, source = found.values[key], os.path.relpath(found.path, root)
        else:
            value, source = (example.values.get(key) if example else None), "example"
        result.append(Variable(key, value, source, secret_like(key, marked)))
    return result
