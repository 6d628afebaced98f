"""The one report of a list of checks, for `inv doctor`, `inv check` and
`inv setup`'s first step: a line per check (or the JSON form), and any
secret value a message might quote masked."""

from __future__ import annotations

from collections.abc import Sequence

from dockhand.checks.result import FAIL, OK, SKIP, WARN, Check, as_json, summary
from dockhand.envfile import redact
from dockhand.ui import console

LABELS = {
    OK: ("ok", "green"),
    WARN: ("warn", "yellow"),
    FAIL: ("FAIL", "bold red"),
    SKIP: ("skip", "dim"),
}
_WIDTH = max(len(label) for label, _ in LABELS.values())
# What the line under a check says: how to fix it, or how to make it run.
_FIX_PREFIX = {FAIL: "fix: ", WARN: "fix: ", SKIP: "to run it: "}


def show(checks: Sequence[Check], secrets: Sequence[str]) -> None:
    """One line per check to stdout, never wrapped, so it can be searched;
    under a failure or a warning its fix, under a skip how to make it run."""
    from rich.text import Text

    width = max((len(c.name) for c in checks), default=0)
    out = console.out()
    for check in checks:
        label, style = LABELS[check.status]
        line = f"  {check.name:<{width}}  {redact(check.detail, secrets)}"
        out.print(Text.assemble((f"{label:<{_WIDTH}}", style), line), soft_wrap=True)
        prefix = _FIX_PREFIX.get(check.status)
        if check.fix and prefix:
            fix = f"{'':<{_WIDTH}}  {'':<{width}}  {prefix}{redact(check.fix, secrets)}"
            out.print(Text(fix, style="dim"), soft_wrap=True)


def counts(checks: Sequence[Check]) -> str:
    """'17 ok, 1 warn, 0 failed, 1 skipped'."""
    found = summary(checks)
    return (
        f"{found[OK]} ok, {found[WARN]} warn, {found[FAIL]} failed, "
        f"{found[SKIP]} skipped"
    )


def print_json(checks: Sequence[Check], secrets: Sequence[str]) -> None:
    console.print_data(redact(as_json(checks), secrets))
