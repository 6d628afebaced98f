"""Whole-stack snapshots on the real engine: db rows and Redis keys saved,
changed, and put back by `inv snapshot.restore`; a restore refused without
a terminal or --yes; a damaged snapshot changes nothing; list and rm."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import Stack, Stacks, output, sql


@pytest.fixture(scope="module")
def stack(base_image: None, module_stacks: Stacks) -> Stack:
    stack = module_stacks.reference(("up",), ("migrate",))
    # A checkout of its own, so the commit a snapshot records can be checked.
    for args in (
        ("init", "-q"),
        ("add", "-A"),
        ("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "the stack"),
    ):
        subprocess.run(["git", "-C", str(stack.root), *args], check=True)
    return stack


def rows(stack: Stack) -> str:
    return sql(stack, "SELECT id, name FROM items ORDER BY id")


def redis(stack: Stack, *args: str) -> str:
    result = stack.compose("exec", "-T", "redis", "redis-cli", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def state(stack: Stack) -> tuple[str, str]:
    return rows(stack), redis(stack, "get", "k")


def test_db_and_redis_are_put_back_after_both_changed(stack: Stack) -> None:
    sql(stack, "INSERT INTO items (name) VALUES ('alpha'), ('beta')")
    redis(stack, "set", "k", "before")
    saved_state = state(stack)

    saved = stack.inv("snapshot.save", "one")
    assert saved.returncode == 0, output(saved)
    assert "saved snapshot 'one': 2 volumes" in saved.stderr, output(saved)
    listed = stack.inv("snapshot.list", "--json")
    assert listed.returncode == 0, output(listed)
    # The module's other test may have saved one before, in a shuffled run.
    (entry,) = [e for e in json.loads(listed.stdout) if e["name"] == "one"]
    assert {e["volume"] for e in entry["entries"]} == {
        f"{stack.project}_db-data",
        f"{stack.project}_redis-data",
    }
    assert all(e["size"] > 0 for e in entry["entries"])
    head = subprocess.run(
        ["git", "-C", str(stack.root), "rev-parse", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert entry["git_commit"] == head
    assert any("0001" in " ".join(v) for v in entry["migrations"].values()), entry

    sql(stack, "DELETE FROM items WHERE name = 'alpha'")
    sql(stack, "INSERT INTO items (name) VALUES ('gamma')")
    redis(stack, "set", "k", "after")
    changed = state(stack)
    assert changed != saved_state

    refused = stack.inv("snapshot.restore", "one")
    assert refused.returncode == 1, output(refused)
    assert "without a terminal" in refused.stderr
    assert state(stack) == changed

    restored = stack.inv("snapshot.restore", "one", "--yes", timeout=600)
    assert restored.returncode == 0, output(restored)
    assert state(stack) == saved_state


def test_a_damaged_snapshot_changes_nothing(stack: Stack) -> None:
    saved = stack.inv("snapshot.save", "good")
    assert saved.returncode == 0, output(saved)
    where = stack.root / "snapshots" / stack.project
    shutil.copytree(where / "good", where / "bad")
    manifest = json.loads((where / "bad" / "manifest.json").read_text())
    manifest["name"] = "bad"
    (where / "bad" / "manifest.json").write_text(json.dumps(manifest))
    tar = where / "bad" / f"{stack.project}_redis-data.tar"
    tar.write_bytes(tar.read_bytes()[:100])

    redis(stack, "set", "k", "third")
    sql(stack, "INSERT INTO items (name) VALUES ('delta')")
    now = state(stack)
    result = stack.inv("snapshot.restore", "bad", "--yes")
    assert result.returncode == 1, output(result)
    assert "nothing was changed" in result.stderr, output(result)
    assert "Traceback" not in result.stderr
    assert state(stack) == now

    for args, message in [
        (("snapshot.restore", "nope", "--yes"), "no snapshot 'nope'"),
        (("snapshot.save", "good"), "a snapshot named 'good' exists already"),
        (("snapshot.save", "../x"), "is not a snapshot name"),
        (("snapshot.rm", "bad"), "without a terminal"),
    ]:
        bad = stack.inv(*args)
        assert bad.returncode == 1, output(bad)
        assert message in bad.stderr, output(bad)
    assert (where / "bad").is_dir()
    removed = stack.inv("snapshot.rm", "bad", "--yes")
    assert removed.returncode == 0, output(removed)
    assert not (where / "bad").exists()
    assert isinstance(where, Path)
