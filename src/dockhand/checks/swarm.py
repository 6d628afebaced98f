"""The Swarm-compatibility check (`inv check`, and `inv deploy` before it
builds): what the production configuration asks that a Swarm service
cannot do, one line each, from the same translation `inv deploy` uses
(dockhand.swarm.stackfile). What is translated without losing anything
(build, restart, depends_on) is counted, not warned about."""

from __future__ import annotations

from dockhand.checks.compose import _prod_services
from dockhand.checks.facts import Facts
from dockhand.checks.result import Check, Problem, failed, passed, warned
from dockhand.swarm.stackfile import FAIL, problems

# Notes that say something the stack still does: no warning for them.
_TRANSLATED = ("build replaced", "depends_on (")


def check_swarm_compat(facts: Facts) -> Check:
    name = "swarm-compat"
    services = _prod_services(name, facts)
    if isinstance(services, Check):
        return services
    assert not isinstance(facts.prod, Problem)  # _prod_services said so
    notes = problems(facts.prod, facts.settings.project)
    failures = [str(n) for n in notes if n.level == FAIL]
    if failures:
        return failed(
            name,
            "; ".join(failures),
            "change these in the compose files before `inv deploy` (docs/deploy.md)",
        )
    lost = [str(n) for n in notes if not n.message.startswith(_TRANSLATED)]
    if lost:
        return warned(
            name,
            f"a stack drops {len(lost)}: " + "; ".join(lost),
            "expected for a dev-only setting; see docs/deploy.md#what-swarm-changes",
        )
    return passed(name, f"every service translates ({len(notes)} key(s) translated)")
