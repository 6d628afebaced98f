"""Pure: what the stack needs that the engine answering lacks, one line
each naming the engine and the feature (docs/docker.md, "Podman and
rootless Docker"). `inv doctor` (and setup's first step, and `inv check`)
report them; `inv up` refuses with the first before it changes anything."""

from __future__ import annotations

from collections.abc import Iterable

from dockhand.docker.engine_kind import EngineKind
from dockhand.docker.model import Service

PODMAN_SYSTEMD = (
    "run Podman where systemd runs (its API socket: `systemctl --user start "
    "podman.socket`, DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock), "
    "or use Docker"
)


def _listed(names: list[str]) -> str:
    return ", ".join(sorted(names))


def missing(kind: EngineKind, services: Iterable[Service]) -> list[tuple[str, str]]:
    """(what is missing, how to mend it) for each feature `services` need
    that `kind` lacks; empty when the engine has them all."""
    services = list(services)
    checked = [s for s in services if s.healthcheck and not s.healthcheck.disabled]
    found: list[tuple[str, str]] = []
    timing_only = [s.name for s in checked if s.healthcheck and not s.healthcheck.test]
    if timing_only and not kind.inherits_health_command:
        found.append(
            (
                f"{kind.label} refuses a healthcheck without a command: "
                f"{_listed(timing_only)} set only its timing (Docker takes the "
                "command from the image's HEALTHCHECK)",
                "give each of those `healthcheck:` entries a `test:` (the "
                "command of the image's HEALTHCHECK)",
            )
        )
    if checked and not kind.runs_healthchecks:
        found.append(
            (
                f"{kind.label} runs no healthchecks here: it runs without systemd "
                f"(cgroup driver {kind.cgroup_driver or 'unknown'}), and Podman "
                f"runs them from systemd timers; {_listed([s.name for s in checked])} "
                "would never be healthy",
                PODMAN_SYSTEMD,
            )
        )
    return found
