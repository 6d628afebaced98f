"""What the stale-image check adds to `inv up` of an unchanged stack.

    .venv/bin/python bench/stale.py [--rounds N] [--files N]

1. On a running reference stack of its own (images built by `inv up`, so
   labelled), `inv up` with the check (the default, stale_images=rebuild)
   and without it (INVOKE_DOCKHAND_STALE_IMAGES=off), in turn, N rounds:
   the medians and the median of the pairwise differences.
2. In process: reading the sources of a synthetic build context of
   --files files, cold (no cache), warm (every hash remembered), and after
   one file changed. For docs/performance.md.
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

from run import INV, REPO, reference_env, run

sys.path.insert(0, str(REPO / "src"))

from dockhand.checks.compose_model import Build
from dockhand.steps import sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--files", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        up_overhead(args.rounds, Path(folder))
        context_sizes(args.files, Path(folder))


def up_overhead(n: int, tmp: Path) -> None:
    project = f"bench-{secrets.token_hex(3)}"
    env_path = reference_env(tmp / f"{project}.env")
    env = {
        **os.environ,
        "INVOKE_DOCKHAND_PROJECT": project,
        "INVOKE_DOCKHAND_ENV_FILE": str(env_path),
        "DOCKHAND_CACHE_DIR": str(tmp / "cache"),
        "NO_COLOR": "1",
    }
    off = {**env, "INVOKE_DOCKHAND_STALE_IMAGES": "off"}
    try:
        subprocess.run([*INV, "up"], cwd=REPO, env=env, check=True)
        run([*INV, "up"], REPO, env)  # every hash remembered from here on
        inside = find_times(n, project, env_path, tmp / "cache")
        checked: list[float] = []
        unchecked: list[float] = []
        for i in range(n):  # in turn, each first every other round
            pair = [(checked, env), (unchecked, off)]
            for times, variables in pair if i % 2 == 0 else pair[::-1]:
                times.append(run([*INV, "up"], REPO, variables)[0])
    finally:
        subprocess.run(
            [*INV, "down", "--volumes", "--yes"], cwd=REPO, env=env, capture_output=True
        )
        images = [f"{project}-{s}" for s in ("db", "redis", "backend", "backend-ts")]
        subprocess.run(
            ["docker", "image", "rm", "--no-prune", *images], capture_output=True
        )
    extra = statistics.median(a - b for a, b in zip(checked, unchecked, strict=True))
    print(f"| `inv up`, unchanged stack ({n} pairs, median) | seconds |")
    print("| --- | ---: |")
    print(
        f"| with the check (stale_images: rebuild) | {statistics.median(checked):.3f} |"
    )
    print(f"| without it (stale_images: off) | {statistics.median(unchecked):.3f} |")
    print(
        f"| the check adds (median of pairwise differences) | {extra * 1000:+.0f} ms |"
    )
    print(f"| the check itself, in process (median of {n}) | {inside * 1000:.0f} ms |")


def find_times(n: int, project: str, env_path: Path, cache: Path) -> float:
    """The check alone (ops.stale.find), each time in a new session: the
    remembered model, each context's sources, one `docker image inspect`."""
    from dockhand.config import settings
    from dockhand.docker.process import Runner
    from dockhand.session import Session
    from dockhand.steps import stale

    os.environ["DOCKHAND_CACHE_DIR"] = str(cache)
    loaded = settings.load(
        {"root": str(REPO), "project": project, "env_file": str(env_path)}
    )
    times = []
    for _ in range(n):
        start = time.perf_counter()
        found, _ = stale.find(Session(loaded, Runner()), [])
        times.append(time.perf_counter() - start)
        assert not found, found
    return statistics.median(times)


def context_sizes(files: int, tmp: Path) -> None:
    context = tmp / "context"
    for i in range(files):
        path = context / f"pkg{i // 500}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"value = {i}\n" * 20)
        os.utime(path, (time.time() - 60, time.time() - 60))
    (context / ".dockerignore").write_text("**/__pycache__\n*.md\n")
    build = Build(context, context / "Dockerfile", None, {})
    cache = tmp / "hashes"

    def timed() -> float:
        start = time.perf_counter()
        sources.read(build, cache, tmp)
        return time.perf_counter() - start

    sources.RACY_SECONDS = -1.0  # the files were written just now
    cold = timed()
    warm = statistics.median(timed() for _ in range(5))
    (context / "pkg0" / "mod0.py").write_text("value = -1\n")
    one = timed()
    print(f"\n| reading the sources of {files} files | ms |")
    print("| --- | ---: |")
    print(f"| cold (nothing remembered) | {cold * 1000:.0f} |")
    print(f"| warm (every hash remembered, median of 5) | {warm * 1000:.0f} |")
    print(f"| one file changed | {one * 1000:.0f} |")


if __name__ == "__main__":
    main()
