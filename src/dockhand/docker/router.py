"""Pure: the router that gives every checkout's services names without
ports, `http://SERVICE.CHECKOUT.localhost`: one Caddy container per engine
(`dockhand-router`), built from `router_image/` (package data) FROM the base
image, listening on 127.0.0.1:80 of the host (else the next free port of a
short list, else one the kernel chooses). Each checkout's routes are one file
in the router (`dockhand-route set CHECKOUT TEXT`, which reloads Caddy); the
router joins the checkout's networks and proxies to its containers by their
names, which are unique across checkouts, unlike service names.

Everything here builds text, argv or a request to the engine's socket, or
reads an answer; dockhand.steps.router runs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockhand.docker import engine_socket
from dockhand.docker.jsondoc import items, mapping, strings, text
from dockhand.docker.router_tls import TLS_PORT, TLS_PORTS, data_volume
from dockhand.docker.states import PROJECT, ServiceState
from dockhand.errors import DockhandError

LABEL = "dockhand.router"  # on the router's container and image: the router's name
CONTAINER_PORT = 8080  # where Caddy listens inside the container (not root)
DEFAULT_NAME = "dockhand-router"
DEFAULT_PORTS = (80, 8080, 8880)
NAME_VAR = "DOCKHAND_ROUTER"  # the router's name, or `off`
PORTS_VAR = "DOCKHAND_ROUTER_PORTS"  # the host ports to try, in order
TLS_PORTS_VAR = "DOCKHAND_ROUTER_TLS_PORTS"  # the same for HTTPS
DEFAULT_BASE = "debian:bookworm-slim"


@dataclass(frozen=True)
class RouterConfig:
    """Which router this engine's checkouts share, and where it may listen."""

    name: str = DEFAULT_NAME
    ports: tuple[int, ...] = DEFAULT_PORTS
    base_image: str = DEFAULT_BASE
    tls_ports: tuple[int, ...] = TLS_PORTS  # for HTTPS

    @property
    def on(self) -> bool:
        return self.name != "off"


def config(environ: Mapping[str, str]) -> RouterConfig:
    """The router's settings from DOCKHAND_ROUTER (a container name, or `off`),
    DOCKHAND_ROUTER_PORTS (host ports to try, comma-separated; dockhand
    takes a free one when all are taken) and BASE_IMAGE."""
    name = environ.get(NAME_VAR, "").strip() or DEFAULT_NAME
    if name != "off" and not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}", name):
        raise DockhandError(
            f"{NAME_VAR}={name!r} is not a container name",
            hint="letters, digits, `_`, `.`, `-`; or `off` for no router",
        )
    ports = _ports(environ, PORTS_VAR, DEFAULT_PORTS) or DEFAULT_PORTS
    tls_ports = _ports(environ, TLS_PORTS_VAR, TLS_PORTS) or TLS_PORTS
    base = environ.get("BASE_IMAGE", "").strip() or DEFAULT_BASE
    return RouterConfig(name, ports, base, tls_ports)


def _ports(
    environ: Mapping[str, str], var: str, default: tuple[int, ...]
) -> tuple[int, ...]:
    words = environ.get(var, "").replace(",", " ").split()
    if not all(w.isdigit() and 0 < int(w) < 65536 for w in words):
        raise DockhandError(
            f"{var}={environ.get(var)!r} is not a list of ports",
            hint="host ports 1-65535, comma-separated, e.g. "
            + ",".join(map(str, default)),
        )
    return tuple(int(w) for w in words)


# --- routes -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One service of a checkout, as the router serves it."""

    service: str
    host: str  # SERVICE.CHECKOUT.localhost
    upstreams: tuple[str, ...]  # CONTAINER:PORT, one per running container
    path: str = "/"  # what the URL opens (settings' services.X.path)


def container_port(state: ServiceState) -> int | None:
    """The lowest TCP container port the container publishes, if any."""
    found = [
        int(published.split("/", 1)[0])
        for published in state.ports
        if "/tcp->" in published and published.split("/", 1)[0].isdigit()
    ]
    return min(found) if found else None


# Running, or about to (`inv up --no-wait` routes what it just started) or
# again (a crash's restart): Caddy finds a container by its name when a
# request comes, and answers 502 while it is not up.
ROUTABLE = ("created", "running", "restarting")


def routes(
    checkout_host: str,
    wanted: Mapping[str, tuple[int | None, str]],
    states: Iterable[ServiceState],
) -> list[Route]:
    """A route per service with a container meant to run (ROUTABLE) and a
    port: settings' `services.X.port` (`wanted`: service -> (port, path)),
    else the lowest container port it publishes. None when `checkout_host`
    is plain `localhost` (a project name that cannot be a host name)."""
    if checkout_host == "localhost":
        return []
    upstreams: dict[str, list[str]] = {}
    paths: dict[str, str] = {}
    for state in sorted(states, key=lambda s: (s.service, s.container)):
        if state.state not in ROUTABLE:
            continue
        port, path = wanted.get(state.service, (None, "/"))
        port = port or container_port(state)
        if port is None or not re.fullmatch(
            r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", state.service
        ):
            continue
        upstreams.setdefault(state.service, []).append(f"{state.container}:{port}")
        paths[state.service] = path
    return [
        Route(service, f"{service}.{checkout_host}", tuple(found), paths[service])
        for service, found in sorted(upstreams.items())
    ]


def routes_text(checkout: str, routes: Sequence[Route]) -> str:
    """A checkout's routes file: one Caddy site per service."""
    lines = [f"# dockhand: the routes of checkout {checkout}"]
    for route in routes:
        lines += [
            f"http://{route.host}:{CONTAINER_PORT}, https://{route.host}:{TLS_PORT} {{",
            "\ttls internal",
            f"\treverse_proxy {' '.join(route.upstreams)}",
            "}",
        ]
    return "\n".join(lines) + "\n"


def url(route: Route, host_port: int) -> str:
    """The name a browser opens: no port when the router has port 80."""
    port = "" if host_port == 80 else f":{host_port}"
    return f"http://{route.host}{port}{route.path}"


# --- the container ------------------------------------------------------------


@dataclass(frozen=True)
class Router:
    """The router's container, as `docker container inspect` describes it."""

    name: str
    running: bool
    host_port: int | None  # where 127.0.0.1 reaches it
    networks: tuple[str, ...]
    image: str = ""  # the image's reference (its tag)
    status: str = ""  # created (being started, maybe by another command), running, ...
    tls_port: int | None = None  # HTTPS; None on a router made before it served it
    id: str = ""  # removed by it, never by a name another `inv up` may have taken


def inspect_argv(name: str) -> list[str]:
    return ["docker", "container", "inspect", name]


def router_of(output: str) -> Router | None:
    """The router from `docker container inspect`'s JSON; None when the
    container is not there (empty output) or is not a router."""
    try:
        found = json.loads(output or "[]")
    except ValueError:
        return None
    if not isinstance(found, list) or not found:
        return None
    return router_from(found[0])


def router_from(inspected: object) -> Router | None:
    """The router from one container's inspect data (the CLI's or the
    engine's socket's); None when it is not a router."""
    attrs = mapping(inspected)
    config_ = mapping(attrs.get("Config"))
    if LABEL not in strings(config_.get("Labels")):
        return None
    settings = mapping(attrs.get("NetworkSettings"))
    ports = _host_ports(settings, CONTAINER_PORT)
    tls_ports = _host_ports(settings, TLS_PORT)
    return Router(
        name=text(attrs.get("Name")).lstrip("/"),
        id=text(attrs.get("Id")),
        running=bool(mapping(attrs.get("State")).get("Running")),
        host_port=ports[0] if ports else None,
        networks=tuple(sorted(mapping(settings.get("Networks")))),
        image=text(config_.get("Image")),
        status=text(mapping(attrs.get("State")).get("Status")),
        tls_port=tls_ports[0] if tls_ports else None,
    )


def _host_ports(settings: Mapping[str, object], container_port: int) -> list[int]:
    bindings = items(mapping(settings.get("Ports")).get(f"{container_port}/tcp"))
    return [
        int(port)
        for binding in bindings
        if (port := text(mapping(binding).get("HostPort"))).isdigit()
    ]


def run_argv(name: str, tag: str, host_port: int, tls_port: int) -> list[str]:
    """Start the router on 127.0.0.1:`host_port` (HTTP) and `tls_port`
    (HTTPS), Caddy's data (its local CA) in the volume `data_volume(name)`."""
    publish = f"127.0.0.1:{host_port or ''}:{CONTAINER_PORT}"
    publish_tls = f"127.0.0.1:{tls_port or ''}:{TLS_PORT}"
    return [
        "docker", "run", "--detach", "--name", name,
        "--label", f"{LABEL}={name}", "--restart", "unless-stopped",
        "--network", name, "--publish", publish, "--publish", publish_tls,
        "--volume", f"{data_volume(name)}:/var/lib/caddy", tag,
    ]  # fmt: skip


def network_create_argv(name: str) -> list[str]:
    """The router's own network, named as it is: a user-defined network
    gives it the engine's DNS, which finds the containers it proxies to."""
    return ["docker", "network", "create", "--label", f"{LABEL}={name}", name]


def network_remove_argv(name: str) -> list[str]:
    return ["docker", "network", "rm", name]


def start_argv(name: str) -> list[str]:
    return ["docker", "start", name]


def remove_argv(name: str) -> list[str]:
    return ["docker", "rm", "--force", "--volumes", name]


def networks_argv(project: str) -> list[str]:
    """The networks Compose made for the project."""
    return [
        "docker", "network", "ls", "--filter", f"label={PROJECT}={project}",
        "--format", "{{.Name}}",
    ]  # fmt: skip


def networks_request(project: str) -> str:
    """The same question as `networks_argv`, on the engine's socket."""
    return engine_socket.networks_path({"label": [f"{PROJECT}={project}"]})


def network_names(reply: tuple[int, Any] | None) -> list[str] | None:
    """The names in the engine's answer to `networks_request`; None when it
    gave none (no socket, an error), so the docker CLI is asked instead."""
    if reply is None or reply[0] != 200 or not isinstance(reply[1], list):
        return None
    return [str(n["Name"]) for n in reply[1] if isinstance(n, dict) and "Name" in n]


def connect_argv(network: str, name: str) -> list[str]:
    return ["docker", "network", "connect", network, name]


def disconnect_argv(network: str, name: str) -> list[str]:
    return ["docker", "network", "disconnect", "--force", network, name]


def set_routes_argv(name: str, checkout: str, routes_file: str) -> list[str]:
    return ["docker", "exec", name, "dockhand-route", "set", checkout, routes_file]


def remove_routes_argv(name: str, checkout: str) -> list[str]:
    return ["docker", "exec", name, "dockhand-route", "rm", checkout]


def list_routes_argv(name: str) -> list[str]:
    return ["docker", "exec", name, "dockhand-route", "ls"]


def port_taken(stderr: str) -> bool:
    """Whether `docker run` failed because the host port could not be had
    (taken, or privileged on a rootless engine)."""
    return bool(
        re.search(
            r"port is already allocated|address already in use|"
            r"cannot expose privileged port|permission denied",
            stderr,
            re.IGNORECASE,
        )
    )


def name_taken(stderr: str) -> bool:
    """Whether `docker run` failed as another `inv up` made the router first."""
    return "is already in use by container" in stderr


def candidates(ports: Sequence[int], busy: Iterable[int]) -> list[int]:
    """The configured ports to try in order, those known busy left out, then
    0 (any free port: the kernel chooses)."""
    skip = set(busy)
    return [p for p in dict.fromkeys(ports) if p not in skip] + [0]


def privileged(stderr: str) -> bool:
    """Whether `docker run` failed as the engine may not publish a port
    under 1024 (a rootless engine's)."""
    return "privileged port" in stderr


def moved_line(port: int, wanted: int, *, rootless: bool = False) -> str:
    if rootless:
        return (
            f"the router listens on 127.0.0.1:{port}, as this engine may not "
            f"publish port {wanted} (rootless: ports under 1024 are privileged)"
        )
    return (
        f"the router listens on 127.0.0.1:{port}, as port {wanted} is taken; "
        "`inv doctor` names what holds it"
    )
