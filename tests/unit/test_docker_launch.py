"""VS Code's launch.json as `inv debug` writes it (dockhand.docker.launch):
JSONC read, dockhand's entry merged in by name, every other entry kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.docker import launch
from dockhand.docker.debug import PathMap, Plan
from dockhand.errors import DockhandError

ROOT = Path("/repo")
PY = Plan("api", "python", 5778, None, ("python3",), "python3")
NODE = Plan("ts", "node", 9329, None, ("node",), "node")
MAPS = [PathMap(ROOT / "api" / "pkg", "/app/pkg"), PathMap(Path("/lib"), "/lib")]


def test_jsonc_comments_and_trailing_commas_go_strings_stay() -> None:
    text = """{
      // a comment "with quotes"
      "url": "http://x//y", /* block
      comment */ "glob": "a/*b*/c",
      "list": [1, 2,],
      "escaped": "say \\"//\\"",
    }"""
    assert json.loads(launch.strip_jsonc(text)) == {
        "url": "http://x//y",
        "glob": "a/*b*/c",
        "list": [1, 2],
        "escaped": 'say "//"',
    }
    assert launch.has_comments(text)
    assert not launch.has_comments('{"a": "//"}')


def test_a_missing_file_is_a_new_one_and_a_broken_one_is_refused() -> None:
    assert launch.read("", "x") == {"version": "0.2.0", "configurations": []}
    with pytest.raises(DockhandError, match=r"launch\.json is not JSON"):
        launch.read("{nope", ".vscode/launch.json")
    with pytest.raises(DockhandError, match="no JSON object"):
        launch.read("[]", ".vscode/launch.json")


def test_dockhands_entry_replaces_its_own_and_keeps_every_other() -> None:
    mine = {"name": "mine", "type": "node", "request": "launch"}
    old = {"name": "dockhand: api", "port": 1}
    other = {"name": "dockhand: web", "port": 2}
    current = {
        "version": "0.2.0",
        "compounds": [{"name": "both"}],
        "configurations": [mine, old, other],
    }
    new = {"name": "dockhand: api", "port": 5778}
    assert launch.merged(current, new) == {
        "version": "0.2.0",
        "compounds": [{"name": "both"}],
        "configurations": [mine, new, other],  # in its place
    }
    assert launch.merged({"configurations": [mine]}, new)["configurations"] == [
        mine,
        new,
    ]
    twice = launch.merged({"configurations": [old, mine, old]}, new)
    assert twice["configurations"] == [new, mine]
    assert launch.merged({}, new) == {"version": "0.2.0", "configurations": [new]}


def test_the_python_entry_attaches_with_every_mapping() -> None:
    assert launch.configuration(PY, MAPS, ROOT) == {
        "name": "dockhand: api",
        "type": "debugpy",
        "request": "attach",
        "connect": {"host": "127.0.0.1", "port": 5778},
        "pathMappings": [
            {"localRoot": "${workspaceFolder}/api/pkg", "remoteRoot": "/app/pkg"},
            {"localRoot": "/lib", "remoteRoot": "/lib"},
        ],
        "justMyCode": True,
    }


def test_the_node_entry_takes_the_most_specific_mapping() -> None:
    entry = launch.configuration(NODE, MAPS, ROOT)
    assert entry == {
        "name": "dockhand: ts",
        "type": "node",
        "request": "attach",
        "address": "127.0.0.1",
        "port": 9329,
        "restart": True,
        "localRoot": "${workspaceFolder}/api/pkg",
        "remoteRoot": "/app/pkg",
    }
    assert "localRoot" not in launch.configuration(NODE, [], ROOT)
    assert launch.render({"a": 1}) == '{\n  "a": 1\n}\n'
