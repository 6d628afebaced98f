"""How many crash loops `inv up` catches, out of N tries each.

    python bench/crashloops.py [--tries N] [--src PATH]

Starts the `crashloop` service of tests/integration/projects/crashloop (exits
5 a given number of seconds after each start, under `restart: always`) in a
fresh Compose project per try, and counts the tries where `inv up` failed
naming the loop. `--src` runs another checkout's dockhand (e.g. an older
commit's `src/`), to compare. Needs the engine and the base image.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "tests" / "integration" / "projects" / "crashloop"
DELAYS = ("0", "1", "2", "3", "5")


def attempt(delay: str, src: Path, folder: Path) -> tuple[bool, float, str]:
    """One `inv up crashloop`: caught?, seconds, the error line."""
    name = f"bench-crash-{secrets.token_hex(4)}"
    env_file = folder / f"{name}.env"
    env_file.write_text("BASE_IMAGE=debian:bookworm-slim\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")},
        "INVOKE_DOCKHAND_PROJECT": name,
        "INVOKE_DOCKHAND_ENV_FILE": str(env_file),
        "PYTHONPATH": str(src),
        "CRASH_AFTER": delay,
        "NO_COLOR": "1",
    }
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "up", "crashloop", "--timeout", "60"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - start
    down = ["docker", "compose", "-p", name, "-f", str(PROJECT / "compose.yaml")]
    subprocess.run([*down, "down", "--timeout", "0"], capture_output=True, check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return result.returncode != 0, seconds, errors[0] if errors else "(exit 0)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    parser.add_argument("--src", type=Path, default=REPO / "src")
    parser.add_argument("--delays", nargs="*", default=list(DELAYS))
    args = parser.parse_args()
    print(
        "| crash after | caught | seconds to the verdict (median) | error line (last try) |"
    )
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for delay in args.delays:
            runs = [attempt(delay, args.src, Path(folder)) for _ in range(args.tries)]
            caught = sum(ok for ok, _, _ in runs)
            median = statistics.median(seconds for _, seconds, _ in runs)
            print(
                f"| {delay} s | {caught}/{args.tries} | {median:.1f} | {runs[-1][2]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
