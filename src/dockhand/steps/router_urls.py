"""Pure: the router's names as URLs (docs/commands.md, "inv urls"), from
what dockhand.steps.router read of it: which services a checkout's routes
hold, and each one's http:// and https:// name. One place for `inv urls`,
`inv up`'s lines, `inv ps` (table and JSON) and `inv dash`'s URL column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dockhand.config.checkout import host_name
from dockhand.config.settings import Settings
from dockhand.docker import router, router_tls
from dockhand.docker.router import Route
from dockhand.docker.states import ServiceState
from dockhand.steps import status
from dockhand.ui import console


@dataclass(frozen=True)
class Published:
    """What the router serves of a checkout: the routes and its host ports."""

    routes: list[Route]
    port: int
    tls_port: int | None = None  # None: a router made before it served HTTPS


def checkout_routes(settings: Settings, states: Sequence[ServiceState]) -> list[Route]:
    wanted = {name: (c.port, c.path) for name, c in settings.services.items()}
    return router.routes(host_name(settings.project), wanted, states)


def names(published: Published | None) -> dict[str, list[str]]:
    """Service -> its names: http://, then https:// where the router serves it."""
    found: dict[str, list[str]] = {}
    if published is None:
        return found
    for route in published.routes:
        links = found.setdefault(route.service, [router.url(route, published.port)])
        if published.tls_port:
            links.append(router_tls.tls_url(route.host, route.path, published.tls_port))
    return found


def urls(
    settings: Settings, states: Sequence[ServiceState], published: Published | None
) -> dict[str, list[str]]:
    """Service -> its URLs: the names the router serves first, when it does,
    then the port URL (settings' `services.X.port`, as before the router)."""
    found = names(published)
    for service, url in status.urls(settings, states):
        found.setdefault(service, []).append(url)
    return dict(sorted(found.items()))


def show(found: dict[str, list[str]]) -> None:
    for service, links in found.items():
        console.status(f"  {service:<12} {'  '.join(links)}")
