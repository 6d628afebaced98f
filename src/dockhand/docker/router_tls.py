"""Pure: the router's HTTPS (docs/commands.md, "inv urls"): Caddy serves
`https://SERVICE.CHECKOUT.localhost` on 127.0.0.1:443 (else 8443, else a
free port) with certificates of its own local CA (`tls internal`), whose
data lives in a named volume, so a root the host trusts stays valid when the
router is made again.
"""

from __future__ import annotations

import re

TLS_PORT = 8443  # where Caddy serves HTTPS inside the container
TLS_PORTS = (443, 8443)  # the host ports to try for HTTPS, then a free one
ROOT_CA = "/var/lib/caddy/caddy/pki/authorities/local/root.crt"  # in the router
LABEL = "dockhand.router"  # as dockhand.docker.router's


def tls_url(host: str, path: str, tls_port: int) -> str:
    """The HTTPS name: no port when the router has port 443."""
    port = "" if tls_port == 443 else f":{tls_port}"
    return f"https://{host}{port}{path}"


def data_volume(name: str) -> str:
    """Caddy's data, its local CA's root first: kept when the router is made
    again, so a root the host trusts stays the one that signs."""
    return f"{name}-data"


def volume_create_argv(name: str) -> list[str]:
    return [
        "docker", "volume", "create", "--label", f"{LABEL}={name}", data_volume(name),
    ]  # fmt: skip


def root_ca_argv(name: str) -> list[str]:
    """The router's root certificate (PEM) on stdout."""
    return ["docker", "exec", name, "cat", ROOT_CA]


def next_ports(ports: list[list[int]], stderr: str, tls_port: int) -> list[list[int]]:
    """[HTTP ports, HTTPS ports] to try after `docker run` could not have
    one: the HTTPS one when its failure names it, else the HTTP one; [] when
    none is left."""
    http, tls = ports
    if len(tls) > 1 and re.search(rf"(:|port ){tls_port}\b", stderr):
        return [http, tls[1:]]
    return [http[1:], tls] if len(http) > 1 else []
