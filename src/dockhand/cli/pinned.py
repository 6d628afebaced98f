"""Which dockhand is this? When the project pins another dockhand-compose
than the one running (dockhand.config.pinned reads the pin), every command
says so on stderr in one line, once, with the way to run the project's own.

Called by namespace() (every `inv` and `dockhand` command that loads the
tasks) and by the `dockhand` command before it parses its arguments (so
`dockhand --version` says it too); a process says it once. Never while the
shell asks for completions: a TAB would print it into the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dockhand._version import __version__
from dockhand.config import pinned
from dockhand.ui import console

# Invoke's flags whose output a shell reads, where a warning would only hurt.
QUIET_FLAGS = ("--complete", "--print-completion-script")
# Whether this process has looked already (namespace() may run twice).
_looked = False


def warn_once(root: Path, argv: list[str] | None = None) -> None:
    """Say it when the project at `root` pins another dockhand, once a process."""
    global _looked
    argv = sys.argv if argv is None else argv
    if _looked or any(flag in argv for flag in QUIET_FLAGS):
        return
    _looked = True
    pin = pinned.find(root)
    if pin is None or pinned.same_version(pin.version, __version__):
        return
    program = console.program
    venv = (root / ".venv" / "bin" / program).is_file()
    hint = pinned.hint(pin, program, argv[1:], venv)
    where = Path(__file__).resolve().parents[1]  # the dockhand package running
    console.warn(pinned.warning(pin, __version__, where, hint))
