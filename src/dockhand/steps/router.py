"""The router's steps (the text and argv are dockhand.docker.router's): made
on demand by `inv up`, which routes the checkout's running services through
it; `inv down` takes the routes away and the router off the checkout's
networks before Compose removes them; `inv gc` removes a router no checkout
uses; `inv urls` and `inv ps` read what is routed.

Every failure here is a DockhandError of one line: `inv up` shows it as a
warning and the port URLs still work."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import replace

from dockhand.config.checkout import host_name
from dockhand.docker import engine, engine_socket, router, router_recipe, router_tls
from dockhand.docker.router import Router, RouterConfig
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import router_urls
from dockhand.steps.router_ports import held, spare_port
from dockhand.steps.router_urls import Published
from dockhand.ui import console

# How long a router just started may take to answer `caddy reload`.
START_SECONDS = 15.0


def config() -> RouterConfig:
    return router.config(os.environ)


def checkout_label(project: str) -> str:
    """The checkout's part of its names (`NAME` of `NAME.localhost`); "" when
    its project name cannot be a host name."""
    host = host_name(project)
    return "" if host == "localhost" else host.removesuffix(".localhost")


def said(stderr: str) -> str:
    """A failed command's reason: the last line of its stderr."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def local_engine() -> None:
    """The router listens on this machine's 127.0.0.1: an engine elsewhere
    (DOCKER_HOST=ssh://, tcp://) would open it on its own machine."""
    where = engine.current_endpoint()
    if where.socket is None:
        raise DockhandError(
            f"names without ports need an engine on this machine, not "
            f"{engine.endpoint(where)}",
            hint="the port URLs work; or set DOCKHAND_ROUTER=off",
        )


def find(s: Session, cfg: RouterConfig) -> Router | None:
    """The router's container: on the engine's socket when it answers (no
    process: `inv ps` asks), else `docker container inspect`."""
    reply = s.read_engine(engine_socket.inspect_path("containers", cfg.name))
    if reply is not None and reply[0] in (200, 404):
        return router.router_from(reply[1]) if reply[0] == 200 else None
    done = s.runner.capture(router.inspect_argv(cfg.name), timeout=30)
    return router.router_of(done.stdout) if done.ok else None


def _recipe(cfg: RouterConfig) -> tuple[str, str, str]:
    """The image's tag, the digest it is named by, its files' digest."""
    files = router_recipe.files()
    digest = router_recipe.recipe_digest(files, cfg.base_image)
    files_digest = router_recipe.recipe_digest(files, "")
    return router_recipe.image_tag(digest), digest, files_digest


def _image(s: Session, cfg: RouterConfig) -> str:
    tag, digest, files_digest = _recipe(cfg)
    if s.runner.capture(router_recipe.image_exists_argv(tag), timeout=30).ok:
        return tag
    console.step(f"building the router's image {tag} (once per engine)")
    argv = router_recipe.build_argv(
        tag, router_recipe.RECIPE, cfg.base_image, digest, files_digest
    )
    done = s.runner.quiet(argv, timeout=900)
    if not done.ok:
        raise DockhandError(
            f"could not build the router's image: {said(done.stderr)}",
            hint=f"is the base image {cfg.base_image} there? (`docker image ls`)",
        )
    return tag


def _outdated(s: Session, cfg: RouterConfig, found: Router) -> bool:
    """Whether the router runs an image of another recipe (an older
    dockhand's): one look at its image's label, only when its tag is not
    this recipe's."""
    tag, _, files_digest = _recipe(cfg)
    if not found.image or found.image == tag:
        return False
    label = s.runner.capture(router_recipe.files_label_argv(found.image), timeout=30)
    return label.ok and router_recipe.outdated(
        found.image, tag, label.stdout, files_digest
    )


def _settled(s: Session, cfg: RouterConfig) -> Router | None:
    """The router once it runs with its port (another `inv up` may be
    starting it)."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        found = find(s, cfg)
        if found is None or (found.running and found.host_port):
            return found
        if time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _create(s: Session, cfg: RouterConfig) -> Router:
    tag = _image(s, cfg)
    s.runner.quiet(router.network_create_argv(cfg.name))  # there already: fine
    s.runner.quiet(router_tls.volume_create_argv(cfg.name))  # there: kept, its CA too
    ports = [
        router.candidates(want, filter(held, want))
        for want in (cfg.ports, cfg.tls_ports)
    ]
    rootless = False
    while ports:
        port, tls_port = ports[0][0], ports[1][0] or spare_port()
        argv = router.run_argv(cfg.name, tag, port or spare_port(), tls_port)
        done = s.runner.quiet(argv)
        if done.ok:
            break
        rootless = rootless or (port == cfg.ports[0] and router.privileged(done.stderr))
        if router.name_taken(done.stderr):  # another `inv up` made it first
            found = _settled(s, cfg)
            if found is not None and found.running:
                return found
            raise _Lost(  # theirs: not removed
                f"another command is making the router {cfg.name}, and it did not start",
                hint=f"see `docker logs {cfg.name}`; then `inv up` again",
            )
        s.runner.quiet(router.remove_argv(cfg.name))  # made, but not started
        if not router.port_taken(done.stderr):
            raise DockhandError(
                f"could not start the router: {said(done.stderr)}",
                hint="see `docker logs " + cfg.name + "`",
            )
        ports = router_tls.next_ports(ports, done.stderr, tls_port)
    found = _settled(s, cfg)
    if s.runner.dry:
        return Router(cfg.name, True, cfg.ports[0], ())
    if found is None or found.host_port is None:
        raise DockhandError(
            "the router started, but publishes no port",
            hint=f"see `docker logs {cfg.name}`",
        )
    if found.host_port != cfg.ports[0]:
        console.warn(
            router.moved_line(found.host_port, cfg.ports[0], rootless=rootless)
        )
    if found.tls_port and found.tls_port != cfg.tls_ports[0]:
        console.warn(f"the router serves HTTPS on 127.0.0.1:{found.tls_port}")
    return found


class _Lost(DockhandError):
    """The router another command was making went away: made again."""


def ensure(s: Session, cfg: RouterConfig) -> Router:
    """The router, running: as it is, started again, or made (again, when
    another `inv up` making it at the same time gave up)."""
    for _ in range(2):
        try:
            return _ensure(s, cfg)
        except _Lost:
            continue
    return _ensure(s, cfg)


def _ensure(s: Session, cfg: RouterConfig) -> Router:
    found = find(s, cfg)
    if found is not None and found.status == "created":
        # Another `inv up` may be starting it this moment: never taken for
        # a stopped one and removed under it.
        found = _settled(s, cfg)
    if found is not None and _outdated(s, cfg, found):
        console.step(
            f"the router {cfg.name} runs an older dockhand's image ({found.image}): "
            "making it again (its CA kept); other checkouts: `inv up` there"
        )
        # By its id: another `inv up` may have made the new one already.
        s.runner.quiet(router.remove_argv(found.id or cfg.name))
        return _create(s, cfg)
    if found is not None and found.running and found.host_port:
        return found
    if found is not None:
        if s.runner.quiet(router.start_argv(cfg.name)).ok:
            started = _settled(s, cfg)
            if started is not None and started.running and started.host_port:
                return started
        # Its port went to something else while it was stopped: made anew.
        s.runner.quiet(router.remove_argv(cfg.name))
    return _create(s, cfg)


def publish(s: Session, states: Sequence[ServiceState]) -> Published | None:
    """Route the checkout's running services through the router (made when
    there is none); None when it is off or nothing has a port."""
    cfg = config()
    label = checkout_label(s.settings.project)
    routes = router_urls.checkout_routes(s.settings, states)
    if not cfg.on or not label or not routes:
        return None
    local_engine()
    found = ensure(s, cfg)
    for network in project_networks(s, s.settings.project):
        if network in found.networks:
            continue
        done = s.runner.quiet(router.connect_argv(network, cfg.name))
        if not done.ok and "already exists" not in done.stderr:
            raise DockhandError(
                f"the router could not join network {network}: {said(done.stderr)}",
                hint="the port URLs work; `inv doctor` checks the engine",
            )
    text = router.routes_text(label, routes)
    deadline = time.monotonic() + START_SECONDS
    while True:
        done = s.runner.quiet(router.set_routes_argv(cfg.name, label, text))
        if done.ok:
            return Published(routes, found.host_port or 0, found.tls_port)
        if time.monotonic() > deadline:
            raise DockhandError(
                f"the router did not take this checkout's routes: {said(done.stderr)}",
                hint=f"see `docker logs {cfg.name}`; the port URLs work",
            )
        time.sleep(0.2)


def project_networks(s: Session, project: str) -> list[str]:
    """Compose's networks of `project`: the engine's socket, else the docker CLI."""
    names = router.network_names(s.read_engine(router.networks_request(project)))
    argv = router.networks_argv(project)
    return s.runner.capture(argv, timeout=30).stdout.split() if names is None else names


def withdraw(s: Session, project: str = "") -> None:
    """Before `inv down` (and `inv gc`'s removal of a gone checkout's
    project): its routes removed, the router off its networks (Compose
    leaves a network another container is on)."""
    cfg = config()
    if not cfg.on:
        return
    found = find(s, cfg)
    if found is None:
        return
    project = project or s.settings.project
    label = checkout_label(project)
    if found.running and label:
        s.runner.quiet(router.remove_routes_argv(cfg.name, label))
    for network in project_networks(s, project):
        if network in found.networks:
            s.runner.quiet(router.disconnect_argv(network, cfg.name))


def routed(s: Session, states: Sequence[ServiceState]) -> Published | None:
    """The checkout's names as the router serves them now (`inv urls`): None
    when it is off, not running, or has no routes of this checkout."""
    cfg = config()
    label = checkout_label(s.settings.project)
    routes = router_urls.checkout_routes(s.settings, states)
    if not cfg.on or not label or not routes:
        return None
    found = find(s, cfg)
    if found is None or not found.running or not found.host_port:
        return None
    listed = s.runner.capture(router.list_routes_argv(cfg.name), timeout=30)
    if label not in listed.stdout.split():
        return None
    return Published(routes, found.host_port, found.tls_port)


def listening(s: Session) -> Published | None:
    """The router's ports, no routes, when it runs on one of the checkout's
    networks (`PROJECT_NAME`, as Compose names them), which stands for its
    routes (`inv up` sets them with it, `inv down` removes them with it):
    one look at the engine's socket, no process (`inv ps`, `inv dash`)."""
    cfg = config()
    if not cfg.on or not checkout_label(s.settings.project) or _elsewhere():
        return None
    found = find(s, cfg)
    if found is None or not found.running or not found.host_port:
        return None
    prefix = f"{s.settings.project}_"
    if not any(network.startswith(prefix) for network in found.networks):
        return None
    return Published([], found.host_port, found.tls_port)


def _elsewhere() -> bool:
    """DOCKER_HOST names an engine on another machine (ssh://, tcp://),
    where `inv up` makes no router: nothing to ask it (a process, maybe a
    round trip over ssh, on every `inv ps`). Read from the variable alone:
    a context's endpoint would cost importing the docker SDK."""
    host = os.environ.get("DOCKER_HOST", "")
    return bool(host) and not host.startswith("unix://")


def names(s: Session, states: Sequence[ServiceState]) -> dict[str, list[str]]:
    """`inv ps`: service -> the names the router serves it under, if any."""
    at = listening(s)
    if at is None:
        return {}
    routes = router_urls.checkout_routes(s.settings, states)
    return router_urls.names(replace(at, routes=routes))


def remove_unused(s: Session) -> bool:
    """`inv gc`: remove the router (container and network) when it routes no
    checkout; whether it did. Its image is kept (a minute to build again)."""
    cfg = config()
    found = find(s, cfg) if cfg.on else None
    if found is None:
        return False
    if found.running:
        routes = s.runner.capture(router.list_routes_argv(cfg.name), timeout=30)
        if not routes.ok or routes.stdout.split():
            return False
    s.runner.quiet(router.remove_argv(cfg.name))
    s.runner.quiet(router.network_remove_argv(cfg.name))
    return True


def publish_and_show(
    s: Session, states: Sequence[ServiceState], *, show_urls: bool = True
) -> None:
    """After a wait (`inv up`, `restart`, setup's up): route, then print every
    URL. A router that cannot be had is one warning; the port URLs are
    printed all the same."""
    published = None
    try:
        published = publish(s, states)
    except DockhandError as failure:
        console.warn(str(failure))
    if show_urls:
        router_urls.show(router_urls.urls(s.settings, states, published))
