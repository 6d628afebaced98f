"""The checks of the tools and the compose files: docker and Compose answer,
the dev and prod files are valid, .env.example documents every variable they
use, and the prod override hardens each service (memory limit, read-only
root, log rotation, restart policy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockhand import sizes
from dockhand.checks.compose_model import Service, services_of
from dockhand.checks.facts import Facts
from dockhand.checks.result import (
    FAIL,
    PASS,
    SKIP,
    Problem,
    Result,
    as_result,
    from_problems,
    skipped,
)


def check_docker(facts: Facts) -> Result:
    if isinstance(facts.docker, Problem):
        return as_result("docker", facts.docker)
    return Result("docker", PASS, facts.docker)


def check_compose(facts: Facts) -> Result:
    if isinstance(facts.compose, Problem):
        return as_result("compose", facts.compose)
    note = (
        "; v1: the checks that need `config --format json` are skipped"
        if facts.compose.is_v1
        else ""
    )
    return Result("compose", PASS, f"{facts.compose}{note}")


def _check_model(name: str, model: Mapping[str, Any] | Problem) -> Result:
    if isinstance(model, Problem):
        if model.valid:
            return Result(name, PASS, model.detail)
        if model.status == SKIP:
            return skipped(name, model)
        return Result(name, FAIL, model.detail, model.fix)
    services = sorted(model.get("services") or {})
    return Result(name, PASS, f"valid: {', '.join(services) or 'no services'}")


def check_compose_dev(facts: Facts) -> Result:
    return _check_model("compose-dev", facts.dev)


def check_compose_prod(facts: Facts) -> Result:
    return _check_model("compose-prod", facts.prod)


def check_env_example(facts: Facts) -> Result:
    name = "env-example"
    where = facts.rel(facts.env_example)
    if not facts.env_example.is_file():
        return Result(
            name,
            FAIL,
            f"{where} is missing",
            f"create {where} with every variable the compose files use, one comment each",
        )
    if isinstance(facts.variables, Problem):
        return skipped(name, facts.variables)
    from dotenv import dotenv_values

    documented = set(dotenv_values(facts.env_example))
    missing = sorted(facts.variables - documented)
    if missing:
        return Result(
            name,
            FAIL,
            f"used by the compose files but not in {where}: {', '.join(missing)}",
            f"add {', '.join(missing)} to {where}, each with a comment "
            "(and a `# @secret` line above a secret)",
        )
    return Result(name, PASS, f"all {len(facts.variables)} variables are in {where}")


def _prod_services(name: str, facts: Facts) -> Result | list[Service]:
    if isinstance(facts.prod, Problem):
        if facts.prod.valid:
            return Result(
                name,
                SKIP,
                "skipped: needs Compose v2 (`config --format json`)",
                facts.prod.fix,
            )
        if facts.prod.status == SKIP:
            return skipped(name, facts.prod)
        return Result(
            name,
            SKIP,
            "skipped: the prod compose files are invalid (see compose-prod)",
            facts.prod.fix,
        )
    return services_of(facts.prod)


def _limit(spec: Mapping[str, Any]) -> tuple[Any, Any]:
    limits = ((spec.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    memory = limits.get("memory") or spec.get("mem_limit")
    cpus = limits.get("cpus") or spec.get("cpus")
    return memory, cpus


def _memory(value: Any) -> str:
    """Compose's model gives a memory limit in bytes."""
    try:
        return sizes.size(float(value), binary=True)
    except (TypeError, ValueError):
        return str(value)


def check_prod_limits(facts: Facts) -> Result:
    name = "prod-limits"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        memory, cpus = _limit(service.spec)
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


def check_prod_read_only(facts: Facts) -> Result:
    name = "prod-read-only"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        if service.spec.get("read_only") is True:
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


def check_prod_log_rotation(facts: Facts) -> Result:
    name = "prod-log-rotation"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        logging = service.spec.get("logging") or {}
        driver = str(logging.get("driver") or "")
        options = logging.get("options") or {}
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


def check_prod_restart(facts: Facts) -> Result:
    name = "prod-restart"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        restart = str(service.spec.get("restart") or "")
        policy = ((service.spec.get("deploy") or {}).get("restart_policy") or {}).get(
            "condition"
        )
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
