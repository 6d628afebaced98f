"""The host ports the router may have: whether one is held, and a spare one
(dockhand.steps.router chooses with them)."""

from __future__ import annotations

import errno
import socket


def held(port: int) -> bool:
    """Whether a process already listens on 127.0.0.1:`port` (a bind that
    fails only for lack of rights, port 80 without root, says nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def spare_port() -> int:
    """A port of 127.0.0.1 no one listens on, chosen by the kernel. The
    router is published on it by number, not as `127.0.0.1::8080` (the engine
    choosing): Engine 20.10 chooses anew each time the container joins a
    network, so a checkout's names would go stale at the next `inv up`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
