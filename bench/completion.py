"""How long a TAB takes: `dockhand --complete` as the completion script
runs it, warm (the services remembered), cold (nothing remembered: Compose
asked once), beside Invoke's own `inv --complete` of a task name.

    python bench/completion.py [--rounds N] [--bin DIR]

`--bin`: the bin/ holding `dockhand` and `inv` to time (default: the one of
the Python running this). Measure an installed package, whose modules are
compiled to bytecode (`pip install` does it; `uv pip install
--compile-bytecode`): an editable tree run under PYTHONDONTWRITEBYTECODE
compiles every module at every start. Runs in a copy of the reference
stack's files (with a .env) in a temporary folder; no engine is needed.
Prints the median wall time of each, in seconds. For docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = (".env.example", "docker-compose.yml", "invoke.yaml", "tasks.py")


def timed(argv: list[str], cwd: Path, env: dict[str, str], before: object) -> float:
    if callable(before):
        before()
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--bin", type=Path, default=Path(sys.executable).parent)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root, cache = Path(folder) / "stack", Path(folder) / "cache"
        root.mkdir()
        for name in FILES:
            shutil.copy2(REPO / name, root / name)
        shutil.copytree(REPO / "services", root / "services")
        example = (root / ".env.example").read_text()
        (root / ".env").write_text(example.replace("change-me", "not-a-secret"))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["DOCKHAND_CACHE_DIR"] = str(cache)
        dockhand, inv = str(args.bin / "dockhand"), str(args.bin / "inv")

        def forget() -> None:
            for path in cache.glob("services-*.json"):
                path.unlink()

        rows = [
            ("`inv logs b<TAB>`, warm", [dockhand, "--complete", "--", "inv", "logs", "b"], None),
            ("`inv lo<TAB>`, Invoke's own", [inv, "--complete", "--", "inv", "lo"], None),
            ("`inv logs b<TAB>`, cold", [dockhand, "--complete", "--", "inv", "logs", "b"], forget),
        ]  # fmt: skip
        for what, argv, before in rows:
            timed(argv, root, env, before)  # the first: files into the page cache
            times = [timed(argv, root, env, before) for _ in range(args.rounds)]
            print(f"{what}: {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
