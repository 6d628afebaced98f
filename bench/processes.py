"""How many processes dockhand starts besides the command the user asked for.

    .venv/bin/python bench/processes.py [--rounds N] [--before TREE]

On a running reference stack of its own, runs `inv logs backend --tail 5`
and `inv up` (already up) with a `docker` and a `docker-compose` on PATH
that log their argv and then exec the real ones. Prints, per command, the
processes started besides the user's own Compose command (and which), the
total, and the median wall time of N rounds; cold (no Compose cache) and
warm (the cache of the previous run). With `--before TREE` (another
checkout, e.g. `git archive main | tar -x -C TREE`), each round runs that
tree's dockhand and then this one's, on the same stack, so load on the
machine hits both alike. For issue 17 and docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run import INV, REPO, reference_env, run

sys.path.insert(0, str(REPO / "tests"))
from exec_log import VARIABLE, others, read, shims  # tests/, not a package

# (what is measured, dockhand's arguments, the word of the user's command)
COMMANDS: list[tuple[str, list[str], str]] = [
    ("`inv logs backend --tail 5`", ["logs", "backend", "--tail", "5"], "logs"),
    ("`inv up` (already up)", ["up"], "up"),
]


def measure(n: int, tmp: Path, before_tree: Path | None) -> None:
    project = f"bench-{secrets.token_hex(3)}"
    env_path = reference_env(tmp / f"{project}.env")
    log_path = tmp / "exec.log"
    env = {
        **os.environ,
        "PATH": f"{shims(tmp / 'bin')}{os.pathsep}{os.environ['PATH']}",
        "INVOKE_DOCKHAND_PROJECT": project,
        "INVOKE_DOCKHAND_ENV_FILE": str(env_path),
        VARIABLE: str(log_path),
        "DOCKHAND_CACHE_DIR": str(tmp / "cache"),
        "NO_COLOR": "1",
    }
    compose = [
        *("docker", "compose", "-p", project),
        *("-f", str(REPO / "docker-compose.yml"), "--env-file", str(env_path)),
    ]
    trees = [("this tree", REPO)]
    if before_tree is not None:
        trees.insert(0, ("before", before_tree.resolve()))
    rows = []
    try:
        subprocess.run([*compose, "up", "-d", "--wait"], check=True)
        for name, argv, word in COMMANDS:
            for label, cold in (("cold", True), ("warm", False)):
                seen: dict[str, tuple[list[str], int, list[float]]] = {}
                for _ in range(n):
                    for tree_name, tree in trees:
                        if cold:
                            shutil.rmtree(tmp / "cache", ignore_errors=True)
                        else:  # warm: this tree's own earlier answer
                            run([*INV, "--list"], tree, own(env, tree))
                            run([*INV, *argv], tree, own(env, tree))
                        log_path.write_text("")
                        took = run([*INV, *argv], tree, own(env, tree))[0]
                        log = read(log_path)
                        times = seen.get(tree_name, ([], 0, []))[2]
                        rest = [" ".join(words) for words in others(log, word)]
                        seen[tree_name] = (rest, len(log), [*times, took])
                for tree_name, (first, total, times) in seen.items():
                    rows.append(
                        (name, label, tree_name, first, total, statistics.median(times))
                    )
    finally:
        subprocess.run(
            [*compose, "down", "-v", "--rmi", "local", "-t", "2"], capture_output=True
        )
    print(
        f"| command ({n} rounds, median) | cache | tree | other processes "
        "| processes in all | wall |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for name, label, tree_name, first, total, seconds in rows:
        print(
            f"| {name} | {label} | {tree_name} | {len(first)} | {total} "
            f"| {seconds:.3f} s |"
        )
    for name, label, tree_name, first, _, _ in rows:
        print(f"{name} ({label}, {tree_name}), the others: {json.dumps(first)}")


def own(env: dict[str, str], tree: Path) -> dict[str, str]:
    """The environment with `tree`'s dockhand first on the import path."""
    return {**env, "PYTHONPATH": str(tree / "src")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(args.rounds, Path(folder), args.before)


if __name__ == "__main__":
    main()
