"""`inv doctor` and `inv check`: one selection of checks each
(dockhand.checks.registry's DOCTOR, CHECK) over one set of facts, shown by
the one report (dockhand.checks.report, which also runs `inv setup`'s first
step, doctor's machine checks)."""

from __future__ import annotations

from collections.abc import Sequence

from dockhand.checks import registry, report
from dockhand.checks.report import failed, run, secret_values
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console


def _show(s: Session, found: Sequence[registry.Check], *, as_json: bool) -> None:
    secrets = secret_values(s)
    if as_json:
        report.print_json(found, secrets)
    else:
        report.show(found, secrets)
        console.status(report.counts(found))


def _raise_on_failure(found: Sequence[registry.Check], again: str) -> None:
    bad = failed(found)
    if bad:
        raise DockhandError(
            f"{len(bad)} of {len(found)} checks failed: "
            + ", ".join(f.name for f in bad),
            hint=f"apply the fix under each FAIL line, then run `{again}` again",
        )


def doctor(
    s: Session, *, as_json: bool = False, facts: registry.Facts | None = None
) -> None:
    """`inv doctor`: is this machine, and its env file, ready to run the stack."""
    found = run(s, registry.DOCTOR, facts)
    _show(s, found, as_json=as_json)
    _raise_on_failure(found, "inv doctor")
    if not as_json:
        console.ok("this machine is ready: `inv setup` starts the stack")


def check(
    s: Session, *, as_json: bool = False, facts: registry.Facts | None = None
) -> None:
    """`inv check`: the Dockerfiles, compose files (dev and prod), images and
    containers against the seed's rules."""
    found = run(s, registry.CHECK, facts)
    _show(s, found, as_json=as_json)
    _raise_on_failure(found, "inv check")
