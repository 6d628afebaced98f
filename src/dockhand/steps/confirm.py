"""The one module that asks the user anything. Before data is destroyed
(`inv down --volumes`, `inv clean --volumes`, `db.restore`, `db.reset`,
`snapshot.restore`, `gc`), what goes is listed, then a word must be typed
(the project name; `gc` for gc); a failed migration asks y/N whether to put
the snapshot back. Questions go to stderr and are asked only when stdin is
a terminal (`can_ask`); declining changes nothing and is not an error."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dockhand.docker import disk_usage, states
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console, sizes


def volume_names(s: Session) -> list[str]:
    """The volumes Compose created for this project, asked of the engine."""
    label = f"{states.PROJECT}={s.settings.project}"
    return sorted(v.name for v in s.connect().volumes.list(filters={"label": label}))


def project_volumes(s: Session) -> list[tuple[str, str]]:
    """(name, size) of each volume Compose created for this project."""
    names = volume_names(s)
    usage = disk_usage.volume_sizes(s.connect())
    return [
        (name, sizes.size(usage[name]) if usage.get(name, -1) >= 0 else "size unknown")
        for name in names
    ]


def confirm(
    s: Session,
    *,
    yes: bool,
    action: str,
    warning: str,
    items: Sequence[str],
    what: str,
) -> bool:
    """The one place dockhand asks before it destroys data: say what goes,
    then ask for the project name to be typed. Without a terminal to ask on,
    refuse unless --yes. Returns whether to go ahead."""
    console.warn(warning)  # the console escapes it: names are never markup
    for item in items:
        console.status(f"  {item}")
    if yes or s.runner.dry:
        return True
    refuse_without_terminal(what, action)
    project = s.settings.project
    if not typed(f"Type the project name ({project}) to {what}: ", project):
        console.status(f"not confirmed ({project!r} was not typed): nothing changed")
        return False
    return True


def can_ask() -> bool:
    """Whether there is a terminal to ask on: the answer comes from stdin."""
    return sys.stdin.isatty()


def refuse_without_terminal(what: str, action: str) -> None:
    """Destructive work without a terminal to ask on needs --yes."""
    if not can_ask():
        raise DockhandError(
            f"refusing to {what} without a terminal to ask on",
            hint=f"run `{action} --yes` to confirm",
        )


def typed(prompt: str, expected: str) -> bool:
    """Whether `expected` was typed at the prompt (end of input: no)."""
    try:
        answer = console.err().input(prompt, markup=False)
    except EOFError:
        return False
    return answer.strip() == expected


def yes_or_no(question: str) -> bool:
    """y/N on the terminal; no without one."""
    if not can_ask():
        return False
    try:
        answer = console.err().input(f"{question} [y/N] ", markup=False)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def confirm_volume_removal(s: Session, *, yes: bool, action: str) -> bool:
    """Show the volumes that would be deleted and ask. Without a terminal,
    refuse unless --yes. Returns whether to go ahead."""
    volumes = project_volumes(s)
    if not volumes:
        console.status("no data volumes to delete")
        return True
    return confirm(
        s,
        yes=yes,
        action=action,
        warning=f"{action} deletes these volumes and every byte in them:",
        items=[f"{name}  ({size})" for name, size in volumes],
        what="delete volumes",
    )
