"""`inv check`: the Docker configuration checked, one line per check.

The checks themselves are in dockhand.checks, imported only when the task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dockhand.cli import command, session

if TYPE_CHECKING:
    from invoke.context import Context

    from dockhand.checks import Result

_LABELS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}
_STYLES = {"pass": "green", "fail": "bold red", "skip": "yellow"}


def report(results: Sequence[Result]) -> None:
    """One line per check on stdout, never wrapped, so it can be searched;
    a failure's fix (or how to make a skipped check run) on the line below."""
    from rich.text import Text

    from dockhand import console

    width = max(len(r.name) for r in results) + 2
    out = console.out()
    for result in results:
        line = Text.assemble(
            (f"{_LABELS[result.status]:<6}", _STYLES[result.status]),
            f"{result.name:<{width}}",
            result.detail,
        )
        out.print(line, soft_wrap=True)
        if result.fix and result.status != "pass":
            prefix = "fix: " if result.status == "fail" else "to run it: "
            out.print(
                Text(" " * (6 + width) + prefix + result.fix, style="dim"),
                soft_wrap=True,
            )


@command(help={"json": "print the results as JSON to stdout instead of a report"})
def check(c: Context, json: bool = False) -> None:
    """Check the Dockerfiles, compose files (dev and prod), images and containers."""
    import json as jsonlib

    from dockhand import checks, console
    from dockhand.errors import DockhandError

    results = checks.run_checks(checks.gather(session(c)))
    counts = checks.summary(results)
    if json:
        console.print_data(
            jsonlib.dumps(
                {
                    "ok": counts[checks.FAIL] == 0,
                    "summary": counts,
                    "checks": [r.as_dict() for r in results],
                },
                indent=2,
            )
        )
    else:
        report(results)
        console.status(
            f"{counts[checks.PASS]} passed, {counts[checks.FAIL]} failed, "
            f"{counts[checks.SKIP]} skipped"
        )
    failed = [r.name for r in results if r.status == checks.FAIL]
    if failed:
        raise DockhandError(
            f"{len(failed)} of {len(results)} checks failed: {', '.join(failed)}",
            hint="each failing line says how to fix it; then run `inv check` again",
        )
