"""`inv watch` on the real engine, by both paths (Compose's own watch where
the probe finds it syncs into the service's user, dockhand's copier where
it does not or with --copier): a saved source change served by the running
backend (USER by name) and backend-ts (USER by number) without a rebuild,
the synced files owned by the service's user, a file deleted in the tree
deleted in the container, `inv ps` judging what the container runs, and
`inv up` keeping the change when it rebuilds. And the probe itself.

A copy of the reference stack, so its sources can be changed.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from harness import Stack, Stacks, output, wait_for

from dockhand.docker import sync_probe
from dockhand.docker.process import Runner

COPIED = (
    "docker-compose.yml",
    "docker-compose.watch.yml",
    ".env.example",
    "invoke.yaml",
    "tasks.py",
)


@pytest.fixture(scope="module")
def stack(base_image: None, module_stacks: Stacks) -> Stack:
    # Its own cache folder: what the test sees is not another run's record.
    return module_stacks.copy(COPIED, ("up",), own_cache=True)


def get(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return str(r.read().decode())
    except (urllib.error.URLError, OSError):
        return ""


def served_after(port: int, path: str, marker: str, change: Path, text: str) -> float:
    """Save `text` to `change`; seconds until `path` answers with `marker`."""
    start = time.monotonic()
    change.write_text(text)
    wait_for(lambda: marker in get(port, path), timeout=60, what=f"{marker} at {path}")
    return time.monotonic() - start


# `inv watch` as it is run: the probe chooses, or the copier is asked for.
PATHS = {"probe": ("watch",), "copier": ("watch", "--copier")}


def engine_version() -> str:
    return subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True, text=True, timeout=30, check=False,
    ).stdout.strip()  # fmt: skip


@contextmanager
def watching(stack: Stack, path: str) -> Iterator[Path]:
    """`inv watch` running (by `path`), its output in the file yielded; at
    the end stopped by Ctrl-C, which it answers with 130 and no traceback."""
    log = stack.root / f"watch-{path}.log"
    with log.open("w") as out:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "invoke", *PATHS[path]],
            cwd=stack.root, env=stack.env(), stdout=out, stderr=out,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        wait_for(
            lambda: "ok watching" in log.read_text(), timeout=120, what="inv watch"
        )
        yield log
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(timeout=60)
    assert code == 130, log.read_text()
    assert "Traceback" not in log.read_text()


def start_line(log: Path) -> str:
    return next(line for line in log.read_text().splitlines() if "ok watching" in line)


@pytest.mark.parametrize("path", list(PATHS))
def test_a_saved_change_is_served_live_and_kept(
    stack: Stack, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with watching(stack, path) as log:
        first = start_line(log)
        if path == "copier":
            assert (
                "backend, backend-ts with dockhand's copier: as --copier asks" in first
            )
        else:
            assert (
                "with Compose's watch" in first or "Compose's watch fails here" in first
            )
        main = stack.root / "services" / "backend" / "app" / "main.py"
        py = secrets.token_hex(4)
        py_text = main.read_text() + (
            f'\n@app.get("/watch-{py}")\ndef watch_{py}() -> str:\n    return "{py}"\n'
        )
        py_seconds = served_after(
            stack.port("BACKEND_PORT"), f"/watch-{py}", py, main, py_text
        )
        server = stack.root / "services" / "backend-ts" / "server.js"
        ts = secrets.token_hex(4)
        ts_text = server.read_text().replace(
            "  } else {\n    send(res, 404",
            f"  }} else if (req.url === '/api/watch-{ts}') {{\n    send(res, 200, {{ m: '{ts}' }});\n"
            "  } else {\n    send(res, 404",
        )
        assert ts in ts_text
        ts_seconds = served_after(
            stack.port("BACKEND_TS_PORT"), f"/api/watch-{ts}", ts, server, ts_text
        )
        with capsys.disabled():
            print(
                f"\n{path} ({first.split(' (Ctrl-C')[0]}): save-to-serve: "
                f"backend {py_seconds:.2f} s, backend-ts {ts_seconds:.2f} s"
            )
        assert py_seconds < 20 and ts_seconds < 20, (py_seconds, ts_seconds)
        # Each service said what it did, and that it was updated.
        wait_for(
            lambda: "ok backend-ts updated in" in log.read_text(), what="the ok line"
        )

    with capsys.disabled():
        print(log.read_text())
    owners = stack.compose(
        "exec", "-T", "backend", "stat", "-c", "%u", "/app/app/main.py"
    ).stdout.strip()
    assert owners == "1000", log.read_text()  # the service's user, not root
    ts_owner = stack.compose(
        "exec", "-T", "backend-ts", "stat", "-c", "%u", "/app/server.js"
    ).stdout.strip()
    assert ts_owner == "1001"

    # The containers run the working tree: not stale, though their images are.
    ps = stack.inv("ps")
    assert "is stale" not in ps.stderr, output(ps)
    # `inv up` rebuilds the older images; the recreated containers keep the code.
    up = stack.inv("up")
    assert up.returncode == 0, output(up)
    assert "backend is stale" in up.stderr and "rebuilding" in up.stderr, output(up)
    assert py in get(stack.port("BACKEND_PORT"), f"/watch-{py}")
    assert ts in get(stack.port("BACKEND_TS_PORT"), f"/api/watch-{ts}")


def there(stack: Stack, inside: str) -> str:
    """ "there" or "gone" (anything else: the container was restarting)."""
    return stack.compose(
        "exec", "-T", "backend-ts", "sh", "-c",
        f"if test -e {inside}; then echo there; else echo gone; fi",
    ).stdout.strip()  # fmt: skip


@pytest.mark.parametrize("path", list(PATHS))
def test_a_file_deleted_in_the_tree_is_deleted_in_the_container(
    stack: Stack, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"deleted-{secrets.token_hex(4)}.txt"
    made = stack.root / "services" / "backend-ts" / name
    with watching(stack, path) as log:
        made.write_text("soon gone\n")
        wait_for(lambda: there(stack, f"/app/{name}") == "there", what=f"{name} synced")
        made.unlink()
        wait_for(lambda: there(stack, f"/app/{name}") == "gone", what=f"{name} deleted")
        wait_for(lambda: f"deleted {name}" in log.read_text(), what="the deleted line")
        # ... and restarted after it (Compose stops before its restart when
        # its own delete is refused: dockhand restarts it then).
        wait_for(
            lambda: log.read_text().count("ok backend-ts updated in") == 2,
            what="the second ok line",
        )
    # Compose's refused `rm` (dockhand deleted the file as root) is not shown.
    assert "Permission denied" not in log.read_text()
    with capsys.disabled():  # what the user saw, in the test's output
        print(f"\n{log.read_text()}")


def test_the_probe_finds_whether_compose_can_sync_into_a_user(
    base_image: None,
) -> None:
    """A real test of the engine: root always works; a user that exists in
    no passwd file, by number, fails on 20.10, which looks the container's
    user up on the host (moby#34142)."""
    image = "debian:bookworm-slim"
    assert sync_probe.run(Runner(), image, "", (0, 0)).works
    nobody = sync_probe.run(Runner(), image, "4242", (4242, 0))
    if engine_version().startswith("20.10"):
        assert not nobody.works
        assert 'getent unable to find entry "4242"' in nobody.why
    else:  # Engine 28 looks the user up in the container: uid 4242, group root
        assert nobody.works, nobody.why
    leftovers = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=dockhand.watch-probe"],
        capture_output=True, text=True, timeout=30, check=False,
    ).stdout.split()  # fmt: skip
    assert leftovers == []


def test_the_start_line_says_which_path_and_why(stack: Stack) -> None:
    """On 20.10 the probe finds Compose's watch fails for both services (each
    runs as a user the host does not have), and says so in the first line;
    on Engine 28 Compose's watch serves both."""
    with watching(stack, "probe") as log:
        first = start_line(log)
    if engine_version().startswith("20.10"):
        assert (
            "backend, backend-ts with dockhand's copier: Compose's watch fails here"
            in first
        )
        assert "getent unable to find entry" in first
    else:
        assert "watching backend, backend-ts with Compose's watch (Ctrl-C" in first
