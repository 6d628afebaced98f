"""The daily commands against a bare Invoke task doing the same Compose work.

    .venv/bin/python bench/daily.py [--rounds N] [-k up -k restart] [--before TREE]

On a running reference stack of its own, each pair runs in turn (dockhand,
then the bare task in bench/bare/tasks.py that runs just the Compose
command), N rounds; prints the medians, the difference per pair (median of
the pairwise differences, in ms) and the ratio, for docs/performance.md.
`-k WORD` (repeatable) measures only the commands whose name contains one
of the words. With `--before TREE` (another checkout, e.g. `git archive
main | tar -x -C TREE`) each round also runs that tree's dockhand, just
before this one's, against the same bare task, so load hits all three alike.
`--pyc` lets Python write its bytecode (.pyc) for the runs, as it does on a
user's machine after the first run: an environment with
PYTHONDONTWRITEBYTECODE=1 (this project's sessions have it) and no
__pycache__ compiles every module on every run, dockhand's more than the
bare project's. Needs the engine, the base image and the reference stack's
images.
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

# Measured only when asked by name (-k window): what the stability window
# (a service is ready once up this long, counted from its start) costs.
WINDOW = "`inv restart backend` without the stability window (-k window)"
SETTINGS = {WINDOW: {"INVOKE_DOCKHAND_WAIT_STABLE_SECONDS": "0"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument(
        "-k",
        action="append",
        default=[],
        help="only the measures containing this (repeatable: any of them)",
    )
    parser.add_argument("--before", type=Path, help="another checkout to compare")
    parser.add_argument(
        "--pyc", action="store_true", help="let Python write and use its .pyc files"
    )
    args = parser.parse_args()
    if args.pyc:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as folder:
        measure(args.rounds, Path(folder), args.k, args.before)


def measure(n: int, tmp: Path, only: list[str], before: Path | None) -> None:
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
    trees = [("before", before.resolve())] if before is not None else []
    trees.append(("", REPO))
    try:
        subprocess.run([*compose, "up", "-d", "--wait", "--build"], check=True)
        run([*INV, "migrate"], REPO, env)
        extra_pairs = [(WINDOW, ["restart", "backend"], ["restart", "backend"])]
        for name, ours, bare in [*PAIRS, *extra_pairs]:
            if name == WINDOW and "window" not in only:
                continue
            if only and not any(word in name for word in only):
                continue
            mine: dict[str, list[float]] = {label: [] for label, _ in trees}
            floor: list[float] = []
            for _ in range(n):
                for label, tree in trees:
                    own = {
                        **env,
                        **SETTINGS.get(name, {}),
                        "PYTHONPATH": str(tree / "src"),
                    }
                    took = run([*INV, *ours], tree, own)
                    mine[label].append(took[0])
                floor.append(run([*INV, *bare], BENCH / "bare", env)[0])
            for label, times in mine.items():
                extra = statistics.median(
                    a - b for a, b in zip(times, floor, strict=True)
                )
                shown = f"{name} {label}".rstrip()
                rows.append(
                    (shown, statistics.median(times), statistics.median(floor), extra)
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
