"""`inv dash`'s full-screen view (textual): the rows of the project's
containers, the log lines of the one selected, and its keys. It knows
text only: what fills it, and what each key does, come from
dockhand.commands.dash through Hooks. Imported only when `inv dash` runs
(textual takes a while to load)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Log, Static

LOG_LINES = 500  # kept in the log pane; more scroll away
KEYS = "Up/Down select  l logs  s shell  r restart  q quit"
# Columns of a known width are fixed: a new value then redraws its own row,
# never the whole table (which a column growing would); the others (the
# service's name, its URL) are as wide as their widest cell.
WIDTHS = {"STATE": 12, "RESTARTS": 8, "UPTIME": 6, "CPU": 6, "MEMORY": 9}


class Hooks(Protocol):
    """What the view asks of the command: each is called on the UI's thread."""

    def started(self, view: Dashboard) -> None: ...
    def selected(self, key: str) -> None: ...
    def tick(self) -> None: ...
    def follow(self, key: str) -> None: ...  # the terminal is the command's
    def shell(self, key: str) -> None: ...  # the terminal is the command's
    def restart(self, key: str) -> None: ...


class Dashboard(App[None]):
    """Rows drawn again only where their text changed: a quiet stack
    costs a terminal (an SSH link) next to nothing."""

    TITLE = "dockhand dash"
    ENABLE_COMMAND_PALETTE = False
    # No footer, and no scrollbar or border on the log pane: each was drawn
    # again on every change (4 KB a redraw for the footer, the border's
    # 1.5 KB and a column with each log line), most of what an idle
    # dashboard sent to the terminal; the titles are lines of their own.
    CSS = """
    #title { height: 1; padding: 0 1; background: $boost; }
    #rows { height: auto; max-height: 60%; }
    #logtitle { height: 1; padding: 0 1; background: $boost; }
    #log { height: 1fr; scrollbar-size: 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "follow", "follow logs"),
        Binding("s", "shell", "shell"),
        Binding("r", "restart", "restart"),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]

    def __init__(self, title: str, columns: Sequence[str], hooks: Hooks) -> None:
        super().__init__()
        self.heading = title
        self.columns = tuple(columns)
        self.hooks = hooks
        self.shown: dict[str, tuple[str, ...]] = {}
        self.log_of = ""  # the container whose lines the log pane holds

    def compose(self) -> ComposeResult:
        yield Static(self._title(""), id="title")
        yield DataTable(id="rows", cursor_type="row", zebra_stripes=False)
        yield Static("", id="logtitle")
        yield Log(id="log", max_lines=LOG_LINES, auto_scroll=True)

    def _title(self, note: str) -> str:
        return f"{self.heading}  {note or KEYS}"

    def on_mount(self) -> None:
        table = self.query_one("#rows", DataTable)
        for column in self.columns:
            table.add_column(column, key=column, width=WIDTHS.get(column))
        self.hooks.started(self)
        # The samples, log lines and uptimes, once a second: the clock, not
        # a look at the engine.
        self.set_interval(1.0, self.hooks.tick)

    def show(self, rows: Sequence[tuple[str, Sequence[str]]], note: str = "") -> None:
        """The rows as they are now: added, removed or changed cell by cell."""
        table = self.query_one("#rows", DataTable)
        wanted = {key: tuple(cells) for key, cells in rows}
        title = self._title(note)
        heading = self.query_one("#title", Static)
        if str(heading.content) != title:
            heading.update(title)
        if list(wanted) != list(self.shown):  # a container came or went
            selected = self.selected_service()
            table.clear()
            for key, cells in wanted.items():
                table.add_row(*cells, key=key)
            self.shown = wanted
            self._select(selected, wanted)
            return
        for key, cells in wanted.items():
            before = self.shown[key]
            for i, (old, new) in enumerate(zip(before, cells, strict=True)):
                if old != new:
                    column = self.columns[i]
                    grows = column not in WIDTHS
                    table.update_cell(key, column, new, update_width=grows)
            self.shown[key] = cells

    def _select(self, service: str | None, rows: dict[str, tuple[str, ...]]) -> None:
        """Keep the cursor on the service it was on (its container may be
        a new one), else on the first row."""
        table = self.query_one("#rows", DataTable)
        keys = list(rows)
        if not keys:
            return
        index = next((i for i, key in enumerate(keys) if rows[key][0] == service), 0)
        table.move_cursor(row=index)
        self.hooks.selected(keys[index])

    def selected_key(self) -> str | None:
        table = self.query_one("#rows", DataTable)
        if not self.shown or table.cursor_row < 0:
            return None
        keys = list(self.shown)
        return keys[min(table.cursor_row, len(keys) - 1)]

    def selected_service(self) -> str | None:
        key = self.selected_key()
        return self.shown[key][0] if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.hooks.selected(str(event.row_key.value))

    def start_log(self, key: str, title: str) -> None:
        log = self.query_one("#log", Log)
        log.clear()
        self.query_one("#logtitle", Static).update(title)
        self.log_of = key

    def add_log(self, key: str, lines: Sequence[str]) -> None:
        if key == self.log_of:
            self.query_one("#log", Log).write_lines(lines)

    def action_follow(self) -> None:
        key = self.selected_key()
        if key:
            with self.suspend():
                self.hooks.follow(key)

    def action_shell(self) -> None:
        key = self.selected_key()
        if key:
            with self.suspend():
                self.hooks.shell(key)

    def action_restart(self) -> None:
        key = self.selected_key()
        if key:
            self.hooks.restart(key)
