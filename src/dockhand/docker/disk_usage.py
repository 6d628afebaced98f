"""The size of each volume, from the engine's disk usage (what `docker system
df -v` shows).

Engines before 23.0 refuse a disk-usage request while another one runs ("a
disk usage operation is already running": a `docker system df` in another
terminal, another checkout's `inv down --volumes`); 23.0 and later let the
second caller share the first one's answer. That old-engine workaround lives
here alone: ask again until the other request ends (the engine sends no event
for it, so this is the one place that polls), and past `patience` go on
without sizes rather than fail a command over a figure it only shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from dockhand.docker.jsondoc import items, mapping

if TYPE_CHECKING:
    from docker import DockerClient

BUSY = "a disk usage operation is already running"
PATIENCE_SECONDS = 15.0  # one request takes about 0.5 s on 20.10 with a few images
# A refusal costs the engine nothing, and another client that asks in a loop
# leaves gaps of a fraction of a second between its requests: a short, even
# pause finds one (a pause growing to 0.25 s missed them for 15 s on a busy
# machine).
PAUSE_SECONDS = 0.05


def volume_sizes(
    client: DockerClient,
    *,
    patience: float = PATIENCE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Bytes used by each volume by name; -1 where the engine does not know,
    and no entries at all when the engine stayed busy for `patience` seconds."""
    from docker.errors import APIError

    deadline = clock() + patience
    pause = PAUSE_SECONDS
    while True:
        try:
            usage = mapping(client.df())
            break
        except APIError as exc:
            if BUSY not in str(exc):
                raise
            if clock() + pause > deadline:
                return {}
            sleep(pause)
    sizes: dict[str, int] = {}
    for volume in map(mapping, items(usage.get("Volumes"))):
        size = mapping(volume.get("UsageData")).get("Size", -1)
        sizes[str(volume.get("Name"))] = size if isinstance(size, int) else -1
    return sizes
