"""A `docker` and a `docker-compose` first on PATH that log each argv, then
exec the real ones: what a dockhand command starts, for
tests/integration/test_process_starts.py and bench/processes.py. Nothing
here imports dockhand."""

from __future__ import annotations

import shutil
from pathlib import Path

VARIABLE = "EXEC_LOG"  # the file each shim appends its argv to
_SEP = "\x1f"  # between words, so a word with spaces stays one word

# One write per line: `inv up` runs two docker processes at once.
SHIM = """#!/bin/sh
sep=$(printf '\\037')
line="${0##*/}$sep"
for word in "$@"; do line="$line$word$sep"; done
printf '%s\\n' "$line" >> "${variable}"
exec {real} "$@"
"""


def shim(path: Path, real: str) -> Path:
    """`path` made a shim that logs its argv, then execs `real`."""
    path.write_text(SHIM.replace("{variable}", VARIABLE).replace("{real}", real))
    path.chmod(0o755)
    return path


def shims(folder: Path) -> Path:
    """A folder of `docker` and `docker-compose` that log, then exec the real one."""
    folder.mkdir()
    for name in ("docker", "docker-compose"):
        real = shutil.which(name)
        if real is not None:
            shim(folder / name, real)
    return folder


def read(log: Path) -> list[list[str]]:
    """Each logged argv (the shim's name first), in the order the processes
    started."""
    if not log.exists():
        return []
    return [line.split(_SEP)[:-1] for line in log.read_text().splitlines()]


def others(log: list[list[str]], word: str) -> list[list[str]]:
    """The execs other than the user's command: the first Compose argv
    whose subcommand is `word`. Some run before it, some beside it (`inv up`
    asks for the model while `up` runs), so none is told apart by order."""
    for index, argv in enumerate(log):
        if word in argv and "compose" in argv[:2]:
            return log[:index] + log[index + 1 :]
    return log
