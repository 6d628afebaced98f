"""Shared by test_db.py and test_data_safety.py: ways to put rows in the
reference stack and to look at them that do not go through dockhand."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
import urllib.error
import urllib.request

from harness import Stack, output, sql

# --- the backend's API ---------------------------------------------------------


def _request(stack: Stack, method: str, path: str, body: object = None) -> object:
    url = f"http://127.0.0.1:{stack.port('BACKEND_PORT')}{path}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json"}
    )
    last: Exception | None = None
    for _ in range(10):  # a pooled connection the restore cut may fail once
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError) as exc:
            last = exc
            time.sleep(0.5)
    raise AssertionError(f"{method} {path} kept failing: {last}")


def post_item(stack: Stack, name: str) -> dict[str, object]:
    created = _request(stack, "POST", "/items", {"name": name})
    assert isinstance(created, dict) and created["name"] == name, created
    return created


def api_names(stack: Stack) -> list[str]:
    """The item names as the backend serves them, in id order."""
    items = _request(stack, "GET", "/items")
    assert isinstance(items, list), items
    return [str(item["name"]) for item in sorted(items, key=lambda i: i["id"])]


# --- straight to PostgreSQL, past dockhand ---------------------------------------


def rows(stack: Stack) -> list[str]:
    """Every row of `items`, as id|name|created_at, in id order."""
    return sql(stack, "SELECT id, name, created_at FROM items ORDER BY id").splitlines()


def databases(stack: Stack) -> set[str]:
    return set(sql(stack, "SELECT datname FROM pg_database", "postgres").split())


def restore_command(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The words after `inv` of the line `inv db.backup` printed to restore."""
    for line in result.stderr.splitlines():
        if line.startswith("restore it with: "):
            words = shlex.split(line.removeprefix("restore it with: "))
            assert words[0] == "inv", line
            return words[1:]
    raise AssertionError(f"no restore command printed\n{output(result)}")
