"""The one report of a list of checks, for `inv doctor`, `inv check` and
`inv setup`'s first step (`machine_step`): the checks run over one set of
facts, a line per check (or the JSON form), and any secret value a message
might quote masked."""

from __future__ import annotations

from collections.abc import Sequence

from dockhand import envfile
from dockhand.checks import registry
from dockhand.checks.result import FAIL, OK, SKIP, WARN, Check, as_json, summary
from dockhand.envfile import redact
from dockhand.errors import DockhandError
from dockhand.session import Session
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


def run(
    s: Session,
    selection: Sequence[registry.CheckFunction],
    facts: registry.Facts | None = None,
) -> list[registry.Check]:
    """The checks over `facts` (a test's), else over the session's, each
    probed on first use."""
    return registry.run(selection, facts or registry.Facts(s.settings, s))


def secret_values(s: Session) -> list[str]:
    """Every secret-like value of the env file, to keep out of any output."""
    return envfile.secret_values(s.settings.env_file, s.settings.env_example)


def failed(found: Sequence[registry.Check]) -> list[registry.Check]:
    return [c for c in found if not c.ok]


def machine_step(s: Session, *, ports: bool = True) -> None:
    """`inv setup`'s first step: doctor without the env file (setup writes it
    next), and without the ports when setup is about to choose them; under
    --dry a failure is shown, not raised."""
    selection = [c for c in registry.MACHINE if ports or c is not registry.check_ports]
    found = run(s, selection)
    show(found, secret_values(s))
    bad = failed(found)
    if bad and not s.runner.dry:
        raise DockhandError(
            f"{', '.join(f.name for f in bad)} failed",
            hint="apply the fix under each FAIL line",
        )
