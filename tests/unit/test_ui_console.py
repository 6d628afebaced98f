"""Plain output off a terminal: the same text rich prints, without rich."""

from __future__ import annotations

import io
import sys
from datetime import datetime, timedelta, timezone

import pytest
from rich.console import Console

from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.steps import status
from dockhand.ui import console

NOW = datetime.now(timezone.utc)


def state(
    service: str, summary_state: str, ports: tuple[str, ...], minutes: int
) -> ServiceState:
    health = "healthy" if summary_state == "healthy" else ""
    running = "running" if summary_state in ("healthy", "running") else "exited"
    return ServiceState(
        service,
        f"p-{service}-1",
        running,
        health,
        3 if running == "exited" else 0,
        ports,
        NOW - timedelta(minutes=minutes) if running == "running" else None,
    )


CASES = [
    [state("backend", "healthy", ("8078/tcp->45327",), 31)],
    [
        state("backend", "healthy", ("8078/tcp->45327",), 31),
        state("backend-ts", "running", (), 2),
        state("db", "exited", ("5432/tcp->127.0.0.1:44379",), 0),
        state("redis", "healthy", ("6379/tcp->127.0.0.1:3458", "6380/tcp->1"), 3000),
    ],
    [state("a-service-with-a-name-[in]-brackets", "healthy", (), 1)],
]


def rich_text(table: object, width: int | None = None) -> str:
    buffer = io.StringIO()
    Console(file=buffer, highlight=False, width=width).print(table)
    return buffer.getvalue()


@pytest.mark.parametrize("states", CASES)
def test_the_plain_table_is_rich_s_off_a_terminal(states: list[ServiceState]) -> None:
    plain = status.table_text(states)
    assert plain is not None
    assert plain == rich_text(status.table(states, with_details=True), width=80)


def test_a_table_rich_would_fold_is_left_to_rich(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wide = [
        state(
            "backend", "healthy", tuple(f"{p}/tcp->{p}" for p in range(8000, 8008)), 1
        )
    ]
    assert status.table_text(wide) is None
    monkeypatch.setenv("COLUMNS", "200")  # rich reads the same variable
    assert status.table_text(wide) == rich_text(
        status.table(wide, with_details=True), width=200
    )
    assert console.table_text(["A"], [["ünïcode"]]) is None


def test_status_lines_off_a_terminal_are_the_text_as_is(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    console.status("[bold]kept[/] as written")
    console.step("backend: alembic upgrade head")
    console.ok("done")
    console.warn("careful")
    console.command("docker compose ps")
    console.error(DockhandError("it broke [here]", hint="do this"))
    assert capsys.readouterr().err.splitlines() == [
        "[bold]kept[/] as written",
        "> backend: alembic upgrade head",
        "ok done",
        "warning: careful",
        "$ docker compose ps",
        "error: it broke [here]",
        "  do this",
    ]


def test_a_pipe_needs_no_rich() -> None:
    import subprocess

    code = (
        "import sys; from dockhand.ui import console; from dockhand.steps import status;"
        "console.ok('x'); console.step('y'); status.table_text([]);"
        "sys.exit('rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "ok x\n> y\n"


def test_a_table_of_plain_cells_is_rich_s_text_off_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.table import Table

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    columns = ("VARIABLE", "VALUE", "SOURCE")
    rows = [["POSTGRES_USER", "[app]", ".env"], ["BACKEND_PORT", "8078", "default"]]
    console.table(columns, rows)
    grid = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(cell.replace("[", "\\[") for cell in row))
    assert capsys.readouterr().out == rich_text(grid, width=80)


def test_a_table_rich_must_lay_out_keeps_its_cells_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    console.out.cache_clear()
    try:
        console.table(("NAME", "PATH"), [["[bold]x[/]", "/a/very/long/path/" * 3]])
    finally:
        console.out.cache_clear()
    shown = capsys.readouterr().out
    assert "[bold]x[/]" in shown and "/a/very" in shown
