"""The checks of the production override (`inv check`): it hardens each
service with a memory limit, a read-only root, log rotation and a restart
policy."""

from __future__ import annotations

from dockhand.checks.facts import Facts
from dockhand.checks.result import (
    SKIP,
    Check,
    Problem,
    from_problems,
    skipped_for,
)
from dockhand.docker.model import Service
from dockhand.ui import sizes


def _prod_services(name: str, facts: Facts) -> Check | list[Service]:
    if isinstance(facts.prod, Problem):
        if facts.prod.valid:
            return Check(
                name,
                SKIP,
                "skipped: needs Compose v2 (`config --format json`)",
                facts.prod.fix,
            )
        if facts.prod.status == SKIP:
            return skipped_for(name, facts.prod)
        return Check(
            name,
            SKIP,
            "skipped: the prod compose files are invalid (see compose-prod)",
            facts.prod.fix,
        )
    return facts.prod.by_name()


def _limit(service: Service) -> tuple[str, str]:
    deploy = service.deploy
    return deploy.memory_limit or service.mem_limit, deploy.cpus_limit or service.cpus


def _memory(value: str) -> str:
    """Compose's model gives a memory limit in bytes."""
    try:
        return sizes.size(float(value), binary=True)
    except ValueError:
        return str(value)


def check_prod_limits(facts: Facts) -> Check:
    name = "prod-limits"
    services = _prod_services(name, facts)
    if isinstance(services, Check):
        return services
    problems, good = [], []
    for service in services:
        memory, cpus = _limit(service)
        if not memory:
            problems.append(
                (
                    f"{service.name}: no memory limit",
                    f"{service.name}: set deploy.resources.limits.memory (and cpus) "
                    "in the prod override",
                )
            )
        else:
            good.append(
                f"{service.name} {_memory(memory)}" + (f"/{cpus} CPU" if cpus else "")
            )
    return from_problems(name, problems, f"limits: {', '.join(good)}")


def check_prod_read_only(facts: Facts) -> Check:
    name = "prod-read-only"
    services = _prod_services(name, facts)
    if isinstance(services, Check):
        return services
    problems, good = [], []
    for service in services:
        if service.read_only:
            good.append(service.name)
        else:
            problems.append(
                (
                    f"{service.name}: the root filesystem is writable",
                    f"{service.name}: set `read_only: true` in the prod override, with "
                    "`tmpfs:` for the paths it writes (e.g. /tmp)",
                )
            )
    return from_problems(name, problems, f"read-only root: {', '.join(good)}")


# Drivers that keep logs on the host and rotate only when told to.
_LOCAL_FILE_DRIVERS = frozenset({"json-file", ""})


def check_prod_log_rotation(facts: Facts) -> Check:
    name = "prod-log-rotation"
    services = _prod_services(name, facts)
    if isinstance(services, Check):
        return services
    problems, good = [], []
    for service in services:
        logging = service.logging
        driver = logging.driver if logging else ""
        options = logging.options if logging else {}
        if driver in _LOCAL_FILE_DRIVERS and not options.get("max-size"):
            problems.append(
                (
                    f"{service.name}: logs grow without bound "
                    f"({driver or 'the engine default driver'}, no max-size)",
                    f"{service.name}: set logging: {{driver: json-file, options: "
                    '{max-size: 10m, max-file: "3"}} in the prod override',
                )
            )
        elif driver == "none":
            problems.append(
                (
                    f"{service.name}: logging is off (driver none)",
                    f"{service.name}: use json-file with max-size and max-file",
                )
            )
        elif driver in _LOCAL_FILE_DRIVERS:
            good.append(
                f"{service.name} {options.get('max-size')}x{options.get('max-file', '1')}"
            )
        else:
            good.append(f"{service.name} ({driver})")
    return from_problems(name, problems, f"rotated: {', '.join(good)}")


def check_prod_restart(facts: Facts) -> Check:
    name = "prod-restart"
    services = _prod_services(name, facts)
    if isinstance(services, Check):
        return services
    problems, good = [], []
    for service in services:
        restart = service.restart
        policy = service.deploy.restart_condition
        if restart and restart != "no":
            good.append(f"{service.name} {restart}")
        elif policy and policy != "none":
            good.append(f"{service.name} {policy}")
        else:
            problems.append(
                (
                    f"{service.name}: no restart policy",
                    f"{service.name}: set `restart: unless-stopped` in the prod override",
                )
            )
    return from_problems(name, problems, f"restart: {', '.join(good)}")
