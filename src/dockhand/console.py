"""Output: data to stdout, status to stderr; rich is imported only when used."""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from dockhand.errors import DockhandError


@cache
def err() -> Console:
    """Status, progress and errors. rich drops colour under NO_COLOR and
    animation when stderr is not a terminal."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@cache
def out() -> Console:
    """Data (tables a user reads); machine output goes through `print_data`."""
    from rich.console import Console

    return Console(highlight=False)


def colour_wanted(stream: TextIO) -> bool:
    """Colour only for a terminal, and never under NO_COLOR (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def print_data(text: str) -> None:
    """Plain text to stdout, never styled, so pipes and `--json` stay clean."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


# soft_wrap: a CI log is not a terminal, and rich would wrap it at 80 columns.
def status(message: str) -> None:
    err().print(message, soft_wrap=True)


def step(message: str) -> None:
    err().print(f"[bold cyan]>[/] {message}", soft_wrap=True)


def ok(message: str) -> None:
    err().print(f"[green]ok[/] {message}", soft_wrap=True)


def warn(message: str) -> None:
    err().print(f"[yellow]warning:[/] {message}", soft_wrap=True)


def command(text: str) -> None:
    """Echo a command about to run (or that --dry would run)."""
    from rich.text import Text

    err().print(Text(f"$ {text}", style="dim"), soft_wrap=True)


def error(exc: DockhandError) -> None:
    # Text, not markup: messages quote user input and compose output verbatim.
    from rich.text import Text

    err().print(Text.assemble(("error: ", "bold red"), exc.message), soft_wrap=True)
    if exc.hint:
        err().print(Text(f"  {exc.hint}", style="dim"), soft_wrap=True)
