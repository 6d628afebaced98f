"""db.shell, db.backup, db.restore and db.reset on the reference stack's real
PostgreSQL: a restore returns exactly the rows backed up, and a bad dump, a
refusal or a kill half-way leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from db_helpers import (
    api_names,
    databases,
    post_item,
    restore_command,
    rows,
)
from harness import SET_UP, Stack, Stacks, Tmux, output, sql, wait_for


@pytest.fixture(scope="module")
def stack(base_image: None, module_stacks: Stacks) -> Stack:
    return module_stacks.reference(*SET_UP)


def backups_of(stack: Stack) -> set[Path]:
    return set((stack.root / "backups").glob(f"{stack.project}-*.dump"))


def no_scratch_left(stack: Stack) -> bool:
    return not [name for name in databases(stack) if "_dockhand_" in name]


def backup_to(stack: Stack, path: Path) -> None:
    result = stack.inv("db.backup", "--output", str(path))
    assert result.returncode == 0, output(result)


def test_shell_runs_one_statement_and_returns_its_exit_code(stack: Stack) -> None:
    answer = stack.inv("db.shell", "-c", "SELECT 6 * 7 AS answer")
    assert answer.returncode == 0, output(answer)
    assert "42" in answer.stdout

    failed = stack.inv("db.shell", "-c", "SELECT * FROM no_such_table")
    assert failed.returncode == 1, output(failed)
    assert 'relation "no_such_table" does not exist' in failed.stderr
    # psql's own 1, passed on: dockhand adds no line of its own (its errors
    # start with "error: " and exit 1 as well).
    assert not any(line.startswith("error: ") for line in failed.stderr.splitlines())

    no_tty = stack.inv("db.shell")
    assert no_tty.returncode == 1
    assert "needs a terminal" in no_tty.stderr and "Traceback" not in no_tty.stderr


def test_backup_change_restore_returns_exactly_the_backed_up_rows(
    stack: Stack,
) -> None:
    for name in ("alpha", "beta", "gamma"):
        post_item(stack, name)
    backed_up, served = rows(stack), api_names(stack)
    password = stack.values["POSTGRES_PASSWORD"]

    before = backups_of(stack)
    backup = stack.inv("db.backup")
    assert backup.returncode == 0, output(backup)
    [dump] = backups_of(stack) - before
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600

    post_item(stack, "after the backup")
    sql(stack, "DELETE FROM items WHERE name = 'alpha'")
    sql(stack, "UPDATE items SET name = 'changed' WHERE name = 'beta'")
    assert rows(stack) != backed_up

    # The exact command db.backup printed, confirmed with --yes (no terminal here).
    restore = stack.inv(*restore_command(backup), "--yes")
    assert restore.returncode == 0, output(restore)
    assert rows(stack) == backed_up
    assert api_names(stack) == served
    assert no_scratch_left(stack)

    # The safety backup holds the changed data and restores it.
    [safety] = [p for p in backups_of(stack) - before if "before-restore" in p.name]
    undo = stack.inv("db.restore", str(safety), "--yes")
    assert undo.returncode == 0, output(undo)
    assert "after the backup" in api_names(stack)
    assert "changed" in api_names(stack)

    for result in (backup, restore, undo):
        assert password not in result.stdout + result.stderr


def test_the_password_never_shows_in_a_process_listing(
    stack: Stack, tmp_path: Path
) -> None:
    password = stack.values["POSTGRES_PASSWORD"]
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "db.backup", "--output", str(tmp_path / "b")],
        cwd=stack.root,
        env=stack.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    listings = []
    while process.poll() is None:
        listings.append(
            subprocess.run(
                ["ps", "-eww", "-o", "args="], capture_output=True, text=True
            ).stdout
        )
        time.sleep(0.05)
    assert process.returncode == 0
    assert any("pg_dump" in listing for listing in listings)
    assert not any(password in listing for listing in listings)


def test_backup_to_stdout(stack: Stack, tmp_path: Path) -> None:
    post_item(stack, "before the piped backup")
    before = rows(stack)
    target = tmp_path / "piped.dump"
    with target.open("wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "invoke", "db.backup", "--output", "-"],
            cwd=stack.root,
            env=stack.env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:5] == b"PGDMP"
    # The whole database went down the pipe: restoring it gives back its rows.
    post_item(stack, "after the piped backup")
    restored = stack.inv("db.restore", str(target), "--yes")
    assert restored.returncode == 0, output(restored)
    assert rows(stack) == before


def wait_until_running(
    stack: Stack, process: subprocess.Popen[Any], program: str, timeout: float
) -> None:
    """Until `program` (pg_dump, pg_restore) is connected, or `process` ended."""
    running = (
        f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{program}'"  # noqa: S608 - pg_dump or pg_restore, never input
    )
    wait_for(
        lambda: (
            process.poll() is not None or sql(stack, running, "postgres").strip() == "1"
        ),
        timeout=timeout,
        what=f"{program} to be running",
    )


def test_a_backup_stopped_by_sigterm_leaves_nothing_behind(
    stack: Stack, tmp_path: Path
) -> None:
    # Enough rows that pg_dump runs for a while; SIGTERM goes to inv alone, as
    # a closed IDE, `timeout` or a CI runner sends it.
    sql(
        stack,
        "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((-g)::text) AS pad "
        "FROM generate_series(1, 1500000) AS g",
    )
    dumping = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'dockhand-dump-%'"
    dest = tmp_path / "stopped.dump"
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "invoke", "db.backup", "--output", str(dest)],
            cwd=stack.root,
            env=stack.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(
            lambda: (
                process.poll() is not None
                or sql(stack, dumping, "postgres").strip() == "1"
            ),
            timeout=120,
            what="pg_dump to be running",
        )
        assert process.poll() is None, "the backup ended before the signal"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 143, err
        assert "stopped by SIGTERM" in err
        assert sorted(tmp_path.iterdir()) == []  # neither the dump nor a partial
        # dockhand ends the pg_dump it started in the container: left alone
        # it runs on until its next write into the closed stream (over 30 s
        # on a loaded 2-core machine).
        wait_for(
            lambda: sql(stack, dumping, "postgres").strip() == "0",
            timeout=10,
            what="pg_dump to end",
        )
    finally:
        sql(stack, "DROP TABLE IF EXISTS bulk")


def test_backup_never_overwrites_a_file(stack: Stack, tmp_path: Path) -> None:
    existing = tmp_path / "keep.dump"
    existing.write_bytes(b"precious")
    result = stack.inv("db.backup", "--output", str(existing))
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert existing.read_bytes() == b"precious"


def truncated_at_header(data: bytes) -> bytes:
    return data[:100]


def truncated_at_end(data: bytes) -> bytes:
    return data[:-64]


@pytest.mark.parametrize(
    ("cut", "caught_by"),
    [
        # pg_restore --list cannot read the table of contents: refused up front.
        (truncated_at_header, "is not a dump pg_restore can read"),
        # The table of contents is whole, the data is not: the scratch restore
        # fails and is dropped; the live database was never written.
        (truncated_at_end, "failed (pg_restore exited 1); database"),
    ],
)
def test_a_truncated_dump_is_refused_and_changes_nothing(
    stack: Stack, tmp_path: Path, cut: Callable[[bytes], bytes], caught_by: str
) -> None:
    post_item(stack, f"kept through {cut.__name__}")
    good = tmp_path / "good.dump"
    backup_to(stack, good)
    sql(stack, "INSERT INTO items (name) VALUES ('after the backup')")
    before = rows(stack)
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(cut(good.read_bytes()))

    result = stack.inv("db.restore", str(truncated), "--yes")
    assert result.returncode == 1, output(result)
    assert "Traceback" not in result.stderr
    assert caught_by in result.stderr
    assert "was not changed" in result.stderr or "is unchanged" in result.stderr
    assert rows(stack) == before
    assert no_scratch_left(stack)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "it is empty"),
        (b"--\n-- PostgreSQL database dump\n--\nDROP TABLE items;\n", "plain SQL"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not a pg_dump -Fc archive"),
        (b"PGDMP" + b"\xff" * 4000, "not a dump pg_restore can read"),
        (None, "no such file"),
    ],
    ids=["empty", "sql", "binary", "fake-magic", "missing"],
)
def test_a_foreign_or_missing_file_is_refused_and_changes_nothing(
    stack: Stack, tmp_path: Path, content: bytes | None, says: str
) -> None:
    before, safety_before = rows(stack), backups_of(stack)
    path = tmp_path / "not-a-dump"
    if content is not None:
        path.write_bytes(content)
    result = stack.inv("db.restore", str(path), "--yes")
    assert result.returncode == 1, output(result)
    assert says in result.stderr
    assert "the database was not changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert rows(stack) == before
    assert backups_of(stack) == safety_before  # refused before anything ran


def test_restore_without_a_terminal_or_yes_changes_nothing(
    stack: Stack, tmp_path: Path
) -> None:
    dump = tmp_path / "d.dump"
    backup_to(stack, dump)
    post_item(stack, "not to be lost")
    before, safety_before = rows(stack), backups_of(stack)

    result = stack.inv("db.restore", str(dump))
    assert result.returncode == 1, output(result)
    assert "refusing to replace the database without a terminal" in result.stderr
    assert "--yes" in result.stderr
    assert rows(stack) == before
    assert backups_of(stack) == safety_before


def test_a_restore_killed_half_way_leaves_the_database_intact(
    stack: Stack, tmp_path: Path
) -> None:
    # Enough data that pg_restore runs for seconds: time to kill it mid-way.
    sql(
        stack,
        "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((-g)::text) AS pad "
        "FROM generate_series(1, 1500000) AS g; CREATE INDEX ON bulk (pad)",
    )
    big = tmp_path / "big.dump"
    try:
        backup_to(stack, big)
        sql(stack, "DELETE FROM bulk WHERE id > 1000")
        post_item(stack, "written after the big backup")
        before = rows(stack)
        # Whichever database it writes into: the test does not assume how.
        restoring = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = 'pg_restore'"
        )

        log = tmp_path / "restore.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "invoke", "db.restore", str(big), "--yes"],
                cwd=stack.root,
                env=stack.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_until_running(stack, process, "pg_restore", timeout=180)
                assert process.poll() is None, "the restore ended before the kill\n" + (
                    log.read_text()
                )
                time.sleep(0.5)
                os.killpg(process.pid, signal.SIGKILL)  # inv, compose, all of it
                process.wait(timeout=30)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
        assert process.returncode == -signal.SIGKILL
        assert "swapping" not in log.read_text()

        wait_for(
            lambda: sql(stack, restoring, "postgres").strip() == "0",
            what="the orphaned pg_restore to end",
        )
        assert rows(stack) == before
        assert sql(stack, "SELECT count(*) FROM bulk").strip() == "1000"
        assert "written after the big backup" in api_names(stack)

        # The next restore clears what the killed one left, and completes.
        again = stack.inv("db.restore", str(big), "--yes")
        assert again.returncode == 0, output(again)
        assert sql(stack, "SELECT count(*) FROM bulk").strip() == "1500000"
        assert "written after the big backup" not in api_names(stack)
        assert no_scratch_left(stack)
    finally:
        sql(stack, "DROP TABLE IF EXISTS bulk")
        for safety in backups_of(stack):
            if "before-restore" in safety.name:
                safety.unlink()


def test_dry_runs_change_nothing(stack: Stack, tmp_path: Path) -> None:
    dump = tmp_path / "d.dump"
    backup_to(stack, dump)
    post_item(stack, "survives dry runs")
    before, files_before = rows(stack), backups_of(stack)

    backup = stack.inv("--dry", "db.backup")
    assert backup.returncode == 0, output(backup)
    assert "pg_dump" in backup.stderr

    restore = stack.inv("--dry", "db.restore", str(dump))
    assert restore.returncode == 0, output(restore)
    assert "pg_restore" in restore.stderr and "RENAME" in restore.stderr

    reset = stack.inv("--dry", "db.reset")
    assert reset.returncode == 0, output(reset)
    assert "DROP DATABASE" in reset.stderr and "alembic upgrade head" in reset.stderr

    assert rows(stack) == before
    assert backups_of(stack) == files_before
    assert no_scratch_left(stack)


def test_reset_asks_then_drops_recreates_and_migrates(stack: Stack) -> None:
    post_item(stack, "gone after the reset")
    before = rows(stack)

    refused = stack.inv("db.reset")
    assert refused.returncode == 1, output(refused)
    assert "refusing to reset the database without a terminal" in refused.stderr
    assert rows(stack) == before

    files_before = backups_of(stack)
    reset = stack.inv("db.reset", "--yes")
    assert reset.returncode == 0, output(reset)
    assert rows(stack) == []
    assert "migrations applied" in reset.stderr
    [safety] = backups_of(stack) - files_before
    assert "before-reset" in safety.name

    # Migrated: the API writes again, and the safety backup brings it all back.
    post_item(stack, "after the reset")
    assert api_names(stack) == ["after the reset"]
    undo = stack.inv("db.restore", str(safety), "--yes")
    assert undo.returncode == 0, output(undo)
    assert rows(stack) == before


def test_shell_is_psql_on_a_real_terminal(stack: Stack, terminals: list[Tmux]) -> None:
    term = Tmux(
        f"{stack.project}-psql", [sys.executable, "-m", "invoke", "db.shell"], stack
    )
    terminals.append(term)
    term.wait("=#")  # psql's prompt, as the superuser the stack creates
    term.line("SELECT 6 * 7 AS answer \\g")  # \g: tmux takes a final ; as its own
    term.wait("(1 row)")
    assert " 42" in term.screen()
    term.line("\\q")
    term.wait("EXIT=")
    assert "EXIT=0" in term.screen()


def test_restore_asks_for_the_project_name_on_a_terminal(
    stack: Stack, tmp_path: Path, terminals: list[Tmux]
) -> None:
    dump = tmp_path / "d.dump"
    backup_to(stack, dump)
    post_item(stack, "kept unless confirmed")
    before = rows(stack)
    args = [sys.executable, "-m", "invoke", "db.restore", str(dump)]

    declined = Tmux(f"{stack.project}-no", args, stack)
    terminals.append(declined)
    declined.wait("Type the project name")
    declined.line("yes")
    declined.wait("EXIT=")
    assert "nothing changed" in declined.screen()
    assert rows(stack) == before

    confirmed = Tmux(f"{stack.project}-yes", args, stack)
    terminals.append(confirmed)
    confirmed.wait("Type the project name")
    confirmed.line(stack.project)
    confirmed.wait("EXIT=", timeout=120)
    assert "EXIT=0" in confirmed.screen(), confirmed.screen()
    assert "kept unless confirmed" not in api_names(stack)


V1 = Path("/usr/bin/docker-compose")


def test_backup_and_restore_under_compose_v1(stack: Stack, tmp_path: Path) -> None:
    """The same round trip driven by Compose v1 (1.29), which needs -T."""
    if not V1.exists():
        pytest.fail(f"Compose v1 is missing at {V1}: scripts/test installs it")
    stack.extra_env["INVOKE_DOCKHAND_COMPOSE_COMMAND"] = str(V1)
    try:
        post_item(stack, "under v1")
        backed_up = rows(stack)
        dump = tmp_path / "v1.dump"
        backup_to(stack, dump)
        post_item(stack, "after the v1 backup")
        restore = stack.inv("db.restore", str(dump), "--yes")
        assert restore.returncode == 0, output(restore)
        assert rows(stack) == backed_up

        damaged = tmp_path / "damaged.dump"
        damaged.write_bytes(dump.read_bytes()[:-64])
        refused = stack.inv("db.restore", str(damaged), "--yes")
        assert refused.returncode == 1, output(refused)
        assert rows(stack) == backed_up
    finally:
        del stack.extra_env["INVOKE_DOCKHAND_COMPOSE_COMMAND"]
