"""Output: data to stdout, status to stderr; rich is imported only when used."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from dockhand.errors import DockhandError


@cache
def err() -> Console:
    """Status, progress and errors. rich drops colour under NO_COLOR and
    animation when stderr is not a terminal."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False)


@cache
def out() -> Console:
    """Data (tables a user reads); machine output goes through `print_data`."""
    from rich.console import Console

    return Console(highlight=False, emoji=False)


def colour_wanted(stream: TextIO) -> bool:
    """Colour only for a terminal, and never under NO_COLOR (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def plain(stream: TextIO) -> bool:
    """No rich for a pipe or a log: it would only drop its own styles there,
    after an import (about 35 ms) that costs more than most daily commands.
    FORCE_COLOR asks rich for colour even so."""
    return not stream.isatty() and not os.environ.get("FORCE_COLOR")


# The command the user typed: Invoke's `inv`, or `dockhand` (set by
# dockhand.cli.program). Messages are written naming `inv up` and the like;
# under `dockhand` they say `dockhand up`.
program = "inv"


def spoken(message: str) -> str:
    """`message` naming the command the user typed."""
    return message if program == "inv" else message.replace("`inv ", f"`{program} ")


def _line(styled: str, text: str, message: str) -> None:
    """One status line, `message` put into a template: `text` as is off a
    terminal, `styled` (rich markup, the message escaped) on one."""
    message = spoken(message)
    if plain(sys.stderr):
        sys.stderr.write(text.format(message) + "\n")
        sys.stderr.flush()
    else:
        from rich.markup import escape

        err().print(styled.format(escape(message)), soft_wrap=True)


def table_text(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str | None:
    """Pure: the table rich prints for `Table(box=None, pad_edge=False)` off a
    terminal (columns two spaces apart, each padded to its width), or None
    where rich would fold it (wider than its width) or measure it otherwise."""
    cells = [list(columns), *(list(row) for row in rows)]
    if not all(cell.isascii() and cell.isprintable() for row in cells for cell in row):
        return None
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    columns_env = os.environ.get("COLUMNS", "")
    width = int(columns_env) if columns_env.isdigit() else 80
    if sum(widths) + 2 * (len(widths) - 1) > width:
        return None
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + "\n"
        for row in cells
    )


def print_data(text: str) -> None:
    """Plain text to stdout, never styled, so pipes and `--json` stay clean."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """A table of plain cells to stdout: as text off a terminal where it fits
    (no rich import), else laid out by rich, with `options` for a column's
    wrapping there (rich's add_column keywords)."""
    text = table_text(columns, rows) if plain(sys.stdout) else None
    if text is not None:
        print_data(text)
        return
    from rich.markup import escape
    from rich.table import Table

    grid = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        grid.add_column(column, **(options or {}).get(column, {}))
    for row in rows:
        grid.add_row(*(escape(cell) for cell in row))
    out().print(grid)


# Messages are text, never markup: they quote user input and Compose's
# output verbatim. soft_wrap: rich would wrap a CI log at 80 columns.
def status(message: str) -> None:
    _line("{}", "{}", message)


def step(message: str) -> None:
    _line("[bold cyan]>[/] {}", "> {}", message)


def ok(message: str) -> None:
    _line("[green]ok[/] {}", "ok {}", message)


def warn(message: str) -> None:
    _line("[yellow]warning:[/] {}", "warning: {}", message)


def command(text: str) -> None:
    """Echo a command about to run (or that --dry would run)."""
    _line("[dim]$ {}[/]", "$ {}", text)


def error(exc: DockhandError) -> None:
    _line("[bold red]error:[/] {}", "error: {}", exc.message)
    if exc.hint:
        _line("[dim]  {}[/]", "  {}", exc.hint)
