"""`inv build`, `up`, `down`, `restart`, `ps`: the stack's lifecycle. Building
and starting with the wait are steps `inv setup` shares (dockhand.steps.start)."""

from __future__ import annotations

import queue
import sys
import time

from dockhand.docker import compose
from dockhand.docker.compose import COMPOSE_SAID
from dockhand.docker.engine import unreachable
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import dashboard, router, router_urls, start, status, streams
from dockhand.steps.confirm import confirm_volume_removal
from dockhand.ui import console


def build(
    s: Session, names: list[str], *, no_cache: bool = False, pull: bool = False
) -> None:
    start.build(s, names, no_cache=no_cache, pull=pull)


def up(
    s: Session,
    names: list[str],
    *,
    build: bool = False,
    no_build: bool = False,
    wait: bool = True,
    timeout: float | None = None,
) -> None:
    start.up(s, names, build=build, no_build=no_build, wait=wait, timeout=timeout)


def down(s: Session, *, volumes: bool = False, yes: bool = False) -> None:
    if volumes and not confirm_volume_removal(s, yes=yes, action="inv down --volumes"):
        return
    router.withdraw(s)  # before Compose removes the networks the router is on
    argv = compose.down(s.find_compose(), s.project, volumes=volumes)
    s.runner.check(argv, "Compose could not stop the stack", hint=COMPOSE_SAID)


def restart(s: Session, names: list[str], *, wait: bool, timeout: float | None) -> None:
    """Restart the services named (all when none), then wait for them. One
    look at the project's containers serves both the names (a name with a
    container is a service: only one without is asked of Compose) and the
    stale-image warning; the model the wait needs loads during the restart."""

    seen = None
    if names and not s.runner.dry:
        seen = s.states([])
        # Compose restarts what exists and says nothing of the rest.
        have = {state.service for state in seen}
        missing = [name for name in names if name not in have]
        if missing:
            s.check_services(names)  # an unknown name is its own error
            raise DockhandError(
                f"{', '.join(missing)} has no container to restart",
                hint=f"start it with `inv up {' '.join(missing)}`",
            )
    elif names:
        names = s.check_services(names)
    argv = compose.restart(s.find_compose(), s.project, names)
    from dockhand.steps import stale  # see LAZY_PAIRS

    stale.warn(s, names, "a restart keeps its image; `inv up` rebuilds it", seen)
    start.run_then_wait(s, argv, "Compose could not restart", names, wait, timeout)


def ps(s: Session, names: list[str], *, as_json: bool, watch: bool = False) -> None:
    """`inv ps`: a table (or JSON) of the project's containers; `watch`:
    the table again on each change, until Ctrl-C."""
    if watch:
        _watch(s, names)
        return
    states = s.states(names)
    found = router.names(s, states) if states else {}
    if as_json:
        console.print_data(status.as_json(states, found))
    elif not states:
        console.status(
            f"no containers for project {s.settings.project!r}; start them with `inv up`"
        )
    else:
        _table(states)
        router_urls.show(found)  # below the table: its columns stay as wide
    if states:
        # Without names, `states` is every container: no second look.
        from dockhand.steps import stale  # see LAZY_PAIRS

        stale.warn(s, names, "`inv up` rebuilds it", None if names else states)


def _table(states: list[ServiceState]) -> None:
    text = status.table_text(states) if console.plain(sys.stdout) else None
    if text is not None:
        console.print_data(text)
    else:
        console.out().print(status.table(states, with_details=True))


def _watch(s: Session, names: list[str]) -> None:
    """`inv ps --watch`: the table, then again each time an event of the
    project's containers changes what it shows (a state, a health, a port,
    a container come or gone), read from the engine's events stream: no
    polling. Ends with Ctrl-C (exit 130), or with the engine."""
    if names:
        names = s.check_services(names)
    changes: queue.SimpleQueue[object] = queue.SimpleQueue()
    events = streams.events(
        s.connect(), s.settings.project, since=time.time()
    )  # before the first look: no change is missed
    events.on_end = lambda exc: changes.put(exc or EOFError())
    events.start(changes.put)
    shown: list[tuple[str, ...]] | None = None
    try:
        while True:
            states = s.states(names)
            view = dashboard.ps_view(states)
            if view != shown:
                if shown is not None:
                    console.print_data("")
                if states:
                    _table(states)
                else:
                    console.print_data(f"(no containers for {s.settings.project})")
                shown = view
            if not _next_change(changes):
                break
    finally:
        events.close()
    raise unreachable("its events stream ended")


def _next_change(changes: queue.SimpleQueue[object]) -> bool:
    """Wait for an event that may change the table (a health probe's
    exec_* cannot), then take the ones already queued with it: one look
    for a burst (a restart is kill, die, stop, start, restart). False
    when the stream ended."""
    while True:
        item = changes.get()
        if isinstance(item, BaseException):
            return False
        if isinstance(item, dict) and dashboard.event_of(item).need != "nothing":
            break
    time.sleep(0.05)  # the rest of a burst, sent together
    while not changes.empty():
        if isinstance(changes.get(), BaseException):
            return False
    return True
