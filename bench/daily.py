"""The daily commands against a bare Invoke task doing the same Compose work.

    .venv/bin/python bench/daily.py [--rounds N]

On a running reference stack of its own, each pair runs in turn (dockhand,
then the bare task in bench/bare/tasks.py that runs just the Compose
command), N rounds; prints the medians, the difference per pair (median of
the pairwise differences, in ms) and the ratio, for docs/performance.md.
Needs the engine, the base image and the reference stack's images.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import tempfile
from pathlib import Path

from run import BENCH, INV, REPO, reference_env, run

# (what is measured, dockhand's arguments, the bare task's arguments)
PAIRS: list[tuple[str, list[str], list[str]]] = [
    ("`inv --list`", ["--list"], ["--list"]),
    ("`inv ps`", ["ps"], ["ps"]),
    ("`inv logs backend --tail 5`", ["logs", "backend", "--tail", "5"], ["logs", "backend"]),
    (
        "`inv shell backend -c true`",
        ["shell", "backend", "-c", "true"],
        ["shell", "backend", "true"],
    ),
    ("`inv up` (already up)", ["up"], ["up"]),
    ("`inv restart backend`", ["restart", "backend"], ["restart", "backend"]),
    ("`inv migrate --status`", ["migrate", "--status"], ["migrate-status"]),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("-k", default="", help="only the measures containing this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(args.rounds, Path(folder), args.k)


def measure(n: int, tmp: Path, only: str) -> None:
    project = f"bench-{secrets.token_hex(3)}"
    env_path = reference_env(tmp / f"{project}.env")
    compose = [
        *("docker", "compose", "-p", project),
        *("-f", str(REPO / "docker-compose.yml"), "--env-file", str(env_path)),
    ]
    env = {
        **os.environ,
        "INVOKE_DOCKHAND_PROJECT": project,
        "INVOKE_DOCKHAND_ENV_FILE": str(env_path),
        "BENCH_COMPOSE": json.dumps(compose),
        "NO_COLOR": "1",
    }
    rows = []
    try:
        subprocess.run([*compose, "up", "-d", "--wait", "--build"], check=True)
        run([*INV, "migrate"], REPO, env)
        for name, ours, bare in PAIRS:
            if only not in name:
                continue
            mine: list[float] = []
            floor: list[float] = []
            for _ in range(n):
                mine.append(run([*INV, *ours], REPO, env)[0])
                floor.append(run([*INV, *bare], BENCH / "bare", env)[0])
            extra = statistics.median(a - b for a, b in zip(mine, floor, strict=True))
            rows.append(
                (name, statistics.median(mine), statistics.median(floor), extra)
            )
    finally:
        # Its images too: every round builds under a project name of its own.
        down = [*compose, "down", "-v", "--rmi", "local", "-t", "2"]
        subprocess.run(down, capture_output=True)
    print(
        f"| command ({n} pairs, median) | dockhand | bare Invoke + Compose | extra | ratio |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, ours, theirs, extra in rows:
        print(
            f"| {name} | {ours:.3f} s | {theirs:.3f} s | {extra * 1000:+.0f} ms "
            f"| {ours / theirs:.2f}x |"
        )


if __name__ == "__main__":
    main()
