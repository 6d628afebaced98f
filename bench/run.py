"""Measure dockhand against plain Compose and a bare Invoke project, in one run.

    python bench/run.py [--rounds N]

Prints a Markdown table (medians of N rounds) for docs/performance.md. Needs
the engine, the base image and the reference stack's images built
(`scripts/test` or `inv build` leaves them so).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dotenv import dotenv_values

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
INV = [sys.executable, "-m", "invoke"]
# Large enough that streaming, not start-up, decides the throughput.
LARGE_LOG_LINES = 1_500_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_file(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)
    return path


def reference_env(path: Path) -> Path:
    values = {k: v or "" for k, v in dotenv_values(REPO / ".env.example").items()}
    for key, value in values.items():
        if value == "change-me":
            values[key] = secrets.token_urlsafe(24)
        elif key.endswith("_PORT"):
            values[key] = str(free_port())
    return env_file(path, values)


def run(
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    out: int | None = subprocess.DEVNULL,
) -> tuple[float, int]:
    """Seconds taken, and the peak RSS (KiB) of that one process: its own
    VmHWM, sampled until it exits, so its child (Compose) is not counted."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    status, peak = Path(f"/proc/{process.pid}/status"), 0
    while process.poll() is None:
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines()
            )
            peak = max(peak, int(fields["VmHWM"].split()[0]))
        except (OSError, KeyError, ValueError):
            pass  # between exec and exit the file may be gone or partial
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} failed in {cwd}")
    return elapsed, peak


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def rounds(n: int, *jobs: Callable[[], float]) -> list[list[float]]:
    """Interleave the jobs so drift in machine load hits each alike."""
    results: list[list[float]] = [[] for _ in jobs]
    for _ in range(n):
        for index, job in enumerate(jobs):
            results[index].append(job())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(args.rounds, Path(folder))


def measure(n: int, tmp: Path) -> None:

    project = f"bench-{secrets.token_hex(3)}"
    env = {**os.environ, "INVOKE_DOCKHAND_PROJECT": project, "NO_COLOR": "1"}
    env["INVOKE_DOCKHAND_ENV_FILE"] = str(reference_env(tmp / f"{project}.env"))
    compose = [
        "docker",
        "compose",
        "-p",
        project,
        "-f",
        str(REPO / "docker-compose.yml"),
        "--env-file",
        env["INVOKE_DOCKHAND_ENV_FILE"],
    ]
    chatty_project = f"{project}-logs"
    chatty_env = {
        **env,
        "INVOKE_DOCKHAND_PROJECT": chatty_project,
        "INVOKE_DOCKHAND_ENV_FILE": str(
            env_file(tmp / f"{chatty_project}.env", {"LINES": str(LARGE_LOG_LINES)})
        ),
    }
    chatty = [
        "docker",
        "compose",
        "-p",
        chatty_project,
        "-f",
        str(BENCH / "chatty" / "compose.yaml"),
        "--env-file",
        chatty_env["INVOKE_DOCKHAND_ENV_FILE"],
    ]
    rows: list[tuple[str, float, float, str]] = []
    try:
        listing = rounds(
            n * 2,
            lambda: run([*INV, "--list"], BENCH / "bare", env)[0],
            lambda: run([*INV, "--list"], REPO, env)[0],
        )
        rows.append(
            (
                "`inv --list` vs bare Invoke `--list`",
                median(listing[1]),
                median(listing[0]),
                "within 1.15x",
            )
        )

        run([*compose, "build"], REPO, env)
        run([*compose, "up", "-d", "--wait"], REPO, env)
        status = rounds(
            n * 2,
            lambda: run([*compose, "ps"], REPO, env)[0],
            lambda: run([*INV, "ps"], REPO, env)[0],
        )
        rows.append(
            (
                "`inv ps` vs `docker compose ps`",
                median(status[1]),
                median(status[0]),
                "report",
            )
        )

        def compose_up() -> float:
            run([*compose, "down"], REPO, env)
            return run([*compose, "up", "-d", "--wait"], REPO, env)[0]

        def inv_up() -> float:
            run([*compose, "down"], REPO, env)
            return run([*INV, "up"], REPO, env)[0]

        up = rounds(n, compose_up, inv_up)
        rows.append(
            (
                "`inv up` vs `docker compose up -d --wait` (built stack)",
                median(up[1]),
                median(up[0]),
                "no slower",
            )
        )

        run([*chatty, "up", "-d", "--wait", "--wait-timeout", "900"], REPO, env)
        log_bytes = len(
            subprocess.run(
                [*chatty, "logs", "--no-color"], capture_output=True, check=True
            ).stdout
        )
        logs = rounds(
            n,
            lambda: run([*chatty, "logs", "--no-color"], REPO, env)[0],
            lambda: run([*INV, "logs"], BENCH / "chatty", chatty_env)[0],
        )
        mib = log_bytes / 2**20
        rows.append(
            (
                f"log throughput, MiB/s ({mib:.0f} MiB log)",
                mib / median(logs[1]),
                mib / median(logs[0]),
                "at least 0.95x",
            )
        )

        small_env = {**chatty_env, "INVOKE_DOCKHAND_PROJECT": f"{chatty_project}-small"}
        small_env["INVOKE_DOCKHAND_ENV_FILE"] = str(
            env_file(tmp / "small.env", {"LINES": "1000"})
        )
        small = [
            "docker",
            "compose",
            "-p",
            small_env["INVOKE_DOCKHAND_PROJECT"],
            "-f",
            str(BENCH / "chatty" / "compose.yaml"),
            "--env-file",
            small_env["INVOKE_DOCKHAND_ENV_FILE"],
        ]
        run([*small, "up", "-d", "--wait"], REPO, env)
        try:
            rss_small = run([*INV, "logs"], BENCH / "chatty", small_env)[1] / 1024
            rss_large = run([*INV, "logs"], BENCH / "chatty", chatty_env)[1] / 1024
        finally:
            run([*small, "down", "-t", "1"], REPO, env)
        rows.append(
            (
                f"`inv logs` own peak RSS, MiB: {LARGE_LOG_LINES:,}-line log vs 1,000 lines",
                rss_large,
                rss_small,
                "flat",
            )
        )
    finally:
        subprocess.run(
            [*compose, "down", "-v", "-t", "2"], capture_output=True, check=False
        )
        subprocess.run(
            [*chatty, "down", "-v", "-t", "1"], capture_output=True, check=False
        )

    print(f"| measure ({n} rounds, median) | dockhand | baseline | ratio | target |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, ours, theirs, target in rows:
        print(
            f"| {name} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f}x | {target} |"
        )


if __name__ == "__main__":
    main()
