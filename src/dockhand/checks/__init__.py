"""`inv check`: the seed's test-docker.sh as one report.

This package is its public API: `gather` the facts, `run_checks` over them,
`summary` of the statuses. The parts, one module each:

- `result`: `Result` (name, status, detail, fix), the statuses PASS, FAIL
  and SKIP, and `Problem`, why a fact could not be had;
- `dockerfile` and `dockerignore`: a small Dockerfile parser (instructions,
  line continuations, heredocs, parser directives) and a .dockerignore
  matcher with Docker's rules;
- `compose_model`: the services of Compose's model, and what they build;
- `facts`: `Facts`, and `gather`, the only part that runs anything: it asks
  Compose for the model (`config --format json`, never the YAML by hand) and
  the engine for images and processes, once;
- the checks, pure functions of `Facts` and the project's files, each
  returning one `Result`, grouped by subject: `compose` (the tools, the
  compose files, prod hardening), `image_build` (the Dockerfiles),
  `build_context` (.dockerignore, entrypoint scripts) and `runtime` (built
  images, running containers).

A check whose input could not be had (no image built, nothing running, no
Compose v2) is `skip`, shown as such, never as a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dockhand.checks.build_context import check_dockerignore, check_entrypoints
from dockhand.checks.compose import (
    check_compose,
    check_compose_dev,
    check_compose_prod,
    check_docker,
    check_env_example,
    check_prod_limits,
    check_prod_log_rotation,
    check_prod_read_only,
    check_prod_restart,
)
from dockhand.checks.facts import Facts, Processes, gather
from dockhand.checks.image_build import (
    check_dockerfiles,
    check_healthcheck,
    check_multi_stage,
    check_non_root_user,
    check_pinned_base,
)
from dockhand.checks.result import FAIL, PASS, SKIP, Problem, Result
from dockhand.checks.runtime import (
    check_container_user,
    check_image_size,
    check_image_user,
)

__all__ = [
    "CHECKS",
    "FAIL",
    "PASS",
    "SKIP",
    "Facts",
    "Problem",
    "Processes",
    "Result",
    "gather",
    "run_checks",
    "summary",
]


CHECKS: tuple[Callable[[Facts], Result], ...] = (
    check_docker,
    check_compose,
    check_compose_dev,
    check_compose_prod,
    check_env_example,
    check_dockerfiles,
    check_multi_stage,
    check_non_root_user,
    check_healthcheck,
    check_pinned_base,
    check_dockerignore,
    check_entrypoints,
    check_prod_limits,
    check_prod_read_only,
    check_prod_log_rotation,
    check_prod_restart,
    check_image_size,
    check_image_user,
    check_container_user,
)


def run_checks(facts: Facts) -> list[Result]:
    return [check(facts) for check in CHECKS]


def summary(results: Iterable[Result]) -> dict[str, int]:
    counts = {PASS: 0, FAIL: 0, SKIP: 0}
    for result in results:
        counts[result.status] += 1
    return counts
