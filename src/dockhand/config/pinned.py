"""Which dockhand a project pins, read from its lock or requirements, and the
one line that says so when another one runs.

Read in the project's folder alone (the folder of its tasks.py, or where
`dockhand` found its compose file), first pin found wins, in this order:

- `uv.lock`, `pylock.toml`, `poetry.lock`: the locked version of the
  package `dockhand-compose` (a `name = ...` line followed by `version = ...`;
  the project itself, editable and unversioned, is no pin);
- `requirements.txt`, then every other `requirements*.txt` by name: a line
  `dockhand-compose==X` (extras, a marker after `;`, a comment, `--hash`
  options allowed);
- `pyproject.toml`: a quoted requirement `"dockhand-compose==X"` anywhere
  (dependencies, optional dependencies, dependency groups).

Only an exact pin (`==`, `===`) counts: a range (`>=0.2,<0.3`), a wildcard
(`==0.2.*`), a path or URL says nothing about which version the project
runs. Names compare as the package index does (`dockhand_compose`,
`Dockhand.Compose`).

It runs at every command's start: one listing of the folder, and a file is
read only when its name is one of the above; nothing parses TOML.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from dockhand._version import DISTRIBUTION

LOCKS = ("uv.lock", "pylock.toml", "poetry.lock")
REQUIREMENTS = ("requirements", ".txt")  # requirements*.txt
PYPROJECT = "pyproject.toml"

# `name = "dockhand-compose"` with `version = "X"` on the next line: the
# package tables of uv.lock, pylock.toml (PEP 751) and poetry.lock alike.
# Matched only where `name = "dockhand` starts a line: a regex searching a
# lock of 350 kB takes a millisecond, str.find a few microseconds.
_LOCKED_AT = 'name = "dockhand'
# The patterns stay text until used (re caches what it compiles): compiling
# them all at import cost 2 ms of every command's start.
_LOCKED = r'name = "dockhand[-_.]+compose"\r?\nversion = "([^"]+)"'
# A requirement (PEP 508) pinned exactly: name, extras, == or ===, version.
_REQUIREMENT = (
    r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.+!_-]+)"
)
_QUOTED = r""""([^"\n]*)"|'([^'\n]*)'"""


class Pin(NamedTuple):  # a NamedTuple: a dataclass costs 0.6 ms at start
    version: str
    file: str  # the file's name in the project's folder


def normalized(name: str) -> str:
    """A distribution's name as the package index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pin(spec: str) -> str | None:
    """The version `spec` pins dockhand-compose to exactly, else None."""
    spec = spec.split(";", 1)[0].strip()
    match = re.fullmatch(_REQUIREMENT, spec)
    if not match or normalized(match.group(1)) != DISTRIBUTION:
        return None
    return match.group(2)


def requirements_pin(text: str) -> str | None:
    """The version a requirements file pins dockhand-compose to, else None."""
    for line in text.splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # a comment
        line = re.split(r"\s--?[a-z]", line, maxsplit=1)[0]  # --hash=..., options
        version = requirement_pin(line.rstrip("\\ \t"))
        if version:
            return version
    return None


def pyproject_pin(text: str) -> str | None:
    """The version a quoted requirement in pyproject.toml pins, else None."""
    for match in re.finditer(_QUOTED, text):
        version = requirement_pin(match.group(1) or match.group(2) or "")
        if version:
            return version
    return None


def lock_pin(text: str) -> str | None:
    """The version a lock file (lower-cased) locks dockhand-compose at, else
    None."""
    at = text.find(_LOCKED_AT)
    while at != -1:
        line_starts = at == 0 or text[at - 1] == "\n"
        match = re.compile(_LOCKED).match(text, at) if line_starts else None
        if match:
            return match.group(1)
        at = text.find(_LOCKED_AT, at + 1)
    return None


def candidates(names: Iterable[str]) -> list[str]:
    """The files of a folder's listing that may pin dockhand, in the order
    they are read."""
    present = set(names)
    requirements = sorted(
        n
        for n in present
        if n.startswith(REQUIREMENTS[0])
        and n.endswith(REQUIREMENTS[1])
        and n != "requirements.txt"
    )
    if "requirements.txt" in present:
        requirements.insert(0, "requirements.txt")
    return [
        *(n for n in LOCKS if n in present),
        *requirements,
        *([PYPROJECT] if PYPROJECT in present else []),
    ]


def read_pin(name: str, text: str) -> str | None:
    """The version the file `name` holding `text` pins, else None."""
    text = text.lower()  # names and versions compare without case
    if "dockhand" not in text:
        return None
    if name in LOCKS:
        return lock_pin(text)
    if name == PYPROJECT:
        return pyproject_pin(text)
    return requirements_pin(text)


def find(folder: Path) -> Pin | None:
    """The pin of the project in `folder`, from the first of its files that
    holds one; None when none does or the folder cannot be read."""
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    for name in candidates(names):
        try:
            text = (folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        version = read_pin(name, text)
        if version:
            return Pin(version, name)
    return None


def same_version(a: str, b: str) -> bool:
    """Whether two versions are one: `0.2` is `0.2.0`, `v0.2.0` too."""
    a, b = (v.strip().lower().removeprefix("v") for v in (a, b))
    if re.fullmatch(r"\d+(\.\d+)*", a) and re.fullmatch(r"\d+(\.\d+)*", b):
        release = [[int(part) for part in v.split(".")] for v in (a, b)]
        for parts in release:
            while len(parts) > 1 and parts[-1] == 0:
                parts.pop()
        return release[0] == release[1]
    return a == b


def hint(pin: Pin, program: str, args: Sequence[str], venv_has_it: bool) -> str:
    """How to run the dockhand the project pins, the command typed again."""
    typed = shlex.join([program, *args])
    if pin.file == "uv.lock":
        return f"`uv run {typed}` runs the project's own"
    if pin.file == "poetry.lock":
        return f"`poetry run {typed}` runs the project's own"
    if venv_has_it:
        return f"`.venv/bin/{typed}` runs the project's own"
    if program == "dockhand":
        return f"`uv tool install {DISTRIBUTION}=={pin.version}` puts that one on PATH"
    return f"install {DISTRIBUTION}=={pin.version} where this `{program}` runs"


def warning(pin: Pin, running: str, where: Path, hint: str) -> str:
    """The one line every command prints when `pin` is not what runs."""
    return (
        f"this project pins {DISTRIBUTION} {pin.version} ({pin.file}); "
        f"running {running} from {where}: {hint}"
    )
