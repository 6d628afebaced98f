"""What `inv doctor` and `inv check` do: one selection of checks each
(dockhand.checks.DOCTOR, .CHECK) over one set of facts, shown by the one
report; `inv setup` runs doctor's machine checks as its first step."""

from __future__ import annotations

from collections.abc import Sequence

from dockhand import envfile
from dockhand.checks import registry, report
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console


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


def _failed(found: Sequence[registry.Check]) -> list[registry.Check]:
    return [c for c in found if not c.ok]


def _show(s: Session, found: Sequence[registry.Check], *, as_json: bool) -> None:
    secrets = secret_values(s)
    if as_json:
        report.print_json(found, secrets)
    else:
        report.show(found, secrets)
        console.status(report.counts(found))


def _raise_on_failure(found: Sequence[registry.Check], again: str) -> None:
    failed = _failed(found)
    if failed:
        raise DockhandError(
            f"{len(failed)} of {len(found)} checks failed: "
            + ", ".join(f.name for f in failed),
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


def machine_step(s: Session, *, ports: bool = True) -> None:
    """`inv setup`'s first step: doctor without the env file (setup writes it
    next), and without the ports when setup is about to choose them; under
    --dry a failure is shown, not raised."""
    selection = [c for c in registry.MACHINE if ports or c is not registry.check_ports]
    found = run(s, selection)
    report.show(found, secret_values(s))
    failed = _failed(found)
    if failed and not s.runner.dry:
        raise DockhandError(
            f"{', '.join(f.name for f in failed)} failed",
            hint="apply the fix under each FAIL line",
        )
