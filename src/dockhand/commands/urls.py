"""`inv urls`: each service's URLs, the name the router serves
(`http://SERVICE.CHECKOUT.localhost`) first, then the port URL."""

from __future__ import annotations

import json

from dockhand.docker.router import NAME_VAR
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import router, router_urls
from dockhand.ui import console


def urls(s: Session, *, as_json: bool) -> None:
    states = s.states([])
    why = ""
    published = None
    if not router.config().on:
        why = f"the router is off ({NAME_VAR}=off): port URLs only"
    else:
        try:
            router.local_engine()
            published = router.routed(s, states)
        except DockhandError as failure:
            why = str(failure)
        if published is None and not why and states:
            why = (
                "no names for this checkout yet: `inv up` routes it through the router"
            )
    found = router_urls.urls(s.settings, states, published)
    if as_json:
        console.print_data(json.dumps(found, indent=2))
        if why:
            console.status(why)
        return
    if not states:
        console.status(
            f"no containers for project {s.settings.project!r}; start them with `inv up`"
        )
        return
    for service, links in found.items():
        console.print_data(f"{service:<12} {'  '.join(links)}")
    if why:
        console.status(why)
