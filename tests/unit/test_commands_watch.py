"""`inv watch`'s pure parts (dockhand.commands.watch): the first line, which
names the path each service is watched by and why, and a changed file as
its rule names it."""

from __future__ import annotations

from pathlib import Path

from dockhand.commands.watch import relative, start_line, synced, where
from dockhand.steps.copier import Rule


def test_the_start_line_names_each_path_and_why() -> None:
    assert start_line(["api", "web"], [], {}) == (
        "watching api, web with Compose's watch (Ctrl-C to stop)"
    )
    getent = 'getent unable to find entry "app" in passwd database'
    assert start_line(["web"], ["api"], {"api": getent}) == (
        "watching web with Compose's watch; api with dockhand's copier: "
        f"Compose's watch fails here ({getent}) (Ctrl-C to stop)"
    )
    assert start_line([], ["api"], {}) == (
        "watching api with dockhand's copier: as --copier asks (Ctrl-C to stop)"
    )


def test_a_changed_file_is_named_below_its_rule(tmp_path: Path) -> None:
    rules = [Rule("api", "sync", tmp_path / "src", "/app")]
    assert relative(str(tmp_path / "src" / "pkg" / "m.py"), rules) == "pkg/m.py"
    assert relative("/elsewhere/x.py", rules) == "x.py"


def test_a_synced_batch_names_what_was_synced_and_deleted(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("")
    rules = [Rule("api", "sync+restart", tmp_path / "src", "/app")]
    paths = [str(tmp_path / "src" / "a.py"), str(tmp_path / "src" / "gone.py")]
    assert synced(rules, paths) == "synced a.py; deleted gone.py; restarting"
    assert synced(rules, []) == "synced; restarting"  # Compose 2.26 names none
    assert where(paths[1], rules) == "/app/gone.py"
    assert where("/elsewhere/x.py", rules) == ""
