"""`inv deploy` on the lab (scripts/swarm-lab), side by side with `docker
stack deploy` followed by the CLI's own wait, and how soon each reports.

    python bench/deploy.py [--rounds N]

Per round, on a stack of its own, `inv deploy` first:

- cold: `inv deploy` of a stack that is not there (images built already,
  as after `inv build`; pushed to a repository the registry has not seen),
  with `--stack-file` keeping the stack file it deployed;
- unchanged: `inv deploy` again, nothing changed;
- changed: `inv deploy` with backend's spec changed (a label), which rolls
  backend, after running its migration job;
- the CLI's rolling update: `docker service update --detach=false
  --container-label-add` on backend, the same kind of change.

Then the stack, its volumes and its network are removed, and the CLI
deploys the very stack file `inv deploy` wrote:

- cold: `docker stack deploy --resolve-image never` of it, then `docker
  service update --detach=false` of each service in turn (the CLI's own
  wait: `stack deploy` on engine 20.10 cannot wait);
- unchanged: the same again.

For each change, from the engine's own clocks: the last new task turning
running (healthy where it has a healthcheck), Swarm's UpdateStatus.CompletedAt
(the end of its `monitor` hold, 5 s by default), and the command's exit.

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
NAMESPACE = "com.docker.stack.namespace"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds it took, and the wall-clock time it ended."""
    took, end, _ = watched(argv, env)
    return took, end


def watched(
    argv: list[str], env: dict[str, str]
) -> tuple[float, float, dict[str, float]]:
    """As `timed`, and when (wall clock) `inv deploy` printed what it saw
    last ("seen": its last progress line, printed as the verdict is found)
    and its verdict ("reported": the `ok ... converged in` line)."""
    start = time.monotonic()
    process = subprocess.Popen(
        argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    marks: dict[str, float] = {}
    lines: list[str] = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("  ") and line.rstrip().endswith("converged"):
            marks["seen"] = time.time()
        elif line.startswith("ok ") and " converged in " in line:
            marks["reported"] = time.time()
    process.wait()
    end = time.time()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{''.join(lines)[-2000:]}")
    return time.monotonic() - start, end, marks


def lab(*args: str) -> str:
    return subprocess.run(
        [*LAB, *args], capture_output=True, text=True, check=True
    ).stdout


def stamp(text: str) -> float:
    return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00").timestamp()


def services(project: str) -> list[str]:
    return sorted(
        lab("service", "ls", "-q", "--filter", f"label={NAMESPACE}={project}").split()
    )


def last_running(names: list[str]) -> float:
    """When the newest task Swarm wants running, of these services, turned
    running (its Status.Timestamp: the agent's report, healthy included)."""
    tasks = lab(
        "service", "ps", "-q", "--filter", "desired-state=running", *names
    ).split()  # fmt: skip
    states = json.loads(lab("inspect", *tasks))
    return max(stamp(t["Status"]["Timestamp"]) for t in states)


def completed_at(service: str) -> float:
    inspect = json.loads(lab("service", "inspect", service))[0]
    completed = (inspect.get("UpdateStatus") or {}).get("CompletedAt", "")
    return stamp(completed) if completed else float("nan")


def split(
    found: dict[str, float],
    key: str,
    service: str,
    end: float,
    marks: dict[str, float] | None = None,
) -> None:
    """From the new task running to the exit: Swarm's hold, then the tool's."""
    running, completed = last_running([service]), completed_at(service)
    found[f"after_task/{key}"] = end - running
    found[f"hold/{key}"] = completed - running
    for mark, at in (marks or {}).items():
        found[f"{mark}/{key}"] = at - completed
    found[f"after_completed/{key}"] = end - completed


def remove(project: str) -> None:
    """The stack, then its volumes once no task holds them, then its network."""
    subprocess.run([*LAB, "stack", "rm", project], capture_output=True, check=False)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        volumes = lab("volume", "ls", "-q", "--filter", f"label={NAMESPACE}={project}")
        if volumes.split():
            subprocess.run(
                [*LAB, "volume", "rm", *volumes.split()],
                capture_output=True,
                check=False,
            )
        networks = lab(
            "network", "ls", "-q", "--filter", f"label={NAMESPACE}={project}"
        )
        if not (volumes.split() or networks.split() or services(project)):
            return
        time.sleep(0.5)
    raise SystemExit(f"{project}: its volumes or network did not go")


def cli_deploy(project: str, stack_file: Path, env: dict[str, str]) -> float:
    """`docker stack deploy`, then the CLI's wait on each service in turn;
    returns when it ended."""
    timed([*LAB, "stack", "deploy", "--compose-file", str(stack_file),
           "--resolve-image", "never", project], env)  # fmt: skip
    end = 0.0
    for service in services(project):
        _, end = timed([*LAB, "service", "update", "--detach=false", service], env)
    return end


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
    stack_file = tmp / f"{project}.stack.yml"
    backend = f"{project}_backend"
    found: dict[str, float] = {}
    try:
        found["cold/inv"], end, marks = watched(
            [*inv, "--stack-file", str(stack_file)], env
        )
        last = last_running(services(project))
        found["cold_after_task/inv"] = end - last
        found["cold_seen/inv"] = marks["seen"] - last
        found["unchanged/inv"], _ = timed(inv, env)
        bump = tmp / f"bump-{index}.yml"
        bump.write_text("services:\n  backend: {labels: {bench: 'changed'}}\n")
        changed = {
            **env,
            "INVOKE_DOCKHAND_PROD_FILES": f"docker-compose.prod.yml,{bump}",
        }
        found["changed/inv"], end, marks = watched(inv, changed)
        split(found, "inv", backend, end, marks)
        cli = [*LAB, "service", "update", "--detach=false"]
        found["changed/cli"], end = timed(
            [*cli, "--container-label-add", "bench=cli", backend], env
        )
        split(found, "cli", backend, end)

        remove(project)
        start = time.monotonic()
        end = cli_deploy(project, stack_file, env)
        found["cold/cli"] = time.monotonic() - start
        found["cold_after_task/cli"] = end - last_running(services(project))
        start = time.monotonic()
        cli_deploy(project, stack_file, env)
        found["unchanged/cli"] = time.monotonic() - start
    finally:
        remove(project)
    return found


ROWS = {
    "cold": "deploy a stack that is not there, to converged",
    "unchanged": "deploy again, nothing changed",
    "changed": "backend changed: its rolling update, to converged",
    "after_task": "changed: from the new task running (healthy) to the exit",
    "hold": "  of which Swarm's `monitor` hold (task running -> UpdateStatus.CompletedAt)",
    "after_completed": "  of which the tool's own part (CompletedAt -> exit)",
    "seen": "    CompletedAt -> dockhand has read it (its last progress line)",
    "reported": "    CompletedAt -> its verdict printed (`ok ... converged in`)",
    "cold_after_task": "cold: from the last task running to the exit (no monitor hold)",
    "cold_seen": "cold: from the last task running to dockhand having read it",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([str(REPO / "scripts" / "swarm-lab"), "up"], check=True)
    with tempfile.TemporaryDirectory() as folder:
        results = []
        for i in range(args.rounds):
            results.append(one_round(Path(folder), i))
            print(f"round {i + 1}: {json.dumps(results[-1])}", file=sys.stderr)
    print(f"load average at the end: {os.getloadavg()}", file=sys.stderr)

    def cell(key: str) -> str:
        if key not in results[0]:
            return "-"
        return f"{statistics.median(r[key] for r in results):.2f}"

    print(f"| seconds (median of {args.rounds}) | `inv deploy` | the CLI |")
    print("| --- | ---: | ---: |")
    for key, words in ROWS.items():
        print(f"| {words} | {cell(f'{key}/inv')} | {cell(f'{key}/cli')} |")


if __name__ == "__main__":
    main()
