"""What the router adds to `inv ps` (issue 28): the names below the table
and in `--json` come from one look at the router's container on the
engine's socket (no process).

    .venv/bin/python bench/router.py [--rounds N]

1. On a running reference stack of its own, routed by a router of its own
   (DOCKHAND_ROUTER, on free ports), `inv ps` and `inv ps --json` with the
   router on and off (DOCKHAND_ROUTER=off), in turn, N rounds: the medians
   and the median of the pairwise differences.
2. In process: steps.router.names (the look at the router and the names
   made from it), each time in a new session, on the engine's socket and,
   for comparison, through the docker CLI. For docs/performance.md.
Removes what it made (the stack, its images, the router, its network and
volume); the router's image stays (`inv gc` keeps it too).
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

from run import INV, REPO, free_port, reference_env, run

sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(args.rounds, Path(folder))


def measure(n: int, tmp: Path) -> None:
    project = f"bench-{secrets.token_hex(3)}"
    name = f"bench-router-{secrets.token_hex(3)}"
    env_path = reference_env(tmp / f"{project}.env")
    env = {
        **os.environ,
        "INVOKE_DOCKHAND_PROJECT": project,
        "INVOKE_DOCKHAND_ENV_FILE": str(env_path),
        "DOCKHAND_CACHE_DIR": str(tmp / "cache"),
        "DOCKHAND_ROUTER": name,
        "DOCKHAND_ROUTER_PORTS": str(free_port()),
        "DOCKHAND_ROUTER_TLS_PORTS": str(free_port()),
        "NO_COLOR": "1",
    }
    off = {**env, "DOCKHAND_ROUTER": "off"}
    times: dict[tuple[str, str], list[float]] = {}
    try:
        subprocess.run([*INV, "up"], cwd=REPO, env=env, check=True)
        shown = subprocess.run(
            [*INV, "ps"], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert f"http://backend.{project}.localhost" in shown.stderr, shown.stderr
        inside = names_times(n, project, env_path, env, socket=True)
        by_cli = names_times(n, project, env_path, env, socket=False)
        for argv in (["ps"], ["ps", "--json"]):
            run([*INV, *argv], REPO, env)  # bytecode and caches filled
            for i in range(n):  # in turn, each first every other round
                pair = [("on", env), ("off", off)]
                for side, variables in pair if i % 2 == 0 else pair[::-1]:
                    took = run([*INV, *argv], REPO, variables)[0]
                    times.setdefault((" ".join(argv), side), []).append(took)
    finally:
        subprocess.run(
            [*INV, "down", "--volumes", "--yes"], cwd=REPO, env=env, capture_output=True
        )
        for argv in (["rm", "--force"], ["network", "rm"], ["volume", "rm"]):
            target = f"{name}-data" if argv[0] == "volume" else name
            subprocess.run(["docker", *argv, target], capture_output=True)
        images = [f"{project}-{s}" for s in ("db", "redis", "backend", "backend-ts")]
        subprocess.run(
            ["docker", "image", "rm", "--no-prune", *images], capture_output=True
        )
    print(f"| ({n} pairs, median) | router on | off | the router adds |")
    print("| --- | ---: | ---: | ---: |")
    for command in ("ps", "ps --json"):
        on, no = times[(command, "on")], times[(command, "off")]
        extra = statistics.median(a - b for a, b in zip(on, no, strict=True))
        print(
            f"| `inv {command}` | {statistics.median(on):.3f} s "
            f"| {statistics.median(no):.3f} s | {extra * 1000:+.1f} ms |"
        )
    print(f"| steps.router.names, in process (socket) | | | {inside * 1000:.2f} ms |")
    print(f"| the same, no socket: the docker CLI | | | {by_cli * 1000:.2f} ms |")


def names_times(
    n: int, project: str, env_path: Path, env: dict[str, str], *, socket: bool
) -> float:
    """steps.router.names alone, each time in a new session: the router
    read on the engine's socket (as `inv` reads it; else `docker container
    inspect`, where the CLI's engine is not a plain local socket: a
    context), the names made from the states."""
    from dockhand.config import settings
    from dockhand.docker import engine_socket
    from dockhand.docker.process import Runner
    from dockhand.session import Session
    from dockhand.steps import router

    os.environ.update(
        {k: v for k, v in env.items() if k.startswith(("DOCKHAND_", "DOCKER_"))}
    )
    loaded = settings.load(
        {"root": str(REPO), "project": project, "env_file": str(env_path)}
    )
    reader = engine_socket.ask if socket else engine_socket.absent
    states = Session(loaded, Runner(), read_engine=reader).states([])
    times = []
    for _ in range(n):
        s = Session(loaded, Runner(), read_engine=reader)
        start = time.perf_counter()
        found = router.names(s, states)
        times.append(time.perf_counter() - start)
        assert found, "no names: the router does not route the stack"
    return statistics.median(times)


if __name__ == "__main__":
    main()
