"""`inv check`'s health-start: a healthcheck with a start period and no
start interval, on an engine that probes every 5 s while a container starts.

Docker Engine 25+ probes a container in its start period every
`start_interval` (5 s unless set), whatever its `interval`: each such
service is seen ready up to 5 s late, and `inv up` waits that again for
every service that waits on it (`depends_on: service_healthy`). Measured on
the reference stack, Engine 28: `inv up` 12 s with a 60 s start period, 6 s
without (docs/docker.md, "Health checks"). A warning: the stack works.

The timing is the compose file's, else the Dockerfile's HEALTHCHECK flags
(as the engine merges them: a value not set takes the image's); an image
the stack does not build is not read."""

from __future__ import annotations

import re

from dockhand.checks.facts import Engine, Facts
from dockhand.checks.result import Check, passed, skipped, warned
from dockhand.docker.dockerfile import Dockerfile
from dockhand.docker.model import Service

NAME = "health-start"
FIX = (
    "give each of those healthchecks `start_interval: 1s` (Compose v2; Engine "
    "20.10 ignores it), or drop the start period and raise `retries` instead"
)


def _set(duration: str) -> bool:
    """Whether a duration as Compose or a Dockerfile writes it ("1m0s",
    "30s", "0s") is above zero."""
    return re.search(r"[1-9]", duration) is not None


def _timing(service: Service, dockerfile: object) -> tuple[str, str]:
    """(start period, start interval) as the engine will have them."""
    health = service.healthcheck
    period = health.start_period if health else ""
    interval = health.start_interval if health else ""
    if isinstance(dockerfile, Dockerfile):
        instruction = dockerfile.last(dockerfile.final, "HEALTHCHECK")
        if instruction is not None:
            period = (
                period if _set(period) else instruction.flags.get("start-period", "")
            )
            if not _set(interval):
                interval = instruction.flags.get("start-interval", "")
    return period, interval


def check_health_start(facts: Facts) -> Check:
    early = facts.needs_model(NAME)
    if early:
        return early
    engine = facts.engine
    if not isinstance(engine, Engine):
        return skipped(NAME, "skipped: the engine is not reachable (see engine)")
    kind = engine.kind
    if not kind.probes_slowly_while_starting:
        return passed(
            NAME, f"{kind.label} probes at each healthcheck's interval from the start"
        )
    slow = []
    for service in facts.services:
        if service.healthcheck is not None and service.healthcheck.disabled:
            continue
        period, interval = _timing(service, facts.dockerfiles.get(service.name))
        if _set(period) and not _set(interval):
            slow.append(f"{service.name} (start period {period})")
    if not slow:
        return passed(NAME, "no start period without a start interval")
    return warned(
        NAME,
        f"{', '.join(slow)}: {kind.label} probes each every 5 s while it starts, "
        "whatever its interval, so `inv up` sees it ready up to 5 s late",
        FIX,
    )
