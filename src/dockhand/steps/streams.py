"""The engine's streams that `inv dash` and `inv ps --watch` read: the
project's container events, the networks' connects (the router's), one container's stats and its log lines, each
read by a daemon thread that hands every item to a callback (no polling:
a thread waits on its socket). `close()` ends a stream; a callback that
raises ends its thread quietly (the UI it fed has gone)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Protocol

from dockhand.docker.states import PROJECT
from dockhand.docker.stats import Usage, usage

if TYPE_CHECKING:
    from docker import DockerClient


class Closable(Protocol):
    def close(self) -> None: ...


class Stream:
    """One stream and its thread."""

    def __init__(self, name: str, open_: Callable[[], Iterator[object]]) -> None:
        self.closed = threading.Event()
        self._open = open_
        self._source: Closable | None = None
        self.thread = threading.Thread(target=self._pump, name=name, daemon=True)
        self.handlers: list[Callable[[object], None]] = []
        self.on_end: Callable[[BaseException | None], None] = lambda _: None

    def start(self, each: Callable[[object], None]) -> Stream:
        self.handlers.append(each)
        self.thread.start()
        return self

    def _pump(self) -> None:
        ended: BaseException | None = None
        try:
            source = self._open()
            if hasattr(source, "close"):
                self._source = source  # type: ignore[assignment]
            for item in source:
                if self.closed.is_set():
                    break
                for handle in self.handlers:
                    handle(item)
        except Exception as exc:  # the engine went away, or the UI did
            ended = exc
        if not self.closed.is_set():
            with suppress(Exception):  # the UI has gone: nothing to tell
                self.on_end(ended)

    def close(self) -> None:
        """End the stream: at once where the SDK can close it (events,
        logs), else at its next item (stats: one a second)."""
        self.closed.set()
        if self._source is not None:
            with suppress(Exception):  # a stream that already broke
                self._source.close()


def events(client: DockerClient, project: str, since: float | None = None) -> Stream:
    """The project's container events, from `since` (time.time()) on."""
    return Stream(
        "dockhand-events",
        lambda: client.events(
            since=None if since is None else f"{since:.6f}",
            decode=True,
            filters={"type": "container", "label": f"{PROJECT}={project}"},
        ),
    )


def network_events(client: DockerClient, since: float) -> Stream:
    """Every network's connect and disconnect events, from `since` on: the
    router joining or leaving a checkout's networks (`inv up`, `inv down`),
    which a project's label filter cannot see (a network event carries the
    network's name and the container's id, no labels)."""
    return Stream(
        "dockhand-network-events",
        lambda: client.events(
            since=f"{since:.6f}",
            decode=True,
            filters={"type": "network", "event": ["connect", "disconnect"]},
        ),
    )


def stats(
    client: DockerClient, container: str, each: Callable[[Usage], None]
) -> Stream:
    """One container's stats, one sample a second, as Usage. The engine
    keeps sending (zeros) while the container is stopped, and ends the
    stream when it is removed."""

    def handle(sample: object) -> None:
        if isinstance(sample, dict):
            each(usage(sample))

    return Stream(
        f"dockhand-stats-{container[:12]}",
        lambda: client.api.stats(container, stream=True, decode=True),
    ).start(handle)


def logs(
    client: DockerClient, container: str, tail: int, each: Callable[[str], None]
) -> Stream:
    """One container's last `tail` log lines, then each new one until it
    stops (stdout and stderr, merged as they come)."""

    def handle(chunk: object) -> None:
        if isinstance(chunk, bytes):
            for line in chunk.decode(errors="replace").splitlines():
                each(line)

    return Stream(
        f"dockhand-logs-{container[:12]}",
        lambda: client.api.logs(container, stream=True, follow=True, tail=tail),
    ).start(handle)
