"""`inv watch` on the real engine: a saved source change served by the
running backend (USER by name) and backend-ts (USER by number) without a
rebuild, the synced files owned by the service's user, `inv ps` judging
what the container runs, and `inv up` keeping the change when it rebuilds.

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
from pathlib import Path

import pytest
from harness import Stack, Stacks, output, wait_for

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


def test_a_saved_change_is_served_live_and_kept(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    log = stack.root / "watch.log"
    with log.open("w") as out:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "invoke", "watch"],
            cwd=stack.root, env=stack.env(), stdout=out, stderr=out,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        wait_for(lambda: "ok watching" in log.read_text(), timeout=60, what="inv watch")
        main = stack.root / "services" / "backend" / "app" / "main.py"
        py = secrets.token_hex(4)
        py_text = main.read_text() + (
            f'\n@app.get("/watch-probe")\ndef watch_probe() -> str:\n    return "{py}"\n'
        )
        py_seconds = served_after(
            stack.port("BACKEND_PORT"), "/watch-probe", py, main, py_text
        )
        server = stack.root / "services" / "backend-ts" / "server.js"
        ts = secrets.token_hex(4)
        ts_text = server.read_text().replace(
            "  } else {\n    send(res, 404",
            f"  }} else if (req.url === '/api/watch-probe') {{\n    send(res, 200, {{ m: '{ts}' }});\n"
            "  } else {\n    send(res, 404",
        )
        assert ts in ts_text
        ts_seconds = served_after(
            stack.port("BACKEND_TS_PORT"), "/api/watch-probe", ts, server, ts_text
        )
        with capsys.disabled():
            print(
                f"\nsave-to-serve: backend {py_seconds:.2f} s, backend-ts {ts_seconds:.2f} s"
            )
        assert py_seconds < 20 and ts_seconds < 20, (py_seconds, ts_seconds)
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(timeout=60)
    assert code == 130, log.read_text()
    assert "Traceback" not in log.read_text()

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
    assert py in get(stack.port("BACKEND_PORT"), "/watch-probe")
    assert ts in get(stack.port("BACKEND_TS_PORT"), "/api/watch-probe")
