"""`inv dash`: the stack live in the terminal, fed by the engine's events
and stats streams (dockhand.steps.streams), kept as rows by
dockhand.steps.dashboard, drawn by dockhand.ui.dash. Following logs and
opening a shell suspend the view, run Compose as `inv logs -f` and
`inv shell` do, and come back."""

from __future__ import annotations

import shlex
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from dockhand.docker import compose, engine
from dockhand.docker.jsondoc import mapping, text
from dockhand.docker.process import interactive
from dockhand.docker.states import ServiceState, state_of
from dockhand.docker.stats import Usage
from dockhand.errors import DockhandError, Interrupted
from dockhand.session import Session
from dockhand.steps import dashboard, router, router_urls, streams
from dockhand.ui import console
from dockhand.ui.dash import Dashboard

if TYPE_CHECKING:
    from docker import DockerClient

INTERNAL_ERROR = 70  # as the task class exits on a bug
TAIL = 100  # log lines shown when a service is selected
FOLLOW_TAIL = "50"  # and when its logs are followed


def dash(s: Session) -> None:
    """`inv dash`: until q (or Ctrl-C), which leaves the terminal as it was."""
    if not interactive():
        raise DockhandError(
            "inv dash needs a terminal; where output is piped, or the terminal "
            "cannot draw full-screen, use `inv ps --watch`"
        )
    feed = Feed(s, s.connect(), engine.connect(timeout=None))
    view = Dashboard(f"dockhand dash: {s.settings.project}", dashboard.COLUMNS, feed)
    try:
        view.run()
    finally:
        feed.close()
    if view.return_code:  # textual has shown the traceback of what broke it
        raise DockhandError(
            "inv dash stopped on an internal error (its traceback is above)",
            hint="please report it, with that traceback",
            code=INTERNAL_ERROR,
        )


class Feed:
    """The view's Hooks: the streams that feed it, the board they change
    (on the view's thread only), and what its keys run."""

    def __init__(self, s: Session, client: DockerClient, streamer: DockerClient):
        self.s = s
        self.client = client  # inspect and restart, with the usual timeout
        self.streamer = streamer  # streams, which may stay silent for long
        self.board = dashboard.Board(s.settings)
        self.stats: dict[str, streams.Stream] = {}
        # Each container's newest sample, written by its stats thread (one a
        # second each) and read at the tick: one redraw a second, not one a
        # sample, and no round trip to the view's thread per sample.
        self.latest: dict[str, Usage] = {}
        # The selected container's new log lines, likewise shown at the
        # tick: the pane scrolls (every line of it sent again) at most once
        # a second, however chatty the service.
        self.lines: deque[tuple[str, str]] = deque()
        self.events: streams.Stream | None = None
        self.networks: streams.Stream | None = None  # the router's joins and leaves
        self.log: streams.Stream | None = None
        self.log_key = ""
        self.note = ""
        self.view: Dashboard | None = None

    # --- the view's hooks, on its thread ----------------------------------

    def started(self, view: Dashboard) -> None:
        self.view = view
        events = streams.events(self.streamer, self.s.settings.project, time.time())
        events.on_end = lambda exc: view.call_from_thread(self._events_ended, exc)
        self.events = events.start(self._event)  # first: nothing is missed
        if router.config().on:
            networks = streams.network_events(self.streamer, time.time())
            self.networks = networks.start(self._network_event)
        self.board.seed(self.s.states([]))
        self.board.routed(self._router())
        self.redraw()

    def tick(self) -> None:
        """Once a second: the samples and log lines since the last tick, and
        the uptimes."""
        for key in list(self.latest):
            self.board.sampled(key, self.latest.pop(key))
        lines = [self.lines.popleft() for _ in range(len(self.lines))]
        shown = [line for key, line in lines if key == self.log_key]
        if shown and self.view is not None:
            self.view.add_log(self.log_key, shown)
        self.redraw()

    def selected(self, key: str) -> None:
        if key == self.log_key or self.view is None:
            return
        self._open_log(key)

    def follow(self, key: str) -> None:
        service = self.board.service_of(key)
        if service is not None:
            self._outside(
                lambda: compose.logs(
                    self.s.find_compose(),
                    self.s.project,
                    [service],
                    follow=True,
                    tail=FOLLOW_TAIL,
                    color=console.colour_wanted(sys.stdout),
                ),
                f"{service}'s logs: Ctrl-C goes back to the dashboard",
            )

    def shell(self, key: str) -> None:
        service = self.board.service_of(key)
        if service is not None:
            self._outside(
                lambda: compose.exec_or_run(
                    self.s.find_compose(),
                    self.s.project,
                    service,
                    compose.shell_command(self.s.settings.service(service).shell),
                    running=True,
                    tty=True,
                ),
                f"a shell in {service}: exit goes back to the dashboard",
            )

    def restart(self, key: str) -> None:
        service = self.board.service_of(key)
        if service is None or self.view is None:
            return
        view = self.view
        if self.s.runner.dry:
            view.notify(f"--dry: would restart {service} ({key[:12]})")
            return
        view.notify(f"restarting {service}")

        def restart() -> None:
            try:
                self.client.api.restart(key, timeout=10)
            except Exception as exc:  # the engine's answer, shown in the view
                view.call_from_thread(
                    view.notify, f"{service}: {exc}", severity="error"
                )

        threading.Thread(target=restart, name="dockhand-restart", daemon=True).start()

    # --- what the streams bring ------------------------------------------

    def _event(self, raw: object) -> None:
        """On the events thread: the container inspected here, the board
        changed on the view's."""
        from docker.errors import APIError, NotFound

        if not isinstance(raw, dict) or self.view is None:
            return
        event = dashboard.event_of(raw)
        state = None
        if event.need == "nothing":
            return
        if event.need != "gone":
            try:
                state = state_of(self.client.api.inspect_container(event.container))
            except NotFound:
                event = dashboard.Event(event.container, event.action, "gone")
            except APIError:
                return  # the engine's hiccup: the next event reads it again
        self.view.call_from_thread(self._apply, event, state)

    def _network_event(self, raw: object) -> None:
        """On its thread: the router read again when one of the project's
        networks gained or lost a container (the router, or the project's
        own), its ports handed to the view's thread."""
        actor = mapping(mapping(raw).get("Actor"))
        name = text(mapping(actor.get("Attributes")).get("name"))
        if self.view is not None and name.startswith(f"{self.s.settings.project}_"):
            self.view.call_from_thread(self._routed, self._router())

    def _router(self) -> router_urls.Published | None:
        """The router's ports when it routes this checkout: one look at the
        engine's socket, never per frame."""
        try:
            return router.listening(self.s)
        except DockhandError:
            return None  # a bad DOCKHAND_ROUTER*: the port URLs, as inv up says

    def _routed(self, found: router_urls.Published | None) -> None:
        self.board.routed(found)
        self.redraw()

    def _apply(self, event: dashboard.Event, state: ServiceState | None) -> None:
        if event.need == "gone" or state is None:
            self.board.remove(event.container)
        else:
            self.board.update(state)
            if event.need == "restarted":
                self.board.restarted(event.container)
            if event.action == "start" and event.container == self.log_key:
                self._open_log(event.container)  # a stop ended its log stream
        self.redraw()

    def _events_ended(self, exc: BaseException | None) -> None:
        reason = engine._reason(exc) if exc else "the engine closed it"
        self.note = f"(events stopped: {reason}; quit and run inv dash again)"
        self.redraw()

    # --- helpers ---------------------------------------------------------

    def redraw(self) -> None:
        if self.view is None:
            return
        rows = self.board.rows()
        keys = {row.key for row in rows}
        for key in set(self.stats) - keys:
            self.stats.pop(key).close()
        for key in keys - set(self.stats):
            self.stats[key] = streams.stats(self.streamer, key, self._stats_of(key))
        note = self.note or (
            ""
            if rows
            else f"no containers for project {self.s.settings.project!r}: "
            "start them with `inv up`"
        )
        self.view.show([(row.key, row.cells) for row in rows], note)

    def _stats_of(self, key: str) -> Callable[[Usage], None]:
        def handle(usage: Usage) -> None:
            self.latest[key] = usage

        return handle

    def _open_log(self, key: str) -> None:
        view = self.view
        assert view is not None
        if self.log is not None:
            self.log.close()
        self.log_key = key
        self.lines.clear()  # the pane starts again from the stream's tail
        service = self.board.service_of(key) or key[:12]
        view.start_log(key, f"{service}: last lines (l follows them)")

        def each(line: str) -> None:
            self.lines.append((key, dashboard.log_line(line)))

        self.log = streams.logs(self.streamer, key, TAIL, each)

    def _outside(self, command: Callable[[], list[str]], says: str) -> None:
        """Run `command` with the terminal its own (the view is suspended);
        what stops it (Compose missing, the engine gone) is said in the view."""
        try:
            argv = command()
            if self.s.runner.dry:
                self._say(f"--dry: would run {shlex.join(argv)}")
                return
            console.status(says)
            self.s.runner.run(argv)
        except Interrupted:
            pass  # Ctrl-C ends `logs -f`: back to the dashboard
        except DockhandError as exc:
            self._say(exc.message, error=True)

    def _say(self, message: str, *, error: bool = False) -> None:
        if self.view is not None:
            self.view.notify(message, severity="error" if error else "information")

    def close(self) -> None:
        for stream in [*self.stats.values(), self.events, self.networks, self.log]:
            if stream is not None:
                stream.close()
