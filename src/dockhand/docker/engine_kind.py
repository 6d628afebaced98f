"""Pure: which engine answers, read from its own answer to `version` and
`info` (never from a version number alone): Docker Engine or Podman (whose
Docker-compatible API names its component "Podman Engine"), rootful or
rootless (info's SecurityOptions holds "name=rootless" on both), and its
cgroup driver, from which follow the features dockhand needs that an engine
may lack (docs/docker.md, "Podman and rootless Docker")."""

from __future__ import annotations

from dataclasses import dataclass

from dockhand.docker.jsondoc import Raw, items, mapping, text

DOCKER = "Docker Engine"
PODMAN = "Podman Engine"


@dataclass(frozen=True)
class EngineKind:
    """The engine that answered, as far as dockhand's commands care."""

    name: str  # DOCKER or PODMAN, as the engine names its component
    version: str  # the engine's own version: 28.5.2, 5.8.6
    api_version: str  # the Docker API version it speaks: 1.51, 1.44
    rootless: bool
    cgroup_driver: str  # systemd, cgroupfs, or none (rootless without cgroups)

    @property
    def podman(self) -> bool:
        return self.name == PODMAN

    @property
    def label(self) -> str:
        """Podman 5.8.6, Docker Engine 28.5.2 (rootless), for one line."""
        name = "Podman" if self.podman else self.name
        return f"{name} {self.version}" + (" (rootless)" if self.rootless else "")

    @property
    def runs_healthchecks(self) -> bool:
        """Podman runs healthchecks from systemd timers only: where it runs
        without systemd (then its cgroup driver is cgroupfs, not systemd) a
        container's health stays `starting` for ever. Docker runs them itself."""
        return not self.podman or self.cgroup_driver == "systemd"

    @property
    def probes_slowly_while_starting(self) -> bool:
        """Docker Engine 25+ (API 1.44) probes a container in its healthcheck's
        start period every `start_interval`, 5 s when it is not set, whatever
        the `interval` (moby's daemon/health.go, defaultStartInterval)."""
        if self.podman:
            return False
        try:
            major, minor = (int(n) for n in self.api_version.split(".")[:2])
        except ValueError:
            return False
        return (major, minor) >= (1, 44)

    @property
    def inherits_health_command(self) -> bool:
        """A compose healthcheck that sets only its timing takes the command
        from the image's HEALTHCHECK on Docker; Podman refuses the container
        ("must define a healthcheck command for all healthchecks")."""
        return not self.podman

    @property
    def lists_processes(self) -> bool:
        """`docker top` reads the container's cgroup: rootless Docker on a
        cgroup v1 host has none ("unable to get all container pids")."""
        return self.cgroup_driver != "none"

    @property
    def top_shows_ps(self) -> bool:
        """Podman answers `top` with ps-style options by running `ps` in the
        container, as root: that row is Podman's, not the service's."""
        return self.podman


def engine_kind(version: Raw, info: Raw) -> EngineKind:
    """The kind from the engine's `GET /version` and `GET /info` JSON."""
    components = [mapping(c) for c in items(version.get("Components"))]
    names = [text(c.get("Name")) for c in components]
    name = PODMAN if PODMAN in names else DOCKER
    own = next((c for c in components if text(c.get("Name")) == name), {})
    security = [text(option) for option in items(info.get("SecurityOptions"))]
    return EngineKind(
        name=name,
        version=text(own.get("Version")) or text(version.get("Version")) or "?",
        api_version=text(version.get("ApiVersion")) or "?",
        rootless="name=rootless" in security,
        cgroup_driver=text(info.get("CgroupDriver")),
    )
