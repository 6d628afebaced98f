"""The copier's pure parts: the develop.watch rules, what changed, and the
archive whose entries carry the container user's ids (dockhand.steps.copier)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from dockhand.docker.model import parse
from dockhand.steps import copier as watch
from dockhand.steps.copier import Rule

MODEL = {
    "services": {
        "api": {
            "develop": {
                "watch": [
                    {"action": "sync+restart", "path": "/src/api", "target": "/app",
                     "ignore": ["tests/"]},
                    {"action": "rebuild", "path": "/src/api/Dockerfile"},
                ]
            }
        },
        "db": {},
    }
}  # fmt: skip


def test_rules_of_the_services_named() -> None:
    rules = watch.rules_of(parse(MODEL), [])
    assert rules == [
        Rule("api", "sync+restart", Path("/src/api"), "/app", ("tests/",)),
        Rule("api", "rebuild", Path("/src/api/Dockerfile"), None),
    ]
    assert watch.rules_of(parse(MODEL), ["db"]) == []


def test_changed_is_what_was_added_or_changed() -> None:
    old = {"a.py": (1, 2, 3), "b.py": (1, 2, 3), "gone.py": (1, 1, 1)}
    new = {"a.py": (1, 2, 3), "b.py": (1, 2, 4), "c.py": (5, 5, 5)}
    assert watch.changed(old, new) == ["b.py", "c.py"]


def test_the_stamps_leave_out_ignored_files(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_text("")
    (tmp_path / "main.py").write_text("")
    rule = Rule("api", "sync", tmp_path, "/app", ("tests/",))
    assert list(watch.stamps(rule)) == ["main.py"]


def test_the_archive_puts_files_at_the_target_owned_by_the_user(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "m.py").chmod(0o640)
    out = io.BytesIO()
    watch.archive(Rule("api", "sync", tmp_path, "/app/"), ["pkg/m.py"], 1001, 1001, out)
    out.seek(0)
    with tarfile.open(fileobj=out) as tar:
        (member,) = tar.getmembers()
        assert member.name == "app/pkg/m.py"
        assert (member.uid, member.gid, member.uname) == (1001, 1001, "")
        assert member.mode & 0o777 == 0o640
        assert tar.extractfile(member).read() == b"x = 1\n"  # type: ignore[union-attr]


def test_removed_is_what_is_gone() -> None:
    old = {"a.py": (1, 2, 3), "gone.py": (1, 1, 1)}
    assert watch.removed(old, {"a.py": (1, 2, 4)}) == ["gone.py"]


def test_inside_is_the_files_place_in_the_container() -> None:
    assert watch.inside(Rule("api", "sync", Path("/s"), "/app/"), "m.py") == "/app/m.py"
    assert watch.inside(Rule("api", "sync", Path("/s/f"), "/app/f"), "") == "/app/f"
