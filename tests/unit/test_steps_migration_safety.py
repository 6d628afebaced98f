"""inv migrate's safety net with a runner that records instead of running:
the snapshot only when something is pending, old automatic snapshots
pruned, the failed migration named, the snapshot put back when asked."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pytest

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.errors import DockhandError
from dockhand.postgres import Target
from dockhand.session import Session
from dockhand.steps import migration_safety as safety
from helpers import FakeRunner

T = Target(service="db", user="app", name="appdb")
BACKEND = {"service": "backend", "run": "alembic upgrade head", "pending": "pend"}
WORKER = {"service": "worker", "run": "migrate", "pending": "pend"}


def pending_runner(
    lines: dict[str, list[str]] | None = None,
    code: int = 0,
    stderr: str = "",
    after: dict[str, list[str]] | None = None,
) -> FakeRunner:
    """Each service's `pending` command prints `lines` (exit `code`, saying
    `stderr`); a second ask prints `after` (what is still pending once a
    migration failed). pg_dump writes a few bytes."""
    asked: dict[str, int] = {}

    def reply(argv: list[str]) -> tuple[int, str, str]:
        service = argv[argv.index("pend") - 1]
        asked[service] = asked.get(service, 0) + 1
        found = (after if after is not None and asked[service] > 1 else lines) or {}
        return (code, "".join(f"  {n}\n\n" for n in found.get(service, [])), stderr)

    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        if "pg_dump" in argv and stdout is not None:
            stdout.write(b"PGDMP")
        return 0

    return FakeRunner(reply=reply, answer=answer)


def session(
    root: Path,
    runner: FakeRunner,
    monkeypatch: pytest.MonkeyPatch,
    migrations: list[dict[str, str]] | None = None,
    snapshots: int = 2,
    database: bool = True,
) -> Session:
    config: dict[str, Any] = {
        "root": str(root),
        "project": "proj",
        "migrations": [BACKEND] if migrations is None else migrations,
        "migrate_snapshots": snapshots,
    }
    if database:
        config["database"] = {"service": "db"}
    monkeypatch.chdir(root)
    s = Session(
        settings=settings.load(config),
        runner=runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    monkeypatch.setattr(safety, "ready", lambda given: mine(given, s, T))  # healthy
    return s


def mine(given: Session, s: Session, value: Any) -> Any:
    """What a stand-in for a step that needs the engine returns, once it was
    handed the session of the command."""
    assert given is s
    return value


def snapshots(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "backups").glob("*.dump"))


# --- pending ---------------------------------------------------------------------


def test_pending_lists_each_migrations_lines_in_its_running_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = pending_runner({"backend": ["a1", "b2"], "worker": []})
    s = session(tmp_path, runner, monkeypatch, [BACKEND, WORKER])
    found = safety.pending(s, running={"backend"})
    assert found is not None
    assert {m.service: lines for m, lines in found.items()} == {
        "backend": ["a1", "b2"],
        "worker": [],
    }
    exec_backend, run_worker = runner.calls
    assert exec_backend[exec_backend.index("exec") :][:3] == ["exec", "-T", "backend"]
    assert "run" in run_worker and "exec" not in run_worker  # not running: one-off


def test_pending_is_unknown_without_a_pending_command_or_under_dry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = {"service": "backend", "run": "migrate"}
    runner = pending_runner()
    s = session(tmp_path, runner, monkeypatch, [BACKEND, bare])
    assert safety.pending(s, running=set()) is None
    dry = session(tmp_path, FakeRunner(dry=True), monkeypatch)
    assert safety.pending(dry, running=set()) is None
    assert runner.calls == []


@pytest.mark.parametrize(
    ("stderr", "said"),
    [("boom\nsee below\nno config here\n", "no config here"), ("", "exit 2")],
)
def test_pending_failing_names_the_service_and_its_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stderr: str, said: str
) -> None:
    s = session(tmp_path, pending_runner(code=2, stderr=stderr), monkeypatch)
    with pytest.raises(DockhandError) as failed:
        safety.pending(s, running=set())
    assert failed.value.message == (
        f"backend: could not list pending migrations ({said})"
    )
    assert failed.value.hint == (
        "check its `pending` command in invoke.yaml; nothing was applied"
    )


# --- snapshot and prune ----------------------------------------------------------


def waiting(s: Session, *names: str) -> dict[Any, list[str]]:
    return {s.settings.migrations[0]: list(names)}


def test_snapshot_dumps_the_database_and_names_what_is_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch)
    dest = safety.snapshot(s, waiting(s, "a1", "b2"))
    assert dest is not None and dest.read_bytes() == b"PGDMP"
    assert dest.parent == tmp_path / "backups"
    assert dest.name.startswith("proj-") and dest.name.endswith("-before-migrate.dump")
    out = capsys.readouterr().err
    assert (
        f"snapshot of database 'appdb' to backups/{dest.name} (2 pending: a1, b2)"
        in out
    )


def test_snapshot_names_three_pending_then_dots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch)
    safety.snapshot(s, waiting(s, "a", "b", "c", "d"))
    assert "(4 pending: a, b, c, ...)" in capsys.readouterr().err
    safety.snapshot(s, waiting(s, "a", "b", "c"))
    assert "(3 pending: a, b, c)\n" in capsys.readouterr().err


def test_snapshot_when_pending_is_unknown_says_no_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch)
    dest = safety.snapshot(s, None)
    assert dest is not None
    assert capsys.readouterr().err.rstrip().endswith(f"backups/{dest.name}")


def test_no_snapshot_when_nothing_is_pending_no_database_or_snapshots_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = pending_runner()
    s = session(tmp_path, runner, monkeypatch)
    assert safety.snapshot(s, waiting(s)) is None
    assert capsys.readouterr().err == "nothing pending: no snapshot taken\n"
    off = session(tmp_path, runner, monkeypatch, snapshots=0)
    assert safety.snapshot(off, waiting(off, "a1")) is None
    bare = session(tmp_path, runner, monkeypatch, database=False)
    assert safety.snapshot(bare, waiting(bare, "a1")) is None
    assert runner.calls == [] and not (tmp_path / "backups").exists()


def test_prune_keeps_the_newest_automatic_snapshots_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch, snapshots=2)
    backups = tmp_path / "backups"
    backups.mkdir()
    names = [f"proj-2026010{i}T000000Z-before-migrate.dump" for i in range(1, 5)]
    mine = ["proj-20260101T000000Z.dump", "other-20260101T000000Z-before-migrate.dump"]
    for name in names + mine:
        (backups / name).write_bytes(b"x")
    safety.prune(s)
    assert snapshots(tmp_path) == sorted(mine + names[2:])
    assert (
        "removed 2 older automatic snapshot(s), kept 2 (dockhand.migrate_snapshots)"
        in capsys.readouterr().err
    )
    safety.prune(s)  # nothing more to remove: nothing said
    assert "removed" not in capsys.readouterr().err


def test_prune_with_snapshots_off_removes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch, snapshots=0)
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / "proj-20260101T000000Z-before-migrate.dump").write_bytes(
        b""
    )
    safety.prune(s)
    assert snapshots(tmp_path) == ["proj-20260101T000000Z-before-migrate.dump"]


def test_snapshot_prunes_after_dumping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch, snapshots=1)
    (tmp_path / "backups").mkdir()
    older = tmp_path / "backups" / "proj-20000101T000000Z-before-migrate.dump"
    older.write_bytes(b"x")
    dest = safety.snapshot(s, waiting(s, "a1"))
    assert dest is not None and snapshots(tmp_path) == [dest.name]


# --- a failed migration ----------------------------------------------------------


def test_failed_without_a_snapshot_names_the_migration_still_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = pending_runner({"backend": ["b2"]})  # a1 went in, b2 failed
    s = session(tmp_path, runner, monkeypatch)
    m = s.settings.migrations[0]
    error = safety.failed(s, m, 3, ["a1", "b2"], {"backend"}, None, False)
    assert error.message == "migration 'b2' (backend) failed with exit code 3"
    assert (
        error.hint == "its output is above; fix the cause and run `inv migrate` again"
    )
    assert error.code == 3


@pytest.mark.parametrize(
    ("before", "after", "code"),
    [
        (None, ["b2"], 0),  # pending unknown: not asked again
        (["a1"], [], 0),  # nothing still pending
        (["a1"], ["b2"], 1),  # the pending command failed too
    ],
)
def test_failed_falls_back_to_the_migrations_label(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    before: list[str] | None,
    after: list[str],
    code: int,
) -> None:
    runner = pending_runner(code=code, after={"backend": after})
    s = session(tmp_path, runner, monkeypatch)
    m = s.settings.migrations[0]
    error = safety.failed(s, m, 1, before, set(), None, False)
    assert error.message == (
        "migration 'backend: alembic upgrade head' failed with exit code 1"
    )
    assert len(runner.calls) == (0 if before is None else 1)


def test_failed_without_pending_command_names_the_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = pending_runner()
    s = session(tmp_path, runner, monkeypatch, [{"service": "w", "run": "go"}])
    assert safety.failed_name(s, s.settings.migrations[0], ["a"], set()) == "'w: go'"
    assert runner.calls == []


def test_failed_puts_the_snapshot_back_when_asked_by_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    put_back: list[tuple[str, bool]] = []
    monkeypatch.setattr(safety, "yes_or_no", lambda q: pytest.fail("asked"))
    s = session(tmp_path, pending_runner(), monkeypatch)
    monkeypatch.setattr(
        safety, "restore", lambda g, p, yes: mine(g, s, put_back.append((p, yes)))
    )
    snap = tmp_path / "backups" / "proj-1-before-migrate.dump"
    error = safety.failed(s, s.settings.migrations[0], 2, None, set(), snap, True)
    assert put_back == [(str(snap), True)]
    assert error.message == (
        "migration 'backend: alembic upgrade head' failed with exit code 2; "
        "the database is back as it was before `inv migrate`"
    )
    assert (
        error.hint == "its output is above; fix the cause and run `inv migrate` again"
    )
    assert error.code == 2
    assert "putting the snapshot backups/proj-1-before-migrate.dump back" in (
        capsys.readouterr().err
    )


def test_failed_asks_before_putting_the_snapshot_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_back: list[str] = []
    questions: list[str] = []
    monkeypatch.setattr(safety, "restore", lambda s, p, yes: put_back.append(p))
    s = session(tmp_path, pending_runner(), monkeypatch)
    snap = tmp_path / "backups" / "proj-1-before-migrate.dump"
    m = s.settings.migrations[0]

    monkeypatch.setattr(safety, "yes_or_no", lambda q: questions.append(q) or True)
    safety.failed(s, m, 2, None, set(), snap, False)
    assert put_back == [str(snap)]
    assert questions == [
        "migration 'backend: alembic upgrade head' failed with exit code 2. "
        "Put the snapshot backups/proj-1-before-migrate.dump back?"
    ]

    monkeypatch.setattr(safety, "yes_or_no", lambda q: False)
    error = safety.failed(s, m, 2, None, set(), snap, False)
    assert put_back == [str(snap)]  # not again
    assert error.message.endswith("; the database may be half-migrated")
    assert error.hint == (
        "put it back as it was with `inv db.restore backups/proj-1-before-migrate.dump`, "
        "or run `inv migrate --restore-on-failure` next time"
    )
    assert error.code == 2


# --- apply_safely ------------------------------------------------------------------


def test_apply_safely_snapshots_then_migrates_then_names_the_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = pending_runner({"backend": ["a1"]}, after={"backend": ["a1"]})
    failing = FakeRunner(
        reply=runner.reply,
        answer=lambda argv, out: 5 if "alembic" in argv else runner.answer(argv, out),
    )
    s = session(tmp_path, failing, monkeypatch)
    monkeypatch.setattr(safety.migrations, "look", lambda g: mine(g, s, {"backend"}))
    put_back: list[str] = []
    monkeypatch.setattr(safety, "restore", lambda s, p, yes: put_back.append(p))
    with pytest.raises(DockhandError) as failed:
        safety.apply_safely(s, restore_on_failure=True)
    [snap] = snapshots(tmp_path)
    assert failed.value.message.startswith(
        "migration 'a1' (backend) failed with exit code 5"
    )
    assert failed.value.code == 5
    assert put_back == [str(tmp_path / "backups" / snap)]


def test_apply_safely_with_nothing_pending_takes_no_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = pending_runner({"backend": []})
    s = session(tmp_path, runner, monkeypatch)
    monkeypatch.setattr(safety.migrations, "look", lambda s: set())
    safety.apply_safely(s)
    assert not (tmp_path / "backups").exists()
    assert "migrations applied" in capsys.readouterr().err


def test_prune_of_a_snapshot_removed_meanwhile_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = session(tmp_path, pending_runner(), monkeypatch, snapshots=1)
    gone = tmp_path / "backups" / "proj-20000101T000000Z-before-migrate.dump"
    kept = gone.with_name("proj-20990101T000000Z-before-migrate.dump")
    monkeypatch.setattr(safety, "automatic", lambda given: [gone, kept])
    safety.prune(s)  # another inv removed it first: nothing to say about it


def test_apply_safely_asks_before_putting_back_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = pending_runner({"backend": ["a1"]})
    failing = FakeRunner(
        reply=runner.reply,
        answer=lambda argv, out: 5 if "alembic" in argv else runner.answer(argv, out),
    )
    s = session(tmp_path, failing, monkeypatch)
    monkeypatch.setattr(safety.migrations, "look", lambda g: set())
    monkeypatch.setattr(safety, "yes_or_no", lambda q: False)
    monkeypatch.setattr(safety, "restore", lambda *a, **k: pytest.fail("put back"))
    with pytest.raises(DockhandError) as failed:
        safety.apply_safely(s)
    assert failed.value.message.endswith("; the database may be half-migrated")


def test_apply_safely_without_pending_commands_names_the_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = session(
        tmp_path,
        FakeRunner(answer=lambda argv, out: 4 if "go" in argv else 0),
        monkeypatch,
        [{"service": "w", "run": "go"}],
        snapshots=0,
    )
    monkeypatch.setattr(safety.migrations, "look", lambda g: set())
    with pytest.raises(DockhandError) as failed:
        safety.apply_safely(s)
    assert failed.value.message == "migration 'w: go' failed with exit code 4"


def test_a_snapshot_that_fails_names_the_database_and_migrates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = pending_runner({"backend": ["a1"]})
    failing = FakeRunner(
        reply=runner.reply, answer=lambda argv, out: 1 if "pg_dump" in argv else 0
    )
    s = session(tmp_path, failing, monkeypatch)
    monkeypatch.setattr(safety.migrations, "look", lambda g: set())
    with pytest.raises(DockhandError) as failed:
        safety.apply_safely(s)
    assert failed.value.message.startswith(
        "pg_dump of database 'appdb' failed with exit code 1"
    )
    assert not any("alembic" in call for call in failing.calls)
