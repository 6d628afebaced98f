"""`inv debug`'s files (dockhand.steps.debugging): the override in the
cache folder, one folder per project, removed by `inv up` for the
services it starts; launch.json merged, a commented one kept beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.config.settings import load
from dockhand.steps import debugging


def test_the_override_is_the_projects_and_up_forgets_what_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKHAND_CACHE_DIR", str(tmp_path / "cache"))
    settings = load({"root": str(tmp_path), "project": "p"})
    api = debugging.override_path(settings, "api")
    web = debugging.override_path(settings, "web")
    assert api == tmp_path / "cache" / "debug" / "p" / "api.yml"
    other = load({"root": str(tmp_path), "project": "p-api"})
    assert debugging.override_path(other, "x").parent != api.parent
    debugging.write(
        api, '# x\n{"services": {"api": {"ports": ["127.0.0.1:5778:5678"]}}}'
    )
    debugging.write(web, "# y\n{}")
    debugging.write(debugging.override_path(other, "x"), "# z\n{}")
    assert debugging.written_port(settings, "api") == 5778
    assert debugging.written_port(settings, "db") is None
    debugging.forget(settings, ["web", "db"])
    assert api.exists() and not web.exists()
    debugging.forget(settings, [])  # every service
    assert not api.exists() and not api.parent.exists()  # nothing left behind
    assert debugging.override_path(other, "x").exists()  # another project's
    debugging.remove(api)  # already gone: nothing to do
    debugging.forget(load({"root": str(tmp_path / "none"), "project": "p"}), [])


def test_launch_json_is_merged_and_a_commented_one_kept(tmp_path: Path) -> None:
    path = tmp_path / ".vscode" / "launch.json"
    entry = {"name": "dockhand: api", "port": 1}
    assert debugging.write_launch(tmp_path, entry) == path
    assert json.loads(path.read_text())["configurations"] == [entry]
    original = '{\n  // mine\n  "configurations": [{"name": "mine"},],\n}\n'
    path.write_text(original)
    debugging.write_launch(tmp_path, entry)
    assert json.loads(path.read_text())["configurations"] == [{"name": "mine"}, entry]
    assert (path.parent / "launch.json.bak").read_text() == original
