"""The daily commands against a bare Invoke task doing the same Compose work.

    .venv/bin/python bench/daily.py [--rounds N] [--before TREE] [--no-bytecode]

On a running reference stack of its own, each pair runs in turn (dockhand,
then the bare task in bench/bare/tasks.py that runs just the Compose
command), N rounds; prints the medians, the difference per pair (median of
the pairwise differences, in ms) and the ratio, for docs/performance.md;
beside them the CPU time's extra (median of the pairwise differences) and
the fastest run of each side's difference, which a busy machine moves less.
`inv --list` is also measured against a bare project with the same tasks
as dockhand's (names, parameters, help: generated), which is Invoke's own
cost of that many tasks. With `--before TREE` (another checkout, e.g.
`git archive main | tar -x -C TREE`) each round runs that tree's dockhand
too, on the same stack, so load on the machine hits all three alike. The
`dockhand` command (the console script) runs each of dockhand's commands too.

Python's bytecode is cached (in the run's own folder: PYTHONPYCACHEPREFIX),
as it is for an installed package, and one round is run first to fill it
and the Compose cache; `--no-bytecode` compiles every module on every run
instead (what PYTHONDONTWRITEBYTECODE=1 in the environment gave before).
Needs the engine, the base image and the reference stack's images.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from run import BENCH, INV, REPO, reference_env, run

LIST = "`inv --list`"
DOCKHAND = REPO / ".venv" / "bin" / "dockhand"

# (what is measured, dockhand's arguments, the bare task's arguments)
PAIRS: list[tuple[str, list[str], list[str]]] = [
    (LIST, ["--list"], ["--list"]),
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
    parser.add_argument(
        "-k", action="append", default=[], help="only the measures containing this"
    )
    parser.add_argument("--before", type=Path, help="another checkout to compare")
    parser.add_argument("--no-bytecode", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(args.rounds, Path(folder), args.k, args.before, not args.no_bytecode)


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds taken, and the CPU seconds (user + system) of the process and
    every process it waited for: on a machine shared with other work, CPU
    time moves far less with the load than the wall clock. (run.run samples
    memory every 10 ms, which rounds the wall time up.)"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        list(argv), cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL
    )
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} failed in {cwd}: {done.stderr!r}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return took, cpu


def mirror(folder: Path) -> Path:
    """A bare Invoke project with dockhand's tasks: the same names,
    collections, parameters, defaults, help, aliases and docstrings, each
    body a `pass`. Its `--list` is what Invoke itself costs for them."""
    import inspect

    from dockhand import namespace

    ns = namespace(REPO)
    lines = ["from invoke import Collection, task", ""]

    def define(name: str, body: object, prefix: str) -> str:
        task = body
        fn = task.body  # type: ignore[attr-defined]
        params = list(inspect.signature(fn).parameters.values())[1:]
        args = ", ".join(
            ["c"]
            + [
                p.name if p.default is p.empty else f"{p.name}={p.default!r}"
                for p in params
            ]
        )
        ident = f"{prefix}{fn.__name__}"
        options = {
            "name": name,
            "help": dict(task.help),  # type: ignore[attr-defined]
            "aliases": list(task.aliases),  # type: ignore[attr-defined]
            "positional": list(task.positional),  # type: ignore[attr-defined]
        }
        lines.extend(
            [
                f"@task(**{options!r})",
                f"def {ident}({args}):",
                f"    {(fn.__doc__ or '').strip()!r}",
                "",
            ]
        )
        return ident

    top = [define(name, t, "") for name, t in ns.tasks.items()]
    lines.append(f"ns = Collection({', '.join(top)})")
    for cname, sub in ns.collections.items():
        inner = [define(name, t, f"{cname}_") for name, t in sub.tasks.items()]
        lines.append(f"ns.add_collection(Collection({cname!r}, {', '.join(inner)}))")
    folder.mkdir()
    (folder / "tasks.py").write_text("\n".join(lines) + "\n")
    return folder


def measure(
    n: int, tmp: Path, only: list[str], before: Path | None, bytecode: bool
) -> None:
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
        # Its own: another checkout's run on the machine changes nothing here.
        "DOCKHAND_CACHE_DIR": str(tmp / "cache"),
        # The migration's automatic snapshot would land in the checkout's backups/.
        "INVOKE_DOCKHAND_MIGRATE_SNAPSHOTS": "0",
    }
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    many = mirror(tmp / "bare-many")
    trees = [("dockhand", REPO)]
    if before is not None:
        trees.append(("before", before.resolve()))
    rows: list[tuple[str, str, float, float, float, float, float]] = []
    try:
        subprocess.run([*compose, "up", "-d", "--wait", "--build"], check=True)
        run([*INV, "migrate"], REPO, env)
        for name, ours, bare in PAIRS:
            if only and not any(word in name for word in only):
                continue
            sides = [
                (label, tree, [*INV, *ours], own(env, tree)) for label, tree in trees
            ]
            # The same tasks as the `dockhand` command (its console script).
            sides.append(("`dockhand`", REPO, [str(DOCKHAND), *ours], own(env, REPO)))
            sides.append(("bare", BENCH / "bare", [*INV, *bare], env))
            if name == LIST:
                sides.append(("bare, same tasks", many, [*INV, *bare], env))
            for _, cwd, argv, side_env in sides:  # bytecode and caches filled
                timed(argv, cwd, side_env)
            took: dict[str, list[tuple[float, float]]] = {
                label: [] for label, *_ in sides
            }
            for _ in range(n):
                for label, cwd, argv, side_env in sides:
                    took[label].append(timed(argv, cwd, side_env))
            for label in [label for label, _ in trees] + ["`dockhand`"]:
                for floor in [side[0] for side in sides if side[0].startswith("bare")]:
                    mine, theirs = took[label], took[floor]
                    rows.append(
                        (
                            name if floor == "bare" else f"{name} vs {floor}",
                            label,
                            statistics.median(a for a, _ in mine),
                            statistics.median(b for b, _ in theirs),
                            statistics.median(
                                a - b
                                for (a, _), (b, _) in zip(mine, theirs, strict=True)
                            ),
                            statistics.median(
                                a - b
                                for (_, a), (_, b) in zip(mine, theirs, strict=True)
                            ),
                            min(a for a, _ in mine) - min(b for b, _ in theirs),
                        )
                    )
    finally:
        # Its images too: every round builds under a project name of its own.
        down = [*compose, "down", "-v", "--rmi", "local", "-t", "2"]
        subprocess.run(down, capture_output=True)
    load = os.getloadavg()
    print(
        f"{n} pairs, medians; bytecode {'cached' if bytecode else 'compiled every run'}; "
        f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        "| command | tree | dockhand | bare Invoke + Compose | extra | ratio "
        "| extra CPU | fastest minus fastest |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, label, ours_s, theirs_s, extra, cpu, fastest in rows:
        print(
            f"| {name} | {label} | {ours_s:.3f} s | {theirs_s:.3f} s "
            f"| {extra * 1000:+.0f} ms | {ours_s / theirs_s:.2f}x | {cpu * 1000:+.0f} ms "
            f"| {fastest * 1000:+.0f} ms |"
        )


def own(env: dict[str, str], tree: Path) -> dict[str, str]:
    """The environment with `tree`'s dockhand first on the import path."""
    return {**env, "PYTHONPATH": str(tree / "src")}


if __name__ == "__main__":
    main()
