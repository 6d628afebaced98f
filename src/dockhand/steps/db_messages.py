"""Progress lines of the db commands: paths and database names in them are
text, never rich markup."""

from __future__ import annotations

from pathlib import Path

from dockhand.postgres import dumps
from dockhand.session import Session
from dockhand.ui import console


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it."""
    return dumps.shown_path(path, Path.cwd())


def step(message: str) -> None:
    """A progress line."""
    from rich.markup import escape

    console.step(escape(message))


def ok(message: str) -> None:
    from rich.markup import escape

    console.ok(escape(message))


def tell(message: str) -> None:
    """A status line that may hold a command to copy."""
    from rich.markup import escape

    console.status(escape(message))


def tell_undo(s: Session, safety: Path) -> None:
    """Where the safety backup is, and the command that restores it."""
    undo = dumps.restore_command(safety, Path.cwd(), prod=s.settings.prod)
    tell(f"the data before is in {shown(safety)}; undo with: {undo}")
