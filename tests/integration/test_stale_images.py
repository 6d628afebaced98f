"""Stale images on the real engine: a change to a service's sources is named
by `inv ps` and `inv restart`, rebuilt and served by `inv up`; an unchanged
stack is not rebuilt; `--no-build` and an image built without dockhand.

One copy of the reference stack (its own folder, project and ports), so the
sources can be changed without touching the repository's.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import harness
import pytest
from harness import Stack, Stacks, output, ps

COPIED = ("docker-compose.yml", ".env.example", "invoke.yaml", "tasks.py")
MAIN = Path("services/backend/app/main.py")
LABEL = "io.dockhand.sources"


@pytest.fixture
def stack(base_image: None, stacks: Stacks) -> Stack:
    """A started copy of its own for each test (each changes its sources),
    with its own cache folder: what the test sees is no other's record."""
    return stacks.copy(COPIED, ("up",), own_cache=True)


def image_id(stack: Stack, service: str) -> str:
    """The id of the image Compose built for `service`, or ""."""
    return harness.image_id(f"{stack.project}-{service}")


def container_ids(stack: Stack) -> dict[str, str]:
    rows = ps(stack).values()
    return {row["service"]: row["container"] for row in rows} | {
        f"{row['service']} started": row.get("started_at", "") for row in rows
    }


def probe(stack: Stack) -> tuple[int, str]:
    url = f"http://127.0.0.1:{stack.port('BACKEND_PORT')}/stale-probe"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def add_probe(stack: Stack, marker: str) -> str:
    """Serve `marker` (made unique: a build of content the engine built
    before would be a cache hit, with that build's time) at /stale-probe."""
    marker = f"{marker}-{secrets.token_hex(4)}"
    path = stack.root / MAIN
    text = path.read_text().split("\n# stale-probe\n")[0]
    path.write_text(
        text + f'\n# stale-probe\n@app.get("/stale-probe")\ndef stale_probe() -> str:\n'
        f"    return {marker!r}\n"
    )
    return f'"{marker}"'


def test_a_source_change_is_named_rebuilt_and_served(stack: Stack) -> None:
    first = stack.inv("up", timeout=1200)
    assert first.returncode == 0, output(first)
    labels = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}",
         f"{stack.project}-backend"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert json.loads(labels)[LABEL].startswith("sha256:")

    # Unchanged: nothing named, nothing rebuilt, no container recreated.
    before = {s: image_id(stack, s) for s in ("backend", "backend-ts")}
    running = container_ids(stack)
    again = stack.inv("up")
    assert again.returncode == 0, output(again)
    assert "stale" not in again.stderr, output(again)
    assert "Building" not in again.stdout + again.stderr, output(again)
    assert {s: image_id(stack, s) for s in before} == before
    assert container_ids(stack) == running
    assert probe(stack)[0] == 404

    one = add_probe(stack, "one")
    ps = stack.inv("ps")
    assert ps.returncode == 0, output(ps)
    assert f"backend is stale: {MAIN} changed" in ps.stderr, output(ps)
    assert "backend-ts is stale" not in ps.stderr, output(ps)
    restart = stack.inv("restart", "backend")
    assert restart.returncode == 0, output(restart)
    assert f"backend is stale: {MAIN} changed" in restart.stderr, output(restart)
    assert probe(stack)[0] == 404  # a restart keeps the old image

    kept = stack.inv("up", "--no-build")
    assert kept.returncode == 0, output(kept)
    assert f"backend is stale: {MAIN} changed" in kept.stderr, output(kept)
    assert image_id(stack, "backend") == before["backend"]
    assert probe(stack)[0] == 404

    rebuilt = stack.inv("up")
    assert rebuilt.returncode == 0, output(rebuilt)
    assert f"backend is stale: {MAIN} changed; rebuilding" in rebuilt.stderr
    assert image_id(stack, "backend") != before["backend"]
    assert image_id(stack, "backend-ts") == before["backend-ts"]
    assert probe(stack) == (200, one)

    settled = stack.inv("ps")
    assert "stale" not in settled.stderr, output(settled)


def test_an_image_built_without_dockhand_is_judged_by_time(stack: Stack) -> None:
    two = add_probe(stack, "two")
    built = stack.compose("build", "backend")  # plain Compose: no label
    assert built.returncode == 0, built.stderr
    assert probe(stack) != (200, two)
    fresh = stack.inv("up")  # nothing newer than the image: kept
    assert fresh.returncode == 0, output(fresh)
    assert "backend is stale" not in fresh.stderr, output(fresh)
    assert probe(stack) == (200, two)

    three = add_probe(stack, "three")
    newer = stack.inv("up")
    assert newer.returncode == 0, output(newer)
    assert f"backend is stale: {MAIN} newer than its image; rebuilding" in newer.stderr
    assert probe(stack) == (200, three)


def test_the_setting_turns_the_rebuild_into_a_warning(stack: Stack) -> None:
    four = add_probe(stack, "four")
    stack.extra_env["INVOKE_DOCKHAND_STALE_IMAGES"] = "warn"
    try:
        warned = stack.inv("up")
    finally:
        del stack.extra_env["INVOKE_DOCKHAND_STALE_IMAGES"]
    assert warned.returncode == 0, output(warned)
    assert "`inv up --build` rebuilds it" in warned.stderr, output(warned)
    assert probe(stack) != (200, four)
    both = stack.inv("up", "--build", "--no-build")
    assert both.returncode != 0
    assert "contradict" in both.stderr and "Traceback" not in both.stderr
