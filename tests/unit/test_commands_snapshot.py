"""Whole-stack snapshots: which volumes, the names, the helper commands
(dockhand.commands.snapshot, dockhand.docker.containers); then
`inv snapshot.save`, `snapshot.restore`, `snapshot.list`, `snapshot.rm`
with a runner that records instead of running (as test_commands_db): what
runs in which order, what the manifest holds, what is refused before
anything runs. The engine's answers are stand-ins: the Compose model, the
containers' states, the database once healthy; the real helpers run on the
engine in tests/integration."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import IO, Any

import pytest

from dockhand.commands import snapshot
from dockhand.commands.snapshot import Volume
from dockhand.config import settings
from dockhand.docker import containers
from dockhand.docker.compose import ComposeCli
from dockhand.docker.model import parse
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.postgres import Target
from dockhand.session import Session
from dockhand.ui import sizes
from helpers import FakeRunner

SHOP = {
    "name": "shop",
    "services": {
        "db": {"volumes": [{"type": "volume", "source": "db-data", "target": "/d"}]},
        "redis": {"volumes": [{"type": "volume", "source": "cache", "target": "/c"}]},
        "web": {
            "volumes": [
                {"type": "bind", "source": "/src", "target": "/app"},
                {"type": "volume", "source": "cache", "target": "/c"},
            ]
        },
        "job": {},
    },
    "volumes": {"db-data": {"name": "shop_db-data"}, "cache": {"name": "custom"}},
}


def test_the_named_volumes_with_who_mounts_them() -> None:
    assert snapshot.project_volumes(parse(SHOP), "shop", "db") == [
        Volume("custom", ("redis", "web"), database=False),
        Volume("shop_db-data", ("db",), database=True),
    ]
    # Without a name in the model: Compose's own PROJECT_SOURCE.
    bare = {**SHOP, "volumes": {}}
    assert snapshot.project_volumes(parse(bare), "p", None)[0].name == "p_cache"


@pytest.mark.parametrize("name", ["before-upgrade", "20260102T150405Z", "a.b_c"])
def test_good_names(name: str) -> None:
    assert snapshot.check_name(name) == name


@pytest.mark.parametrize("name", ["", "../x", "a/b", "-x", "a b", "x" * 65])
def test_bad_names_are_one_line(name: str) -> None:
    with pytest.raises(DockhandError) as error:
        snapshot.check_name(name)
    assert error.value.message == f"{name!r} is not a snapshot name"
    assert error.value.hint == (
        "use letters, digits, '.', '_' and '-' (up to 64), e.g. before-upgrade"
    )


def test_the_helpers_run_the_projects_image_without_network_as_root() -> None:
    tar = containers.volume_tar_argv("shop_cache", "sha256:abc")
    assert tar[:3] == ["docker", "run", "--rm"]
    assert tar[5:7] == ["--network", "none"]
    assert "shop_cache:/v:ro" in tar and tar[-4:] == ["-C", "/v", "-c", "."]
    untar = containers.volume_untar_argv("shop_cache", "sha256:abc")
    assert "-i" in untar and "shop_cache:/v" in untar
    assert untar[-1] == containers.UNTAR


T = Target(service="db", user="app", name="appdb")
DUMP = b"PGDMP\x01\x0f\x00 pretend archive bytes"
LISTING = b";\n; Archive created at 2026-01-02 15:04:05 UTC\n;     dbname: appdb\n"
MODEL = {
    "name": "proj",
    "services": {
        "db": {"volumes": [{"type": "volume", "source": "db-data", "target": "/d"}]},
        "redis": {"volumes": [{"type": "volume", "source": "cache", "target": "/c"}]},
        "web": {"volumes": [{"type": "volume", "source": "cache", "target": "/c"}]},
        "backend": {},
    },
    "volumes": {"db-data": {"name": "proj_db-data"}, "cache": {"name": "proj_cache"}},
}
MIGRATION = {"service": "backend", "run": "alembic upgrade head", "status": "current"}


def a_tar() -> bytes:
    """What `tar -c .` of a volume writes: one file."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        data = b"redis dump"
        info = tarfile.TarInfo("./dump.rdb")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


TAR = a_tar()


def kind(argv: list[str]) -> str:
    """A short name for each command: what the tests read the order by."""
    if argv[:2] == ["docker", "run"]:
        return "untar" if "-i" in argv else "tar"
    if argv[0] == "git":
        return "git"
    for word in ("stop", "start"):
        if word in argv and "exec" not in argv:
            return word
    for word in ("pg_dump", "pg_restore", "current"):
        if word in argv:
            return word
    return " ".join(argv)


def a_runner(
    *,
    dry: bool = False,
    codes: dict[str, int] | None = None,
    status: tuple[int, str, str] = (0, "0001 (head)\n", ""),
    commit: tuple[int, str, str] = (0, "abc123def456\n", ""),
) -> FakeRunner:
    def answer(argv: list[str], stdout: IO[bytes] | None) -> int:
        what = kind(argv)
        if stdout is not None:
            stdout.write(
                {"pg_dump": DUMP, "tar": TAR, "pg_restore": LISTING}.get(what, b"")
            )
        return (codes or {}).get(what, 0)

    def reply(argv: list[str]) -> tuple[int, str, str]:
        return commit if kind(argv) == "git" else status

    return FakeRunner(dry=dry, answer=answer, reply=reply)


def running(service: str, image: str = "", state: str = "running") -> ServiceState:
    return ServiceState(
        service, f"proj-{service}-1", state, "", 0, (), None, image=image
    )


STATES = [
    running("db", "sha256:pg"),
    running("redis", "sha256:redis"),
    running("web", "sha256:web"),
    running("backend", "sha256:be"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def a_session(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    runner: FakeRunner,
    *,
    model: dict[str, Any] | None = MODEL,
    states: list[ServiceState] | None = None,
) -> Session:
    s = Session(
        settings=settings.load(
            {
                "root": str(root),
                "project": "proj",
                "database": {"service": "db"},
                "migrations": [MIGRATION],
            }
        ),
        runner=runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    monkeypatch.setattr(s, "ask_model", lambda: None if model is None else parse(model))
    monkeypatch.setattr(s, "require_engine", lambda: None)
    monkeypatch.setattr(
        s,
        "states",
        lambda names=(): [
            x for x in (states or STATES) if not names or x.service in names
        ],
    )

    def ready(given: Session) -> Target:
        assert given is s
        return T

    monkeypatch.setattr(snapshot, "ready", ready)
    return s


def kinds(runner: FakeRunner) -> list[str]:
    return [kind(argv) for argv in runner.calls]


def where(root: Path, name: str = "n") -> Path:
    return root / "snapshots" / "proj" / name


def saved(root: Path, monkeypatch: pytest.MonkeyPatch, name: str = "n") -> Path:
    s = a_session(root, monkeypatch, a_runner())
    snapshot.save(s, name)
    return where(root, name)


# --- save ----------------------------------------------------------------------


def test_save_dumps_the_database_archives_the_rest_with_its_services_stopped(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    snapshot.save(s, "n")
    assert kinds(runner) == [
        "tar" if False else "stop",
        "tar",
        "start",
        "pg_dump",
        "git",
        "current",
    ]
    stop, tar, start = runner.calls[0], runner.calls[1], runner.calls[2]
    assert stop[-3:] == ["stop", "redis", "web"] and "proj" in stop
    assert start[-3:] == ["start", "redis", "web"]
    assert tar[-4:] == ["-C", "/v", "-c", "."] and "proj_cache:/v:ro" in tar
    assert "sha256:redis" in tar  # the image of a container that mounts it
    assert runner.calls[4] == ["git", "-C", str(project), "rev-parse", "HEAD"]
    folder = where(project)
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "proj_cache.tar",
        "proj_db-data.dump",
    ]
    assert stat.S_IMODE((folder / "proj_cache.tar").stat().st_mode) == 0o600
    assert not list(folder.parent.glob(".*"))  # no partial left
    manifest = json.loads((folder / "manifest.json").read_text())
    created = manifest.pop("created")
    assert datetime.fromisoformat(created).tzinfo == timezone.utc
    assert manifest == {
        "name": "n",
        "project": "proj",
        "git_commit": "abc123def456",
        "migrations": {"backend: alembic upgrade head": ["0001 (head)"]},
        "entries": [
            {
                "volume": "proj_cache",
                "services": ["redis", "web"],
                "kind": "tar",
                "file": "proj_cache.tar",
                "size": len(TAR),
                "sha256": sha256(TAR).hexdigest(),
            },
            {
                "volume": "proj_db-data",
                "services": ["db"],
                "kind": "postgres",
                "file": "proj_db-data.dump",
                "size": len(DUMP),
                "sha256": sha256(DUMP).hexdigest(),
            },
        ],
    }
    err = capsys.readouterr().err
    assert "> stopping redis, web while its volume is copied\n" in err
    assert "> saving volume proj_cache (redis, web)\n" in err
    assert "> saving volume proj_db-data (db)\n" in err
    total = sizes.size(len(TAR) + len(DUMP))
    assert f"ok saved snapshot 'n': 2 volumes, {total}\n" in err
    assert err.endswith("  restore it with: inv snapshot.restore n\n")


def test_save_stops_only_the_services_that_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = a_runner()
    states = [
        running("db", "sha256:pg"),
        running("redis", "sha256:r"),
        running("web", "sha256:w", "exited"),
    ]
    s = a_session(project, monkeypatch, runner, states=states)
    snapshot.save(s, "n")
    assert runner.calls[0][-2:] == ["stop", "redis"]
    assert runner.calls[2][-2:] == ["start", "redis"]
    # No migration service running: no status asked.
    assert "current" not in kinds(runner)


def test_save_without_a_name_names_it_by_the_time(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(project, monkeypatch, a_runner())
    snapshot.save(s, None)
    [folder] = (project / "snapshots" / "proj").iterdir()
    assert len(folder.name) == 16 and folder.name.endswith("Z")
    assert json.loads((folder / "manifest.json").read_text())["name"] == folder.name


def test_save_refuses_a_name_taken_or_bad_before_anything_runs(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = saved(project, monkeypatch)
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    with pytest.raises(DockhandError) as error:
        snapshot.save(s, "n")
    assert error.value.message == "a snapshot named 'n' exists already"
    assert error.value.hint == "choose another name, or `inv snapshot.rm n` first"
    with pytest.raises(DockhandError, match="is not a snapshot name"):
        snapshot.save(s, "../x")
    assert runner.calls == [] and folder.is_dir()


def test_save_under_dry_says_what_it_would_save(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = a_runner(dry=True)
    snapshot.save(a_session(project, monkeypatch, runner), "n")
    assert runner.calls == []
    assert not (project / "snapshots").exists()
    assert capsys.readouterr().err == (
        "would save proj_cache (redis, web) as an archive, its services stopped\n"
        "would save proj_db-data (db) as its dump\n"
    )


def test_save_needs_compose_v2_and_named_volumes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(project, monkeypatch, a_runner(), model=None)
    with pytest.raises(DockhandError) as error:
        snapshot.save(s, "n")
    assert (
        error.value.message
        == "snapshots need Compose v2 or newer (the model of the project)"
    )
    assert error.value.hint == (
        "this machine runs docker compose 5.6.1; install the Compose v2 plugin"
    )
    bare = a_session(project, monkeypatch, a_runner(), model={"services": {"web": {}}})
    with pytest.raises(DockhandError) as error:
        snapshot.save(bare, "n")
    assert error.value.message == "project 'proj' has no named volumes to snapshot"
    assert error.value.hint == (
        "snapshots keep named volumes (services' `volumes:` of type volume)"
    )
    assert not (project / "snapshots").exists()


def test_save_without_a_container_to_copy_with_leaves_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = a_runner()
    s = a_session(project, monkeypatch, runner, states=[running("db", "sha256:pg")])
    with pytest.raises(DockhandError) as error:
        snapshot.save(s, "n")
    assert error.value.message == "no container of redis, web to copy proj_cache with"
    assert error.value.hint == "start the stack with `inv up` first"
    assert runner.calls == []
    assert list((project / "snapshots" / "proj").iterdir()) == []


def test_a_copy_that_fails_starts_the_services_again_and_leaves_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = a_runner(codes={"tar": 1})
    s = a_session(project, monkeypatch, runner)
    with pytest.raises(DockhandError) as error:
        snapshot.save(s, "n")
    assert error.value.message == "could not copy proj_cache"
    assert error.value.hint == "docker's message is above"
    assert kinds(runner) == ["stop", "tar", "start"]
    assert list((project / "snapshots" / "proj").iterdir()) == []


@pytest.mark.parametrize(
    ("failing", "message"),
    [
        ("stop", "could not stop redis, web"),
        ("start", "could not start redis, web again"),
    ],
)
def test_a_stop_or_start_that_fails_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch, failing: str, message: str
) -> None:
    runner = a_runner(codes={failing: 1})
    with pytest.raises(DockhandError) as error:
        snapshot.save(a_session(project, monkeypatch, runner), "n")
    assert error.value.message == message


def test_the_commit_and_heads_are_left_out_when_they_cannot_be_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = a_runner(
        status=(1, "", "no"), commit=(128, "junk\n", "not a git repository")
    )
    snapshot.save(a_session(project, monkeypatch, runner), "n")
    manifest = json.loads((where(project) / "manifest.json").read_text())
    assert manifest["git_commit"] == "" and manifest["migrations"] == {}
    monkeypatch.setattr(snapshot.shutil, "which", lambda name: None)
    assert snapshot.git_commit(project, a_session(project, monkeypatch, runner)) == ""


def test_the_heads_are_the_last_five_lines_said(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = "".join(f"  line {n}  \n\n" for n in range(1, 5))
    runner = a_runner(status=(0, said, "  warn a\nwarn b\n"))
    s = a_session(project, monkeypatch, runner)
    heads = snapshot.migration_heads(s, {"backend"})
    assert heads == {
        "backend: alembic upgrade head": [
            "line 2",
            "line 3",
            "line 4",
            "warn a",
            "warn b",
        ]
    }
    [argv] = runner.calls
    assert argv[argv.index("exec") :] == ["exec", "-T", "backend", "current"]
    assert snapshot.migration_heads(s, set()) == {}


# --- list and rm ---------------------------------------------------------------


def test_list_shows_each_snapshot_oldest_first(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    saved(project, monkeypatch, "b")
    folder = saved(project, monkeypatch, "a")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["created"] = "2020-01-02T03:04:05+00:00"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    broken = where(project, "c")
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    capsys.readouterr()
    s = a_session(project, monkeypatch, a_runner())
    snapshot.list_(s, as_json=True)
    found = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in found] == ["a", "b"]
    assert found[0]["size"] == len(TAR) + len(DUMP)
    snapshot.list_(s, as_json=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "TAKEN", "(UTC)", "SIZE", "COMMIT", "VOLUMES"]
    size = sizes.size(len(TAR) + len(DUMP))
    assert lines[1].split() == [
        "a", "2020-01-02", "03:04:05", *size.split(), "abc123def4", "proj_cache,", "proj_db-data"
    ]  # fmt: skip
    assert lines[2].split()[0] == "b"


def test_list_without_snapshots_says_how_to_take_one(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot.list_(a_session(project, monkeypatch, a_runner()), as_json=False)
    assert (
        capsys.readouterr().err
        == "no snapshots yet; take one with `inv snapshot.save`\n"
    )


def test_rm_deletes_after_asking(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = saved(project, monkeypatch)
    capsys.readouterr()
    s = a_session(project, monkeypatch, a_runner())
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    snapshot.rm(s, "n", yes=False)
    assert folder.is_dir()
    err = capsys.readouterr().err
    assert "warning: snapshot.rm deletes this snapshot:\n" in err
    assert f"  {folder} ({sizes.size(len(TAR) + len(DUMP))}, taken " in err
    assert "Type the project name (proj) to delete the snapshot" in err
    snapshot.rm(a_session(project, monkeypatch, a_runner(dry=True)), "n", yes=False)
    assert folder.is_dir()
    snapshot.rm(s, "n", yes=True)
    assert not folder.exists()
    assert capsys.readouterr().err.endswith("ok removed snapshot 'n'\n")


def test_a_snapshot_not_there_names_those_that_are(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(project, monkeypatch, a_runner())
    with pytest.raises(DockhandError) as error:
        snapshot.rm(s, "x", yes=True)
    assert error.value.message == "no snapshot 'x' of project 'proj'"
    assert error.value.hint == "snapshots: none (inv snapshot.list)"
    saved(project, monkeypatch, "b")
    saved(project, monkeypatch, "a")
    with pytest.raises(DockhandError) as error:
        snapshot.restore(s, "x", yes=True)
    assert error.value.hint == "snapshots: a, b (inv snapshot.list)"


def test_a_manifest_that_is_not_json_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = where(project, "bad")
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{")
    with pytest.raises(DockhandError) as error:
        snapshot.restore(a_session(project, monkeypatch, a_runner()), "bad", yes=True)
    assert error.value.message.startswith(
        "snapshot 'bad': its manifest.json is not JSON ("
    )
    assert error.value.message.endswith("); nothing was changed")
    assert error.value.hint == "remove it with `inv snapshot.rm bad`"


# --- restore -------------------------------------------------------------------


def test_restore_checks_every_file_asks_then_puts_each_volume_back(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = saved(project, monkeypatch)
    capsys.readouterr()
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    restored: list[tuple[str, bool]] = []

    def restore_database(given: Session, file: str, *, yes: bool) -> None:
        assert given is s
        restored.append((file, yes))

    monkeypatch.setattr(snapshot, "restore_database", restore_database)
    snapshot.restore(s, "n", yes=True)
    assert kinds(runner) == ["pg_restore", "stop", "untar", "start"]
    untar = runner.calls[2]
    assert "proj_cache:/v" in untar and "sha256:redis" in untar
    assert restored == [(str(folder / "proj_db-data.dump"), True)]
    err = capsys.readouterr().err
    assert "> checking snapshot 'n'\n" in err
    assert "warning: snapshot.restore replaces the data of project 'proj':\n" in err
    assert (
        f"  proj_cache (redis, web): replaced by the snapshot's {sizes.size(len(TAR))}\n"
    ) in err
    assert "at commit abc123def456\n" in err
    assert "> restoring volume proj_cache\n" in err
    assert err.endswith("ok restored snapshot 'n'\n")


def test_restore_feeds_the_archive_to_the_helper(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(project, monkeypatch)
    fed: list[bytes] = []

    class Feeding(FakeRunner):
        def run(self, argv: Any, **io: Any) -> Any:
            if io.get("stdin") is not None:
                fed.append(io["stdin"].read())
            return super().run(argv, **io)

    base = a_runner()
    runner = Feeding(answer=base.answer, reply=base.reply)
    s = a_session(project, monkeypatch, runner)
    monkeypatch.setattr(snapshot, "restore_database", lambda *a, **k: None)
    snapshot.restore(s, "n", yes=True)
    assert fed == [DUMP, TAR]  # pg_restore --list, then the untar


def test_restore_not_confirmed_changes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    saved(project, monkeypatch)
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(DockhandError) as error:
        snapshot.restore(s, "n", yes=False)
    assert error.value.message.startswith("refusing to restore the snapshot")
    assert error.value.hint == "run `inv snapshot.restore n --yes` to confirm"
    assert kinds(runner) == ["pg_restore"]
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    snapshot.restore(s, "n", yes=False)
    assert kinds(runner) == ["pg_restore", "pg_restore"]
    assert "to restore the snapshot: not confirmed" in capsys.readouterr().err


def test_restore_without_a_container_to_restore_with(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(project, monkeypatch)
    runner = a_runner()
    s = a_session(project, monkeypatch, runner, states=[running("db", "sha256:pg")])
    monkeypatch.setattr(snapshot, "restore_database", lambda *a, **k: None)
    with pytest.raises(DockhandError) as error:
        snapshot.restore(s, "n", yes=True)
    assert (
        error.value.message == "no container of redis, web to restore proj_cache with"
    )
    assert error.value.hint == "start the stack with `inv up` first"
    assert "untar" not in kinds(runner)


def test_an_untar_that_fails_starts_the_services_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(project, monkeypatch)
    runner = a_runner(codes={"untar": 1})
    s = a_session(project, monkeypatch, runner)
    monkeypatch.setattr(snapshot, "restore_database", lambda *a, **k: None)
    with pytest.raises(DockhandError) as error:
        snapshot.restore(s, "n", yes=True)
    assert error.value.message == "could not restore proj_cache"
    assert kinds(runner)[-2:] == ["untar", "start"]


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("missing", "is missing or not the file saved"),
        ("longer", "is missing or not the file saved"),
        ("changed", "is missing or not the file saved"),
    ],
)
def test_a_snapshot_whose_file_changed_is_refused_before_anything_runs(
    project: Path, monkeypatch: pytest.MonkeyPatch, damage: str, said: str
) -> None:
    folder = saved(project, monkeypatch)
    tar = folder / "proj_cache.tar"
    if damage == "missing":
        tar.unlink()
    elif damage == "longer":
        tar.write_bytes(TAR + b"x")
    else:
        tar.write_bytes(TAR[:-1] + b"x")
    runner = a_runner()
    with pytest.raises(DockhandError) as error:
        snapshot.restore(a_session(project, monkeypatch, runner), "n", yes=True)
    assert error.value.message == (
        f"snapshot 'n': proj_cache.tar {said} (size or checksum differs); "
        "nothing was changed"
    )
    assert error.value.hint == (
        "this snapshot cannot be restored; remove it with `inv snapshot.rm n`"
    )
    assert runner.calls == []


def test_an_archive_that_is_not_one_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = saved(project, monkeypatch)
    junk = b"not a tar archive at all" * 40
    (folder / "proj_cache.tar").write_bytes(junk)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["entries"][0].update(size=len(junk), sha256=sha256(junk).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(manifest))
    runner = a_runner()
    with pytest.raises(DockhandError) as error:
        snapshot.restore(a_session(project, monkeypatch, runner), "n", yes=True)
    assert error.value.message.startswith(
        "snapshot 'n': proj_cache.tar is not a readable archive ("
    )
    assert error.value.message.endswith("); nothing was changed")
    assert error.value.hint == "remove it with `inv snapshot.rm n`"
    assert runner.calls == []


def test_a_dump_pg_restore_cannot_read_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(project, monkeypatch)
    runner = a_runner(codes={"pg_restore": 1})
    with pytest.raises(DockhandError):
        snapshot.restore(a_session(project, monkeypatch, runner), "n", yes=True)
    assert kinds(runner) == ["pg_restore"]


def test_the_hash_reads_the_whole_file(tmp_path: Path) -> None:
    big = tmp_path / "big"
    data = bytes(range(256)) * 8192  # 2 MiB: more than one read
    big.write_bytes(data)
    assert snapshot.sha256(big) == sha256(data).hexdigest()


def test_images_of_running_services(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = [running("web", "sha256:w"), running("x", ""), running("y", "sha256:y")]
    s = a_session(project, monkeypatch, a_runner(), states=states)
    assert snapshot.images_of(s, ["web", "x"]) == {"web": "sha256:w"}


class Timed(FakeRunner):
    """Records each probe's time limit."""

    def capture(self, argv: Any, *, timeout: float | None = None) -> Any:
        self.calls.append(["timeout", str(timeout)])
        return super().capture(argv, timeout=timeout)


def test_the_probes_have_time_limits(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = a_runner()
    runner = Timed(answer=base.answer, reply=base.reply)
    s = a_session(project, monkeypatch, runner)
    snapshot.git_commit(project, s)
    snapshot.migration_heads(s, {"backend"})
    limits = [argv[1] for argv in runner.calls if argv[0] == "timeout"]
    assert limits == ["10", "120"]


def test_each_migration_with_a_status_of_a_running_service_is_asked(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    s.settings = settings.load(
        {
            "root": str(project),
            "project": "proj",
            "migrations": [{"service": "worker", "run": "x"}, MIGRATION],
        }
    )
    assert list(snapshot.migration_heads(s, {"backend", "worker"})) == [
        "backend: alembic upgrade head"
    ]


def write_manifest(root: Path, name: str, manifest: dict[str, Any]) -> Path:
    folder = where(root, name)
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_list_reads_old_and_odd_manifests(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sorted by when taken, not by name; a manifest without sizes, entries,
    time or commit is listed; one that is not JSON is skipped."""
    write_manifest(project, "0", {}).joinpath("manifest.json").write_text("{")
    write_manifest(project, "a", {"name": "a", "created": "2030-01-01T00:00:00+00:00"})
    write_manifest(project, "b", {"name": "b", "entries": [{"volume": "v"}]})
    write_manifest(project, "z", {"name": "z", "created": "2020-01-01T00:00:00+00:00"})
    s = a_session(project, monkeypatch, a_runner())
    snapshot.list_(s, as_json=True)
    out = capsys.readouterr().out
    assert out.startswith('[\n  {\n    "name": "b",\n')
    assert [(d["name"], d["size"]) for d in json.loads(out)] == [
        ("b", 0),
        ("z", 0),
        ("a", 0),
    ]
    snapshot.list_(s, as_json=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["b", "0", "bytes", "-", "v"]
    assert lines[3].split() == ["a", "2030-01-01", "00:00:00", "0", "bytes", "-"]


def test_rm_and_restore_of_a_manifest_without_entries(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_manifest(project, "e", {"name": "e", "created": "2020-01-01"})
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    snapshot.restore(s, "e", yes=True)
    assert runner.calls == []
    err = capsys.readouterr().err
    assert "  taken 2020-01-01 at commit ?\n" in err
    assert err.endswith("ok restored snapshot 'e'\n")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(DockhandError) as error:
        snapshot.rm(s, "e", yes=False)
    assert error.value.hint == "run `inv snapshot.rm e --yes` to confirm"
    assert f"  {folder} (0 bytes, taken 2020-01-01)\n" in capsys.readouterr().err
    write_manifest(project, "f", {"entries": [{"volume": "v"}]})
    snapshot.rm(s, "f", yes=True)
    assert "(0 bytes, taken None)" in capsys.readouterr().err


def test_restore_puts_every_volume_back_whatever_comes_first(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = saved(project, monkeypatch)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["entries"].reverse()  # the database's first
    (folder / "manifest.json").write_text(json.dumps(manifest))
    runner = a_runner()
    s = a_session(project, monkeypatch, runner)
    monkeypatch.setattr(snapshot, "restore_database", lambda *a, **k: None)
    snapshot.restore(s, "n", yes=True)
    assert "untar" in kinds(runner)


def test_save_is_private_readable_json_and_sweeps_an_old_partial(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial = where(project, ".n.partial")
    partial.mkdir(parents=True)
    (partial / "junk").write_text("left by a killed save")
    folder = saved(project, monkeypatch)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (folder / "manifest.json").read_text().startswith('{\n  "name": "n",\n')
    assert not partial.exists() and not (folder / "junk").exists()


def test_a_failed_dump_names_the_database(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = a_runner(codes={"pg_dump": 1})
    with pytest.raises(DockhandError) as error:
        snapshot.save(a_session(project, monkeypatch, runner), "n")
    assert error.value.message.startswith(
        "pg_dump of database 'appdb' failed with exit code 1"
    )


def test_without_a_database_every_volume_is_archived(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(project, monkeypatch, a_runner(), model={**MODEL, "volumes": {}})
    assert [(v.name, v.database) for v in snapshot._volumes(s)] == [
        ("proj_cache", False),
        ("proj_db-data", True),
    ]
    s.settings = settings.load({"root": str(project), "project": "proj"})
    assert [v.database for v in snapshot._volumes(s)] == [False, False]
