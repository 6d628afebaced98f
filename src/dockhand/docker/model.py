"""Pure: Compose's merged model (`config --format json`) as frozen types,
parsed once at the edge (`parse`), so everything downstream reads fields
instead of walking dicts. Compose has already normalised the model (long
port and volume syntax, depends_on as a mapping), so the parser only
checks shapes and fills defaults.

`raw` keeps Compose's own JSON where it is written back out as JSON: the
stack file (swarm.stackfile) and the model cache (steps.stale). Cheap to
import (`inv up` reads it): no docker SDK, no rich.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dockhand.docker.jsondoc import Raw, items, mapping, strings, text


@dataclass(frozen=True)
class Build:
    context: Path
    dockerfile: Path | None  # None: dockerfile_inline
    inline: str | None
    args: Mapping[str, str]
    target: str | None = None  # the stage built; None: the last one


@dataclass(frozen=True)
class Port:
    target: int
    published: str  # "" when not published; "8000-8002" for a range
    protocol: str = "tcp"
    host_ip: str = ""
    mode: str = ""


@dataclass(frozen=True)
class Mount:
    """One entry of a service's `volumes:` (long syntax)."""

    type: str  # volume, bind, tmpfs, ...
    source: str
    target: str
    read_only: bool = False
    nocopy: bool = False
    tmpfs_size: str = ""


@dataclass(frozen=True)
class Dependency:
    condition: str = "service_started"
    required: bool = True
    restart: bool = False


@dataclass(frozen=True)
class Healthcheck:
    test: tuple[str, ...]  # ("CMD", ...), ("CMD-SHELL", "..."), ("NONE",)
    disable: bool = False
    start_period: str = ""  # as Compose prints it ("1m0s"); "" when not set
    start_interval: str = ""

    @property
    def disabled(self) -> bool:
        return self.disable or self.test[:1] == ("NONE",)


@dataclass(frozen=True)
class Logging:
    driver: str = ""
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Deploy:
    """The parts of `deploy:` that are read; `raw` is the whole of it."""

    raw: Raw = field(default_factory=dict)
    memory_limit: str = ""
    cpus_limit: str = ""
    restart_condition: str = ""


@dataclass(frozen=True)
class WatchRule:
    path: str
    action: str
    target: str = ""
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    name: str
    image: str | None = None
    build: Build | None = None
    ports: tuple[Port, ...] = ()
    volumes: tuple[Mount, ...] = ()
    tmpfs: tuple[str, ...] = ()
    depends_on: Mapping[str, Dependency] = field(default_factory=dict)
    healthcheck: Healthcheck | None = None
    deploy: Deploy = field(default_factory=Deploy)
    watch: tuple[WatchRule, ...] = ()  # develop.watch
    profiles: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # the sources
    configs: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    environment: Mapping[str, str | None] = field(default_factory=dict)
    user: str = ""
    command: tuple[str, ...] | str | None = None
    entrypoint: tuple[str, ...] | str | None = None
    restart: str = ""
    read_only: bool = False
    mem_limit: str = ""
    cpus: str = ""
    logging: Logging | None = None
    raw: Raw = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    """A top-level volume, network, secret or config."""

    key: str
    name: str = ""  # the name it has on the engine, when set
    external: bool = False
    driver: str = ""
    file: str = ""
    raw: Raw = field(default_factory=dict)


@dataclass(frozen=True)
class ComposeModel:
    name: str
    services: Mapping[str, Service]
    volumes: Mapping[str, Resource] = field(default_factory=dict)
    networks: Mapping[str, Resource] = field(default_factory=dict)
    secrets: Mapping[str, Resource] = field(default_factory=dict)
    configs: Mapping[str, Resource] = field(default_factory=dict)
    raw: Raw = field(default_factory=dict)

    def image_of(self, service: str, project: str) -> str:
        """The image a service runs: its `image:`, else the name Compose
        gives what it builds (PROJECT-SERVICE)."""
        found = self.services.get(service)
        return (found.image if found else None) or f"{self.name or project}-{service}"

    def by_name(self) -> list[Service]:
        return [self.services[name] for name in sorted(self.services)]

    def built(self) -> list[Service]:
        """The services Compose builds, by name."""
        return [s for s in self.by_name() if s.build is not None]

    def volume_name(self, key: str, project: str) -> str:
        """The engine's name of a top-level volume."""
        found = self.volumes.get(key)
        return (found.name if found else "") or f"{project}_{key}"


def parse(raw: Raw) -> ComposeModel:
    """Pure: the model Compose printed (already loaded from JSON)."""
    services = mapping(raw.get("services"))
    return ComposeModel(
        name=text(raw.get("name")),
        services={str(k): service(str(k), mapping(v)) for k, v in services.items()},
        volumes=_resources(raw.get("volumes")),
        networks=_resources(raw.get("networks")),
        secrets=_resources(raw.get("secrets")),
        configs=_resources(raw.get("configs")),
        raw=raw,
    )


def service(name: str, spec: Raw) -> Service:
    develop = mapping(spec.get("develop"))
    limits = mapping(
        mapping(mapping(spec.get("deploy")).get("resources")).get("limits")
    )
    deploy = mapping(spec.get("deploy"))
    return Service(
        name=name,
        image=text(spec.get("image")) or None,
        build=build(spec.get("build")),
        ports=tuple(_port(mapping(p)) for p in items(spec.get("ports"))),
        volumes=tuple(_mount(mapping(v)) for v in items(spec.get("volumes"))),
        tmpfs=tuple(text(t) for t in items(spec.get("tmpfs"))),
        depends_on={
            str(k): Dependency(
                text(mapping(v).get("condition")) or "service_started",
                mapping(v).get("required", True) is not False,
                bool(mapping(v).get("restart")),
            )
            for k, v in mapping(spec.get("depends_on")).items()
        },
        healthcheck=_healthcheck(spec.get("healthcheck")),
        deploy=Deploy(
            deploy,
            text(limits.get("memory")),
            text(limits.get("cpus")),
            text(mapping(deploy.get("restart_policy")).get("condition")),
        ),
        watch=tuple(_watch(mapping(r)) for r in items(develop.get("watch"))),
        profiles=tuple(text(p) for p in items(spec.get("profiles"))),
        labels=strings(spec.get("labels")),
        secrets=_references(spec.get("secrets")),
        configs=_references(spec.get("configs")),
        networks=tuple(str(k) for k in mapping(spec.get("networks"))),
        environment={
            str(k): None if v is None else str(v)
            for k, v in mapping(spec.get("environment")).items()
        },
        user=text(spec.get("user")),
        command=_words(spec.get("command")),
        entrypoint=_words(spec.get("entrypoint")),
        restart=text(spec.get("restart")),
        read_only=spec.get("read_only") is True,
        mem_limit=text(spec.get("mem_limit")),
        cpus=text(spec.get("cpus")),
        logging=_logging(spec.get("logging")),
        raw=spec,
    )


def build(value: object) -> Build | None:
    if not isinstance(value, Mapping):
        return None
    context = Path(text(value.get("context")) or ".")
    inline = value.get("dockerfile_inline")
    dockerfile = None
    if inline is None:
        dockerfile = context / (text(value.get("dockerfile")) or "Dockerfile")
    return Build(
        context,
        dockerfile,
        None if inline is None else str(inline),
        strings(value.get("args")),
        text(value.get("target")) or None,
    )


def _port(port: Raw) -> Port:
    return Port(
        int(text(port.get("target")) or 0),
        text(port.get("published")),
        text(port.get("protocol")) or "tcp",
        text(port.get("host_ip")),
        text(port.get("mode")),
    )


def _mount(volume: Raw) -> Mount:
    return Mount(
        text(volume.get("type")),
        text(volume.get("source")),
        text(volume.get("target")),
        volume.get("read_only") is True,
        bool(mapping(volume.get("volume")).get("nocopy")),
        text(mapping(volume.get("tmpfs")).get("size")),
    )


def _healthcheck(value: object) -> Healthcheck | None:
    if not isinstance(value, Mapping):
        return None
    test = value.get("test")
    words = (text(test),) if isinstance(test, str) else tuple(map(text, items(test)))
    return Healthcheck(
        words,
        value.get("disable") is True,
        text(value.get("start_period")),
        text(value.get("start_interval")),
    )


def _watch(rule: Raw) -> WatchRule:
    return WatchRule(
        text(rule.get("path")),
        text(rule.get("action")),
        text(rule.get("target")),
        tuple(text(i) for i in items(rule.get("ignore"))),
    )


def _logging(value: object) -> Logging | None:
    if not isinstance(value, Mapping):
        return None
    return Logging(text(value.get("driver")), strings(value.get("options")))


def _words(value: object) -> tuple[str, ...] | str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(text(w) for w in value)
    return text(value)


def _references(value: object) -> tuple[str, ...]:
    """A service's secrets or configs: each the key of a top-level one."""
    return tuple(
        text(ref) if isinstance(ref, str) else text(mapping(ref).get("source"))
        for ref in items(value)
    )


def _resources(value: object) -> dict[str, Resource]:
    found = {}
    for key, entry in mapping(value).items():
        spec = mapping(entry)
        found[str(key)] = Resource(
            str(key),
            text(spec.get("name")),
            bool(spec.get("external")),
            text(spec.get("driver")),
            text(spec.get("file")),
            spec,
        )
    return found
