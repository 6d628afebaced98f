"""The check registry: every check, and the selections of doctor, setup
and check (imported on first use of `dockhand.checks`, see __init__)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from dockhand.checks.base_images import check_pinned_base
from dockhand.checks.build_context import check_dockerignore, check_entrypoints
from dockhand.checks.checkout import check_database_login, check_project_name
from dockhand.checks.compose import (
    check_prod_limits,
    check_prod_log_rotation,
    check_prod_read_only,
    check_prod_restart,
)
from dockhand.checks.env import check_env_example, check_env_file
from dockhand.checks.facts import Facts, Processes
from dockhand.checks.health_start import check_health_start
from dockhand.checks.image_build import (
    check_dockerfiles,
    check_healthcheck,
    check_multi_stage,
    check_non_root_user,
)
from dockhand.checks.machine import check_disk, check_images
from dockhand.checks.ports import check_ports, check_router_port
from dockhand.checks.result import (
    FAIL,
    OK,
    SKIP,
    WARN,
    Check,
    Problem,
    as_json,
    summary,
)
from dockhand.checks.runtime import (
    check_container_user,
    check_image_size,
    check_image_user,
)
from dockhand.checks.support import check_support
from dockhand.checks.swarm import check_swarm_compat
from dockhand.checks.tools import (
    check_compose,
    check_compose_files,
    check_compose_prod,
    check_docker_cli,
    check_engine,
    check_engine_features,
)
from dockhand.checks.trust import check_build_trust, check_trust

__all__ = [
    "CHECK",
    "DOCTOR",
    "FAIL",
    "MACHINE",
    "OK",
    "SKIP",
    "WARN",
    "Check",
    "CheckFunction",
    "Facts",
    "Problem",
    "Processes",
    "as_json",
    "check_ports",
    "run",
    "summary",
]

CheckFunction = Callable[[Facts], Check | Sequence[Check]]

TOOLS: tuple[CheckFunction, ...] = (
    check_docker_cli,
    check_engine,
    check_compose,
    check_compose_files,
    check_engine_features,
)

# `inv setup`'s first step: everything of doctor's but the env file, which
# setup writes next (with free ports for a new checkout: then the port
# checks are left out), and what needs the stack running.
MACHINE: tuple[CheckFunction, ...] = (
    *TOOLS,
    check_images,
    check_disk,
    check_ports,
    check_trust,
)

DOCTOR: tuple[CheckFunction, ...] = (
    *MACHINE,
    check_support,
    check_env_example,
    check_env_file,
    check_project_name,
    check_database_login,
    check_router_port,
)

CHECK: tuple[CheckFunction, ...] = (
    *TOOLS,
    check_compose_prod,
    check_env_example,
    check_dockerfiles,
    check_multi_stage,
    check_non_root_user,
    check_healthcheck,
    check_health_start,
    check_pinned_base,
    check_dockerignore,
    check_entrypoints,
    check_build_trust,
    check_prod_limits,
    check_prod_read_only,
    check_prod_log_rotation,
    check_prod_restart,
    check_swarm_compat,
    check_image_size,
    check_image_user,
    check_container_user,
)


def run(selection: Iterable[CheckFunction], facts: Facts) -> list[Check]:
    """Each check of the selection in order, over one set of facts."""
    found: list[Check] = []
    for check in selection:
        result = check(facts)
        found += [result] if isinstance(result, Check) else result
    return found
