"""`inv deploy` on the lab (scripts/swarm-lab): cold, warm, and how soon it
reports convergence, against the docker CLI's own wait.

    python bench/deploy.py [--rounds N]

Per round, on a stack of its own:

- cold: `inv deploy` of a stack that is not there (images built already,
  as after `inv build`; pushed to a repository the registry has not seen);
- unchanged: `inv deploy` again, nothing changed;
- changed: `inv deploy` with backend's spec changed (a label), which rolls
  backend, after running its migration job;
- report latency: from the engine's word (backend's UpdateStatus.CompletedAt,
  and its new task's start) to `inv deploy` having exited;
- the CLI: `docker service update --detach=false --label-add` on backend (the
  CLI's own wait), its time and the same latency.

Prints a Markdown table of medians for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import REPO, reference_env

LAB = ["docker", "--context", "swarm-lab"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds it took, and the wall-clock time it ended."""
    start = time.monotonic()
    done = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    end = time.time()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return time.monotonic() - start, end


def stamp(text: str) -> float:
    return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00").timestamp()


def engine_times(service: str) -> tuple[float, float]:
    """(UpdateStatus.CompletedAt, the newest running task's state change)."""
    inspect = subprocess.run(
        [*LAB, "service", "inspect", service],
        capture_output=True,
        text=True,
        check=True,
    )
    completed = (
        json.loads(inspect.stdout)[0].get("UpdateStatus", {}).get("CompletedAt", "")
    )
    tasks = subprocess.run(
        [*LAB, "service", "ps", service, "-q", "--filter", "desired-state=running"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    states = json.loads(
        subprocess.run(
            [*LAB, "inspect", *tasks], capture_output=True, text=True, check=True
        ).stdout
    )
    started = max(stamp(t["Status"]["Timestamp"]) for t in states)
    return (stamp(completed) if completed else 0.0), started


def one_round(tmp: Path, index: int) -> dict[str, float]:
    project = f"benchdeploy-{secrets.token_hex(3)}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INVOKE_DOCKHAND_")},
        "INVOKE_DOCKHAND_PROJECT": project,
        "INVOKE_DOCKHAND_ENV_FILE": str(reference_env(tmp / f"{project}.env")),
        "INVOKE_DOCKHAND_DEPLOY_ENDPOINT": "swarm-lab",
        "NO_COLOR": "1",
    }
    inv = [sys.executable, "-m", "invoke", "deploy", "--json"]
    found: dict[str, float] = {}
    try:
        found["cold"], _ = timed(inv, env)
        found["unchanged"], _ = timed(inv, env)
        bump = tmp / f"bump-{index}.yml"
        bump.write_text("services:\n  backend: {labels: {bench: 'changed'}}\n")
        changed = {
            **env,
            "INVOKE_DOCKHAND_PROD_FILES": f"docker-compose.prod.yml,{bump}",
        }
        found["changed"], end = timed(inv, changed)
        completed, started = engine_times(f"{project}_backend")
        found["report_after_completed"] = end - completed
        found["report_after_task"] = end - started
        cli = [
            *LAB,
            "service",
            "update",
            "--detach=false",
            "--label-add",
            "bench=cli",
            f"{project}_backend",
        ]
        found["cli_update"], end = timed(cli, env)
        completed, started = engine_times(f"{project}_backend")
        found["cli_after_completed"] = end - completed
        found["cli_after_task"] = end - started
    finally:
        subprocess.run([*LAB, "stack", "rm", project], capture_output=True, check=False)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([str(REPO / "scripts" / "swarm-lab"), "up"], check=True)
    with tempfile.TemporaryDirectory() as folder:
        results = [one_round(Path(folder), i) for i in range(args.rounds)]
    print(f"| measure (median of {args.rounds}) | seconds |")
    print("| --- | ---: |")
    for key in results[0]:
        print(
            f"| {key.replace('_', ' ')} | {statistics.median(r[key] for r in results):.2f} |"
        )


if __name__ == "__main__":
    main()
